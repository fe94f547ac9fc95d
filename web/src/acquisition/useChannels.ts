// The workspace's acquisition channels, loaded once per panel that filters or picks by channel.
import { useCallback, useEffect, useState } from 'react';
import type { Channel } from '../../../src/contracts/acquisition.ts';
import { useApiError } from '../useApiError.ts';
import { acquisitionApi } from './api.ts';

export function useChannels(includeArchived = false): { channels: Channel[]; loading: boolean; reload(): void } {
  const showError = useApiError();
  const [channels, setChannels] = useState<Channel[]>([]);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(() => {
    setLoading(true);
    acquisitionApi
      .listChannels({ includeArchived })
      .then((page) => setChannels(page.items), showError)
      .finally(() => setLoading(false));
  }, [includeArchived, showError]);
  useEffect(() => reload(), [reload]);
  return { channels, loading, reload };
}

export const channelOptions = (channels: Channel[]) =>
  channels.filter((c) => !c.archived).map((c) => ({ value: c.id, label: c.name }));
