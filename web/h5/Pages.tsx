// Pages under the tabs: points history, my benefits and the tier ladder, the leaderboard with my rank, my invite
// link, and the announced changes of the points rules (what changes, from when).
import type { TFunction } from 'i18next';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { H5Card, H5Notices, H5Transaction } from '../../src/contracts/h5.ts';
import type { TierBenefit } from '../../src/contracts/loyalty.ts';
import type { PointsRules } from '../../src/contracts/points.ts';
import { h5api } from './api.ts';
import { date, dateTime, day, points, yuan } from './format.ts';
import { Icon } from './icons.tsx';
import type { Nav } from './MemberHome.tsx';
import {
  Empty,
  ErrorState,
  Loadable,
  type Loaded,
  Loading,
  LoadMore,
  SubPage,
  toast,
  useCursor,
  useLoad,
} from './ui.tsx';

const CAUSES = [
  'purchase',
  'check_in',
  'invite',
  'interaction',
  'task',
  'manual',
  'checkout',
  'reward',
  'lottery',
  'merge',
  'unmerge',
] as const;
type Cause = (typeof CAUSES)[number];
const isCause = (c: string): c is Cause => (CAUSES as readonly string[]).includes(c);

function transactionTitle(t: TFunction<'h5'>, tx: H5Transaction): string {
  if (tx.kind === 'expire' || tx.kind === 'reverse') return t(`history.kinds.${tx.kind}`);
  const cause = isCause(tx.cause) ? t(`history.causes.${tx.cause}`) : t('history.causes.other');
  return tx.kind === 'cancel' ? t('history.kinds.cancel', { cause }) : cause;
}

