// Display helpers for timestamps and JSON blobs coming from the API.
import { currentLanguage } from './i18n.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const lang = currentLanguage();
  let formatter = formatters.get(lang);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(lang, {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    formatters.set(lang, formatter);
  }
  return formatter.format(new Date(iso));
}

export function formatJson(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}
