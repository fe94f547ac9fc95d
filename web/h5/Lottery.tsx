// The points lottery: the open lotteries, each prize with its published odds and whether any are left, the draw
// (the server draws; the board only lights up where it landed), the result, and the member's recent draws.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { H5Draw, H5Lottery } from '../../src/contracts/h5.ts';
import { H5Error, h5api, newRequestId } from './api.ts';
import { dateTime, points } from './format.ts';
import { Icon, type IconName } from './icons.tsx';
import type { Nav } from './MemberHome.tsx';
import { Empty, Loadable, LoadMore, Sheet, SubPage, toast, useCursor, useErrorText, useLoad } from './ui.tsx';

const PRIZE_ICONS: Record<H5Lottery['prizes'][number]['kind'], IconName> = {
  points: 'gift',
  coupon: 'coupons',
  reward: 'box',
  nothing: 'alert',
};
/** The odds as members read them: 1%, 0.05%. */
const percent = (ppm: number) => `${Number((ppm / 10_000).toFixed(4))}%`;

export function LotteryPage({ nav }: { nav: Nav }) {
  const { t } = useTranslation('h5');
  const lotteries = useLoad(h5api.lotteries);
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <SubPage title={t('pages.lottery')} onBack={nav.back}>
      <Loadable loaded={lotteries}>
        {(data) => {
          if (data.items.length === 0)
            return <Empty icon="wheel" title={t('lottery.none')} hint={t('lottery.noneHint')} />;
          const lottery = data.items.find((l) => l.id === chosen) ?? (data.items[0] as H5Lottery);
          return (
            <div className="h5-stack">
              {data.items.length > 1 && (
                <div className="h5-segments" role="tablist" aria-label={t('pages.lottery')}>
                  {data.items.map((l) => (
                    <button
                      key={l.id}
                      type="button"
                      role="tab"
                      aria-selected={l.id === lottery.id}
                      className={l.id === lottery.id ? 'h5-segment h5-segment-active' : 'h5-segment'}
                      onClick={() => setChosen(l.id)}
                    >
                      {l.name}
                    </button>
                  ))}
                </div>
              )}
              <LotteryBoard
                key={lottery.id}
                lottery={lottery}
                balance={data.balance}
                onDrawn={() => {
                  lotteries.reload();
                  nav.pointsChanged();
                }}
                nav={nav}
              />
            </div>
          );
        }}
      </Loadable>
    </SubPage>
  );
}

interface Cell {
  key: string;
  name: string;
  kind: H5Lottery['prizes'][number]['kind'];
  available: boolean;
}