export function PointsPage({ nav, card }: { nav: Nav; card: H5Card | null }) {
  const { t } = useTranslation('h5');
  const list = useCursor(useCallback((cursor?: string) => h5api.history(cursor), []));
  return (
    <SubPage title={t('pages.points')} onBack={nav.back}>
      {card && (
        <section className="h5-panel h5-points-summary">
          <div className="h5-points-row">
            <div>
              <span className="h5-muted">{t('card.balance')}</span>
              <strong>{points(card.points.balance)}</strong>
            </div>
            <button
              type="button"
              className="h5-button h5-button-primary h5-button-small"
              onClick={() => nav.go('mall')}
            >
              {t('card.toMall')}
            </button>
          </div>
          {card.points.expiringSoon.points > 0 && card.points.expiringSoon.firstAt && (
            <p className="h5-expiring">
              <Icon name="alert" />
              {t('card.expiring', {
                points: points(card.points.expiringSoon.points),
                date: date(card.points.expiringSoon.firstAt),
              })}
            </p>
          )}
        </section>
      )}
      {list.error && list.items.length === 0 ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.loaded ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <Empty icon="history" title={t('history.empty')} hint={t('history.emptyHint')} />
      ) : (
        <ul className="h5-panel h5-list" aria-label={t('pages.points')}>
          {list.items.map((tx) => (
            <li key={tx.id} className="h5-list-row h5-list-static h5-transaction">
              <div>
                <strong>{transactionTitle(t, tx)}</strong>
                <span className="h5-muted h5-small">
                  {tx.note ? `${tx.note} · ` : ''}
                  {dateTime(tx.at)}
                </span>
              </div>
              <span className={tx.points >= 0 ? 'h5-plus' : 'h5-minus'}>
                {tx.points > 0 ? `+${points(tx.points)}` : points(tx.points)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </SubPage>
  );
}

/** Each benefit kind appears once per tier, custom ones by their name. */
const benefitKey = (b: TierBenefit) => (b.type === 'custom' ? `custom:${b.name}` : b.type);

function benefitText(t: TFunction<'h5'>, b: TierBenefit): { title: string; text: string } {
  switch (b.type) {
    case 'points_multiplier':
      return { title: t('benefits.multiplier'), text: t('benefits.multiplierText', { times: b.pct / 100 }) };
    case 'discount':
      return {
        title: t('benefits.discount'),
        text: b.description ?? t('benefits.discountText', { zhe: (100 - b.percentOff) / 10, pct: b.percentOff }),
      };
    case 'free_shipping':
      return {
        title: t('benefits.freeShipping'),
        text:
          b.description ??
          (b.minOrderFen > 0
            ? t('benefits.freeShippingFrom', { amount: yuan(b.minOrderFen) })
            : t('benefits.freeShippingAll')),
      };
    case 'birthday_gift':
      return { title: t('benefits.birthday'), text: b.description };
    case 'exclusive_service':
      return { title: t('benefits.service'), text: b.description };
    case 'early_access':
      return {
        title: t('benefits.earlyAccess'),
        text: b.description ?? t('benefits.earlyAccessText', { hours: b.hours }),
      };
    case 'custom':
      return { title: b.name, text: b.description };
  }
}

export function BenefitsPage({ nav }: { nav: Nav }) {
  const { t } = useTranslation('h5');
  const benefits = useLoad(h5api.benefits);
  return (
    <SubPage title={t('pages.benefits')} onBack={nav.back}>
      <Loadable loaded={benefits}>
        {(data) => (
          <div className="h5-stack">
            <section className="h5-panel">
              <h2 className="h5-section-title">
                <Icon name="crown" /> {t('benefits.mine', { tier: data.tier.name })}
              </h2>
              <ul className="h5-benefits">
                {data.benefits.map((b) => {
                  const { title, text } = benefitText(t, b);
                  return (
                    <li key={benefitKey(b)}>
                      <strong>{title}</strong>
                      <span>{text}</span>
                    </li>
                  );
                })}
              </ul>
            </section>
            <h2 className="h5-section-title h5-outside">{t('benefits.ladder')}</h2>
            {data.ladder.map((tier) => (
              <section
                key={tier.tier.id}
                className={tier.current ? 'h5-panel h5-tier h5-tier-current' : 'h5-panel h5-tier'}
              >
                <div className="h5-tier-head">
                  <strong>{tier.tier.name}</strong>
                  {tier.current ? (
                    <span className="h5-chip h5-chip-ok">{t('benefits.current')}</span>
                  ) : (
                    <span className="h5-muted h5-small">
                      {t('benefits.threshold', { growth: points(tier.growthThreshold) })}
                    </span>
                  )}
                </div>
                <ul className="h5-benefits h5-benefits-compact">
                  {[{ type: 'points_multiplier' as const, pct: tier.pointsMultiplierPct }, ...tier.benefits].map(
                    (b) => {
                      const { title, text } = benefitText(t, b);
                      return (
                        <li key={benefitKey(b)}>
                          <strong>{title}</strong>
                          <span>{text}</span>
                        </li>
                      );
                    },
                  )}
                </ul>
              </section>
            ))}
          </div>
        )}
      </Loadable>
    </SubPage>
  );
}

export function LeaderboardPage({ nav }: { nav: Nav }) {
  const { t } = useTranslation('h5');
  const [period, setPeriod] = useState<'week' | 'month'>('week');
  const board = useLoad(useCallback(() => h5api.leaderboard(period), [period]));
  return (
    <SubPage title={t('pages.leaderboard')} onBack={nav.back}>
      <div className="h5-segments" role="tablist" aria-label={t('pages.leaderboard')}>
        {(['week', 'month'] as const).map((p) => (
          <button
            key={p}
            type="button"
            role="tab"
            aria-selected={p === period}
            className={p === period ? 'h5-segment h5-segment-active' : 'h5-segment'}
            onClick={() => setPeriod(p)}
          >
            {t(`leaderboard.${p}`)}
          </button>
        ))}
      </div>
      <Loadable loaded={board}>
        {(data) => (
          <div className="h5-stack">
            <section className="h5-panel h5-my-rank">
              <span className="h5-muted h5-small">
                {t('leaderboard.range', { from: day(data.from), to: day(data.to) })}
              </span>
              {data.me ? (
                <p>
                  {t('leaderboard.myRank', {
                    rank: data.me.rank,
                    points: points(data.me.points),
                    count: data.participants,
                  })}
                </p>
              ) : (
                <p>{t('leaderboard.notRanked')}</p>
              )}
            </section>
            {data.items.length === 0 ? (
              <Empty icon="trophy" title={t('leaderboard.empty')} />
            ) : (
              <ol className="h5-panel h5-list h5-board">
                {data.items.map((r) => (
                  <li
                    key={`${r.rank}-${r.name}-${r.points}`}
                    className={r.me ? 'h5-list-row h5-list-static h5-board-me' : 'h5-list-row h5-list-static'}
                  >
                    <span className={`h5-rank h5-rank-${Math.min(r.rank, 4)}`}>{r.rank}</span>
                    <span className="h5-board-name">
                      {r.me ? t('leaderboard.me') : (r.name ?? t('leaderboard.anonymous'))}
                    </span>
                    <span>{points(r.points)}</span>
                  </li>
                ))}
              </ol>
            )}
          </div>
        )}
      </Loadable>
    </SubPage>
  );
}

export function InvitePage({ nav, brand }: { nav: Nav; brand: string }) {
  const { t } = useTranslation('h5');
  const invite = useLoad(h5api.invite);
  return (
    <SubPage title={t('pages.invite')} onBack={nav.back}>
      <Loadable loaded={invite}>
        {(data) => {
          const link = `${window.location.origin}${data.path}`;
          const share = t('invite.shareText', { brand, link });
          return (
            <div className="h5-stack">
              <section className="h5-panel h5-invite">
                <p className="h5-muted">{t('invite.myCode')}</p>
                <strong className="h5-invite-code">{data.code}</strong>
                {data.pointsPerInvite > 0 && <p>{t('invite.reward', { points: data.pointsPerInvite })}</p>}
                <button
                  type="button"
                  className="h5-button h5-button-primary h5-button-block"
                  onClick={() => {
                    navigator.clipboard?.writeText(share).then(
                      () => toast(t('invite.copied'), 'success'),
                      () => toast(t('copyFailed'), 'error'),
                    );
                  }}
                >
                  {t('invite.copyLink')}
                </button>
                <p className="h5-invite-link">{link}</p>
              </section>
              <section className="h5-panel h5-points-row">
                <div>
                  <span className="h5-muted">{t('invite.invited')}</span>
                  <strong>{data.invited}</strong>
                </div>
                <div>
                  <span className="h5-muted">{t('invite.earned')}</span>
                  <strong>{points(data.earnedPoints)}</strong>
                </div>
              </section>
              <p className="h5-muted h5-small h5-center">{t('invite.rule')}</p>
            </div>
          );
        }}
      </Loadable>
    </SubPage>
  );
}

const RULE_FIELDS = ['purchase', 'checkIn', 'streak', 'invite', 'interaction', 'redemption', 'expiry'] as const;
type RuleField = (typeof RULE_FIELDS)[number];

/** The rule fields members care about, each as a sentence: a change shows the old and the new sentence. */
function ruleLines(t: TFunction<'h5'>, r: PointsRules): Record<RuleField, string> {
  const off = t('notices.off');
  return {
    purchase: r.purchase.enabled ? t('notices.purchase', { amount: yuan(r.purchase.fenPerPoint) }) : off,
    checkIn: r.checkIn.enabled ? t('notices.checkIn', { points: r.checkIn.points }) : off,
    streak: r.checkIn.streakBonuses.map((b) => t('notices.streakBonus', { day: b.day, points: b.points })).join('，'),
    invite: r.invite.enabled ? t('notices.invite', { points: r.invite.points }) : off,
    interaction: r.interaction.enabled ? t('notices.interaction', { points: r.interaction.points }) : off,
    redemption: r.redemption.enabled
      ? t('notices.redemption', {
          points: r.redemption.points,
          amount: yuan(r.redemption.valueFen),
          pct: r.redemption.maxOrderSharePct,
        })
      : off,
    expiry: t('notices.expiry', { months: r.expiry.months }),
  };
}

export function NoticesPage({ nav, loaded }: { nav: Nav; loaded: Loaded<H5Notices> }) {
  const { t } = useTranslation('h5');
  return (
    <SubPage title={t('pages.notices')} onBack={nav.back}>
      <Loadable loaded={loaded}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty icon="bell" title={t('notices.empty')} />
          ) : (
            <ul className="h5-cards">
              {data.items.map((n) => {
                const before = ruleLines(t, n.previous);
                const after = ruleLines(t, n.rules);
                const changed = RULE_FIELDS.filter((k) => before[k] !== after[k]);
                return (
                  <li key={n.id} className="h5-panel h5-notice">
                    <h2 className="h5-section-title">{t('notices.title', { date: day(n.effectiveOn) })}</h2>
                    {n.note && <p>{n.note}</p>}
                    {changed.length === 0 ? (
                      <p className="h5-muted h5-small">{t('notices.noVisibleChange')}</p>
                    ) : (
                      <dl className="h5-diff">
                        {changed.map((k) => (
                          <div key={k}>
                            <dt>{t(`notices.fields.${k}`)}</dt>
                            <dd>
                              <del>{before[k]}</del>
                              <ins>{after[k]}</ins>
                            </dd>
                          </div>
                        ))}
                      </dl>
                    )}
                  </li>
                );
              })}
            </ul>
          )
        }
      </Loadable>
    </SubPage>
  );
}
