// State for a cursor-paginated list: first page on mount and whenever the fetcher (i.e. the filters) changes, then
// "load more" appends the next page. Responses to superseded filters are dropped so a slow reply cannot overwrite a
// newer one.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../../src/contracts/foundation.ts';

export interface CursorList<T> {
  items: T[];
  loading: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  replace(match: (item: T) => boolean, next: T): void;
}

export function useCursorList<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  onError: (error: unknown) => void,
): CursorList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);
  const onErrorRef = useRef(onError);
  useEffect(() => {
    onErrorRef.current = onError;
  });

  const load = useCallback(
    async (cursor: string | undefined) => {
      const current = cursor === undefined ? ++generation.current : generation.current;
      setLoading(true);
      try {
        const page = await fetchPage(cursor);
        if (current !== generation.current) return;
        setItems((previous) => (cursor === undefined ? page.items : [...previous, ...page.items]));
        setNextCursor(page.nextCursor);
      } catch (error) {
        if (current === generation.current) onErrorRef.current(error);
      } finally {
        if (current === generation.current) setLoading(false);
      }
    },
    [fetchPage],
  );

  useEffect(() => {
    void load(undefined);
  }, [load]);

  return {
    items,
    loading,
    hasMore: nextCursor !== null,
    loadMore: () => {
      if (nextCursor !== null) void load(nextCursor);
    },
    reload: () => void load(undefined),
    replace: (match, next) => setItems((previous) => previous.map((item) => (match(item) ? next : item))),
  };
}