function LotteryBoard({
  lottery,
  balance,
  onDrawn,
  nav,
}: {
  lottery: H5Lottery;
  balance: number;
  onDrawn(): void;
  nav: Nav;
}) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const cells: Cell[] = [
    ...lottery.prizes.map((p) => ({ key: p.id, name: p.name, kind: p.kind, available: p.available })),
    ...(lottery.nothingPpm > 0
      ? [{ key: 'nothing', name: t('lottery.nothing'), kind: 'nothing' as const, available: true }]
      : []),
  ];
  const [lit, setLit] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<H5Draw | null>(null);
  // Kept when a draw's answer was lost on the way, so tapping again is the same draw rather than a second one.
  const retryId = useRef<string | null>(null);
  const timer = useRef<ReturnType<typeof setInterval> | undefined>(undefined);
  const history = useCursor(useCallback((cursor?: string) => h5api.draws(lottery.id, cursor), [lottery.id]));
  useEffect(() => () => clearInterval(timer.current), []);

  const left = lottery.dailyLimit - lottery.drawsToday;
  const blocked = left <= 0 ? t('lottery.noneLeftToday') : balance < lottery.costPoints ? t('lottery.notEnough') : null;

  const draw = async () => {
    setBusy(true);
    const requestId = retryId.current ?? newRequestId();
    retryId.current = requestId;
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    let spin = 0;
    if (!reduced && cells.length > 1) {
      timer.current = setInterval(() => setLit(spin++ % cells.length), 90);
    }
    try {
      const [drawn] = await Promise.all([
        h5api.draw(lottery.id, requestId),
        new Promise((resolve) => setTimeout(resolve, reduced ? 0 : 1200)),
      ]);
      retryId.current = null;
      clearInterval(timer.current);
      const landed = drawn.prize
        ? cells.findIndex((c) => c.key === drawn.prize?.id)
        : cells.findIndex((c) => c.key === 'nothing');
      setLit(landed >= 0 ? landed : null);
      setResult(drawn);
      onDrawn();
      history.reload();
    } catch (err) {
      clearInterval(timer.current);
      setLit(null);
      if (!(err instanceof H5Error && err.status === 0)) retryId.current = null;
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  };

  const won = result?.prize && result.prize.kind !== 'nothing';
  return (
    <>
      <section className="h5-panel h5-lottery">
        <h2 className="h5-section-title">{lottery.name}</h2>
        {lottery.description && <p className="h5-muted h5-small">{lottery.description}</p>}
        <ul className="h5-lottery-board" aria-label={t('lottery.prizes')}>
          {cells.map((c, i) => (
            <li
              key={c.key}
              className={['h5-lottery-cell', i === lit ? 'h5-lottery-lit' : '', c.available ? '' : 'h5-lottery-out']
                .filter(Boolean)
                .join(' ')}
            >
              <Icon name={PRIZE_ICONS[c.kind]} />
              <span>{c.name}</span>
              {!c.available && <small>{t('lottery.out')}</small>}
            </li>
          ))}
        </ul>
        <button
          type="button"
          className="h5-button h5-button-primary h5-button-block h5-draw-button"
          onClick={() => void draw()}
          disabled={busy || blocked !== null}
        >
          {busy ? t('lottery.drawing') : (blocked ?? t('lottery.draw', { cost: points(lottery.costPoints) }))}
        </button>
        <p className="h5-muted h5-small h5-center">
          {t('lottery.status', { left: Math.max(left, 0), limit: lottery.dailyLimit, balance: points(balance) })}
        </p>
      </section>
      <section className="h5-panel">
        <h2 className="h5-section-title">{t('lottery.odds')}</h2>
        <table className="h5-odds">
          <tbody>
            {lottery.prizes.map((p) => (
              <tr key={p.id}>
                <th scope="row">{p.name}</th>
                <td>{percent(p.probabilityPpm)}</td>
              </tr>
            ))}
            {lottery.nothingPpm > 0 && (
              <tr>
                <th scope="row">{t('lottery.nothing')}</th>
                <td>{percent(lottery.nothingPpm)}</td>
              </tr>
            )}
          </tbody>
        </table>
        <p className="h5-muted h5-small">{t('lottery.oddsNote')}</p>
      </section>
      <section className="h5-panel">
        <h2 className="h5-section-title">{t('lottery.mine')}</h2>
        {history.loaded && history.items.length === 0 ? (
          <p className="h5-muted h5-small">{t('lottery.noDraws')}</p>
        ) : (
          <ul className="h5-list">
            {history.items.map((d) => (
              <li key={d.id} className="h5-list-row h5-list-static">
                <span>{d.prize && d.prize.kind !== 'nothing' ? d.prize.name : t('lottery.nothing')}</span>
                <span className="h5-muted h5-small">{dateTime(d.at)}</span>
              </li>
            ))}
          </ul>
        )}
        <LoadMore hasMore={history.hasMore} loading={history.loading} onClick={history.loadMore} />
      </section>
      {result && (
        <Sheet
          title={won ? t('lottery.wonTitle') : t('lottery.lostTitle')}
          onClose={() => setResult(null)}
          footer={
            <div className="h5-button-row">
              {result.rewardOrderId && (
                <button type="button" className="h5-button h5-button-ghost" onClick={() => nav.go('orders')}>
                  {t('orders.giveAddress')}
                </button>
              )}
              {result.coupon && (
                <button type="button" className="h5-button h5-button-ghost" onClick={() => nav.go('coupons')}>
                  {t('mall.toWallet')}
                </button>
              )}
              <button type="button" className="h5-button h5-button-primary" onClick={() => setResult(null)}>
                {t('done')}
              </button>
            </div>
          }
        >
          <div className="h5-result" role="status">
            <span className={won ? 'h5-result-icon' : 'h5-result-icon h5-result-icon-muted'}>
              <Icon name={won ? 'gift' : 'alert'} />
            </span>
            <p className="h5-result-title">
              {won ? t('lottery.won', { prize: result.prize?.name ?? '' }) : t('lottery.lost')}
            </p>
            {result.pointsWon > 0 && <p>{t('lottery.pointsWon', { points: points(result.pointsWon) })}</p>}
            <p className="h5-muted">{t('lottery.balance', { balance: points(result.balance) })}</p>
          </div>
        </Sheet>
      )}
    </>
  );
}
