// The coupon wallet: unused, used and expired coupons, each drawn as a ticket with its face value, threshold,
// validity and code.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { WalletCoupon } from '../../src/contracts/coupons.ts';
import { h5api } from './api.ts';
import { date, yuan } from './format.ts';
import { Empty, Loadable, useLoad } from './ui.tsx';

type Status = WalletCoupon['status'];
const STATUSES: Status[] = ['available', 'used', 'expired'];

export function CouponsTab() {
  const { t } = useTranslation('h5');
  const wallet = useLoad(h5api.coupons);
  const [status, setStatus] = useState<Status>('available');
  return (
    <div className="h5-stack">
      <div className="h5-segments" role="tablist" aria-label={t('tabs.coupons')}>
        {STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={s === status}
            className={s === status ? 'h5-segment h5-segment-active' : 'h5-segment'}
            onClick={() => setStatus(s)}
          >
            {t(`coupons.${s}`)}
            {wallet.data && <span className="h5-segment-count">{wallet.data.counts[s]}</span>}
          </button>
        ))}
      </div>
      <Loadable loaded={wallet}>
        {(data) => {
          const items = data.items.filter((c) => c.status === status);
          if (items.length === 0) {
            return <Empty icon="coupons" title={t(`coupons.empty.${status}`)} hint={t('coupons.emptyHint')} />;
          }
          return (
            <ul className="h5-cards" aria-label={t(`coupons.${status}`)}>
              {items.map((c) => (
                <li key={c.id}>
                  <CouponTicket coupon={c} />
                </li>
              ))}
            </ul>
          );
        }}
      </Loadable>
    </div>
  );
}

function CouponTicket({ coupon: c }: { coupon: WalletCoupon }) {
  const { t } = useTranslation('h5');
  let face: string;
  let unit = '';
  if (c.kind === 'amount_off' && c.amountOffFen !== null) face = yuan(c.amountOffFen);
  else if (c.kind === 'percent_off' && c.percentOffBp !== null) {
    face = t('coupons.percentFace', { zhe: (10_000 - c.percentOffBp) / 1000, pct: c.percentOffBp / 100 });
    unit = t('coupons.discountUnit');
  } else if (c.kind === 'gift') face = t('coupons.gift');
  else face = t('coupons.freeShipping');
  const threshold =
    c.minSpendFen > 0 ? t('coupons.minSpend', { amount: yuan(c.minSpendFen) }) : t('coupons.noThreshold');
  return (
    <article className={`h5-coupon h5-coupon-${c.status}`} aria-label={c.title}>
      <div className="h5-coupon-face">
        <strong>
          {face}
          {unit && <small>{unit}</small>}
        </strong>
        <span>{threshold}</span>
      </div>
      <div className="h5-coupon-body">
        <h3>{c.title}</h3>
        {c.kind === 'percent_off' && c.maxDiscountFen !== null && (
          <p className="h5-small">{t('coupons.maxDiscount', { amount: yuan(c.maxDiscountFen) })}</p>
        )}
        {c.gift && <p className="h5-small">{t('coupons.giftName', { name: c.gift.name })}</p>}
        <p className="h5-small h5-muted">
          {t('coupons.valid', {
            from: date(c.validFrom),
            until: date(new Date(Date.parse(c.validUntil) - 1).toISOString()),
          })}
        </p>
        <p className="h5-coupon-code">{c.code.replace(/(.{4})(?=.)/g, '$1-')}</p>
        {c.status !== 'available' && <span className="h5-coupon-stamp">{t(`coupons.stamp.${c.status}`)}</span>}
      </div>
    </article>
  );
}
