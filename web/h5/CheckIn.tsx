// Daily check-in: today's button with the points it brings, the streak, the month's calendar (Monday first) with
// the days checked in, and the rule: daily points and the streak bonuses of the cycle.
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { H5CheckIn } from '../../src/contracts/h5.ts';
import { h5api } from './api.ts';
import { month as monthName, shiftMonth } from './format.ts';
import { Icon } from './icons.tsx';
import type { Nav } from './MemberHome.tsx';
import { Loadable, toast, useErrorText, useLoad } from './ui.tsx';

export function CheckInTab({ nav }: { nav: Nav }) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const [shown, setShown] = useState<string | undefined>(undefined);
  const view = useLoad(useCallback(() => h5api.checkInView(shown), [shown]));
  const [busy, setBusy] = useState(false);

  const checkIn = async () => {
    setBusy(true);
    try {
      const done = await h5api.checkIn();
      toast(
        done.points > 0 ? t('checkIn.done', { points: done.points, streak: done.streak }) : t('checkIn.doneNoPoints'),
        'success',
      );
      nav.pointsChanged();
      setShown(undefined);
      view.reload();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Loadable loaded={view}>
      {(v) => (
        <div className="h5-stack">
          <section className="h5-panel h5-checkin">
            <p className="h5-checkin-streak">
              <span>{t('checkIn.streak')}</span>
              <strong>{v.streak}</strong>
              <span>{t('checkIn.days')}</span>
            </p>
            {v.checkedInToday ? (
              <>
                <button type="button" className="h5-checkin-button h5-checkin-done" disabled>
                  <Icon name="check" />
                  {t('checkIn.checkedIn')}
                </button>
                <p className="h5-muted h5-small">{t('checkIn.tomorrow', { points: v.next.points })}</p>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="h5-checkin-button"
                  onClick={() => void checkIn()}
                  disabled={busy || !v.rule.enabled}
                >
                  {busy ? t('checkIn.checking') : t('checkIn.button', { points: v.next.points })}
                </button>
                <p className="h5-muted h5-small">
                  {v.rule.enabled ? t('checkIn.todayHint', { streak: v.next.streak }) : t('checkIn.disabled')}
                </p>
              </>
            )}
          </section>
          <Calendar view={v} onMonth={setShown} />
          <section className="h5-panel h5-rules">
            <h2 className="h5-section-title">{t('checkIn.rules')}</h2>
            <ul>
              <li>{t('checkIn.ruleDaily', { points: v.rule.points })}</li>
              {v.rule.streakBonuses.map((b) => (
                <li key={b.day}>{t('checkIn.ruleBonus', { day: b.day, points: b.points })}</li>
              ))}
              {v.rule.cycleDays > 0 && <li>{t('checkIn.ruleCycle', { days: v.rule.cycleDays })}</li>}
            </ul>
          </section>
        </div>
      )}
    </Loadable>
  );
}

function Calendar({ view, onMonth }: { view: H5CheckIn; onMonth(month: string): void }) {
  const { t } = useTranslation('h5');
  const [y, m] = view.month.split('-').map(Number) as [number, number];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  // Monday first: getUTCDay is 0 for Sunday.
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
  const checked = new Map(view.days.map((d) => [d.date, d]));
  const cells: (number | null)[] = [...Array(lead).fill(null), ...Array.from({ length: daysInMonth }, (_, i) => i + 1)];
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
  const weekdays = t('checkIn.weekdays').split(',');
  const thisMonth = view.today.slice(0, 7);
  return (
    <section className="h5-panel h5-calendar" aria-label={t('checkIn.calendar')}>
      <div className="h5-calendar-head">
        <button
          type="button"
          className="h5-icon-button"
          aria-label={t('checkIn.previousMonth')}
          onClick={() => onMonth(shiftMonth(view.month, -1))}
        >
          <Icon name="back" />
        </button>
        <h2>{monthName(view.month)}</h2>
        <button
          type="button"
          className="h5-icon-button h5-flip"
          aria-label={t('checkIn.nextMonth')}
          onClick={() => onMonth(shiftMonth(view.month, 1))}
          disabled={view.month >= thisMonth}
        >
          <Icon name="back" />
        </button>
      </div>
      <table className="h5-calendar-grid">
        <thead>
          <tr>
            {weekdays.map((w) => (
              <th key={w} scope="col">
                {w}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week.find((d) => d !== null) ?? 0}>
              {week.map((d, column) => {
                // An empty cell is a weekday position before the 1st or after the last day: its column is its identity.
                // biome-ignore lint/suspicious/noArrayIndexKey: see above
                if (d === null) return <td key={`empty-${column}`} />;
                const iso = `${view.month}-${String(d).padStart(2, '0')}`;
                const row = checked.get(iso);
                const classes = ['h5-calendar-day'];
                if (row) classes.push('h5-calendar-checked');
                if (iso === view.today) classes.push('h5-calendar-today');
                return (
                  <td key={iso} aria-current={iso === view.today ? 'date' : undefined}>
                    <span
                      className={classes.join(' ')}
                      title={row ? t('checkIn.dayChecked', { day: d, points: row.points }) : undefined}
                    >
                      <span>{d}</span>
                      {row && <small>+{row.points}</small>}
                    </span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
