// The workspace's active groups, for the group pickers of rules, codes and plans (the first 200: a brand with more
// groups picks by search in the groups tab and scopes rules to "all groups").
import { useEffect, useState } from 'react';
import type { Group } from '../../../src/contracts/community.ts';
import { useApiError } from '../useApiError.ts';
import { communityApi } from './api.ts';

export function useGroups(): { groups: Group[]; loading: boolean } {
  const showError = useApiError();
  const [groups, setGroups] = useState<Group[]>([]);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    communityApi
      .listGroups({ status: 'active', limit: 200 })
      .then((page) => setGroups(page.items), showError)
      .finally(() => setLoading(false));
  }, [showError]);
  return { groups, loading };
}

/** Select options of the groups, labelled by name with the member count. */
export const groupOptions = (groups: Group[]) =>
  groups.map((g) => ({ value: g.id, label: `${g.name || g.chatId} (${g.memberCount})` }));
