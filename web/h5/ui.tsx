// Building blocks every H5 screen shares: loading, error and empty states, a bottom sheet for dialogs, a sub-page
// frame with a back button, toasts, and a hook that loads data with those states.
import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { changeLanguage, currentLanguage } from '../src/i18n.ts';
import { H5Error } from './api.ts';
import { Icon, type IconName } from './icons.tsx';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload(): void;
  set(next: T): void;
}

/** Loads on mount and whenever `load` changes; a slower answer to an older load never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [load]);
  useEffect(() => run(), [run]);
  return { data, error, loading, reload: run, set: setData };
}

/** The server's message in the member's language, or what went wrong on the way. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation('h5');
  return useCallback(
    (error: unknown) => {
      if (error instanceof H5Error) {
        if (error.status === 0) return t('errors.network');
        if (error.message) return error.message;
        return t('errors.server', { status: error.status });
      }
      return t('errors.unknown');
    },
    [t],
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation('h5');
  return (
    <div className="h5-state" role="status" aria-live="polite" aria-busy="true">
      <span className="h5-spinner" aria-hidden="true" />
      <span>{label ?? t('loading')}</span>
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation('h5');
  const text = useErrorText();
  return (
    <div className="h5-state h5-state-error" role="alert">
      <Icon name="alert" />
      <p>{text(error)}</p>
      {onRetry && (
        <button type="button" className="h5-button h5-button-ghost" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

export function Empty({
  icon,
  title,
  hint,
  action,
}: {
  icon: IconName;
  title: string;
  hint?: string;
  action?: ReactNode;
}) {
  return (
    <div className="h5-state h5-empty">
      <span className="h5-empty-icon">
        <Icon name={icon} />
      </span>
      <p className="h5-empty-title">{title}</p>
      {hint && <p className="h5-empty-hint">{hint}</p>}
      {action}
    </div>
  );
}

/** Shows the loading or error state of `loaded`, else its content. */
export function Loadable<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  if (loaded.error) return <ErrorState error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === null) return <Loading />;
  return <>{children(loaded.data)}</>;
}

/** A dialog that slides up from the bottom, as phones do: Escape or the backdrop closes it unless it is busy. */
export function Sheet({
  title,
  onClose,
  children,
  footer,
  busy = false,
}: {
  title: string;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
  busy?: boolean;
}) {
  const { t } = useTranslation('h5');
  const titleId = useId();
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !busy) onClose();
    };
    window.addEventListener('keydown', onKey);
    panel.current?.focus();
    return () => window.removeEventListener('keydown', onKey);
  }, [busy, onClose]);
  return (
    <div className="h5-sheet-backdrop">
      <button
        type="button"
        className="h5-sheet-scrim"
        aria-label={t('close')}
        tabIndex={-1}
        onClick={() => !busy && onClose()}
      />
      <div className="h5-sheet" role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1} ref={panel}>
        <div className="h5-sheet-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="h5-icon-button" aria-label={t('close')} onClick={onClose} disabled={busy}>
            <Icon name="close" />
          </button>
        </div>
        <div className="h5-sheet-body">{children}</div>
        {footer && <div className="h5-sheet-foot">{footer}</div>}
      </div>
    </div>
  );
}

/** A page below a tab: its title and a way back. */
export function SubPage({ title, onBack, children }: { title: string; onBack(): void; children: ReactNode }) {
  const { t } = useTranslation('h5');
  return (
    <section className="h5-subpage" aria-label={title}>
      <header className="h5-subpage-head">
        <button type="button" className="h5-icon-button" aria-label={t('back')} onClick={onBack}>
          <Icon name="back" />
        </button>
        <h1>{title}</h1>
        <span className="h5-icon-button" aria-hidden="true" />
      </header>
      <div className="h5-subpage-body">{children}</div>
    </section>
  );
}

export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max <= 0 ? 100 : Math.min(100, Math.round((value / max) * 100));
  return (
    <div
      className="h5-progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-label={label}
    >
      <span style={{ width: `${pct}%` }} />
    </div>
  );
}

type ToastKind = 'success' | 'error' | 'info';
let showToast: ((text: string, kind: ToastKind) => void) | null = null;

/** Shows a short message above the tab bar for a moment. */
export function toast(text: string, kind: ToastKind = 'info'): void {
  showToast?.(text, kind);
}

export function ToastHost() {
  const [current, setCurrent] = useState<{ text: string; kind: ToastKind; key: number } | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    showToast = (text, kind) => {
      clearTimeout(timer);
      setCurrent({ text, kind, key: Date.now() });
      timer = setTimeout(() => setCurrent(null), 2600);
    };
    return () => {
      showToast = null;
      clearTimeout(timer);
    };
  }, []);
  return (
    <div className="h5-toast-host" aria-live="assertive" role="status">
      {current && (
        <div key={current.key} className={`h5-toast h5-toast-${current.kind}`}>
          {current.text}
        </div>
      )}
    </div>
  );
}

/** "Load more" under a cursor list. */
export function LoadMore({ hasMore, loading, onClick }: { hasMore: boolean; loading: boolean; onClick(): void }) {
  const { t } = useTranslation('h5');
  if (!hasMore) return null;
  return (
    <button type="button" className="h5-button h5-button-ghost h5-load-more" onClick={onClick} disabled={loading}>
      {loading ? t('loading') : t('loadMore')}
    </button>
  );
}

export interface CursorList<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  loaded: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  replace(match: (item: T) => boolean, next: T): void;
}

/** A cursor-paged list: the first page on mount, then "load more" appends; a reload starts over. */
export function useCursor<T>(fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const generation = useRef(0);
  const load = useCallback(
    (from: string | undefined) => {
      const mine = from === undefined ? ++generation.current : generation.current;
      setLoading(true);
      setError(null);
      fetchPage(from).then(
        (page) => {
          if (mine !== generation.current) return;
          setItems((previous) => (from === undefined ? page.items : [...previous, ...page.items]));
          setCursor(page.nextCursor);
          setLoading(false);
          setLoaded(true);
        },
        (err: unknown) => {
          if (mine !== generation.current) return;
          setError(err);
          setLoading(false);
        },
      );
    },
    [fetchPage],
  );
  useEffect(() => load(undefined), [load]);
  const list: CursorList<T> = {
    items,
    error,
    loading,
    loaded,
    hasMore: cursor !== null,
    loadMore: () => {
      if (cursor !== null) load(cursor);
    },
    reload: () => load(undefined),
    replace: (match, next) => setItems((previous) => previous.map((item) => (match(item) ? next : item))),
  };
  return list;
}

export function LanguageButton() {
  const { t } = useTranslation('h5');
  const other = currentLanguage() === 'en' ? 'zh-CN' : 'en';
  return (
    <button
      type="button"
      className="h5-lang"
      aria-label={t('switchLanguageLabel')}
      onClick={() => void changeLanguage(other)}
    >
      {t('switchLanguage')}
    </button>
  );
}
