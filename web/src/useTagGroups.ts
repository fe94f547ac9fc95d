// The workspace's tag groups with their tags, loaded once per page that needs a tag picker or the tag catalogue.
import { useCallback, useEffect, useState } from 'react';
import type { TagGroup } from '../../src/contracts/tags.ts';
import { api } from './api.ts';
import { useApiError } from './useApiError.ts';

export function useTagGroups(enabled = true): { groups: TagGroup[]; loading: boolean; reload(): void } {
  const showError = useApiError();
  const [groups, setGroups] = useState<TagGroup[]>([]);
  const [loading, setLoading] = useState(enabled);

  const reload = useCallback(() => {
    if (!enabled) return;
    setLoading(true);
    api.listTagGroups().then(
      (page) => {
        setGroups(page.items);
        setLoading(false);
      },
      (error: unknown) => {
        setLoading(false);
        showError(error);
      },
    );
  }, [enabled, showError]);

  useEffect(() => reload(), [reload]);
  return { groups, loading, reload };
}
