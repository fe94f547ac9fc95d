// The rewards mall: rewards on sale with what each costs and what keeps the member from it, the redemption flow
// (details → shipping address for goods → confirmation → result with the code or coupon), and the member's orders
// with their fulfilment: codes, coupons, tracking numbers, an address to give for a prize, cancelling an unpaid one.
import type { TFunction } from 'i18next';
import { type FormEvent, type InputHTMLAttributes, type ReactNode, useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { H5Reward, H5RewardOrder } from '../../src/contracts/h5.ts';
import type { ShippingAddress } from '../../src/contracts/rewards.ts';
import { H5Error, h5api, newRequestId } from './api.ts';
import { dateTime, points, yuan } from './format.ts';
import { Icon, type IconName } from './icons.tsx';
import type { Nav } from './MemberHome.tsx';
import {
  Empty,
  ErrorState,
  Loadable,
  Loading,
  LoadMore,
  Sheet,
  SubPage,
  toast,
  useCursor,
  useErrorText,
  useLoad,
} from './ui.tsx';

const KIND_ICONS: Record<H5Reward['kind'], IconName> = { physical: 'box', virtual: 'code', coupon: 'coupons' };

/** 300 积分, or 300 积分 + ¥9.90 with a cash part. */
export function price(t: TFunction<'h5'>, r: { pointsPrice?: number; points?: number; cashFen: number }) {
  const p = points(r.pointsPrice ?? r.points ?? 0);
  return r.cashFen > 0 ? t('mall.priceCash', { points: p, cash: yuan(r.cashFen) }) : t('mall.price', { points: p });
}

export function MallTab({ nav }: { nav: Nav }) {
  const { t } = useTranslation('h5');
  const rewards = useLoad(h5api.rewards);
  const [open, setOpen] = useState<H5Reward | null>(null);
  return (
    <div className="h5-stack">
      <section className="h5-panel h5-mall-head">
        <div>
          <span className="h5-muted">{t('mall.myPoints')}</span>
          <strong data-testid="mall-balance">{rewards.data ? points(rewards.data.balance) : '—'}</strong>
        </div>
        <button type="button" className="h5-button h5-button-ghost h5-button-small" onClick={() => nav.go('orders')}>
          {t('pages.orders')}
        </button>
      </section>
      <button type="button" className="h5-banner h5-banner-lottery" onClick={() => nav.go('lottery')}>
        <Icon name="wheel" />
        <span>{t('mall.lotteryEntry')}</span>
        <Icon name="chevron" />
      </button>
      <Loadable loaded={rewards}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty icon="mall" title={t('mall.empty')} hint={t('mall.emptyHint')} />
          ) : (
            <ul className="h5-reward-grid">
              {data.items.map((r) => (
                <li key={r.id}>
                  <button type="button" className="h5-reward" onClick={() => setOpen(r)} aria-label={r.name}>
                    <RewardImage reward={r} />
                    <span className="h5-reward-name">{r.name}</span>
                    <span className="h5-reward-price">{price(t, r)}</span>
                    <span className="h5-reward-meta">
                      {r.minTier && (
                        <span className="h5-chip h5-chip-gold">{t('mall.tierOnly', { tier: r.minTier.name })}</span>
                      )}
                      {r.block ? (
                        <span className="h5-chip h5-chip-muted">{t(`mall.block.${r.block}`)}</span>
                      ) : r.stock !== null ? (
                        <span className="h5-chip">{t('mall.stock', { count: r.stock })}</span>
                      ) : null}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Loadable>
      {open && (
        <RedeemSheet
          reward={open}
          balance={rewards.data?.balance ?? 0}
          onClose={() => setOpen(null)}
          onRedeemed={() => {
            rewards.reload();
            nav.pointsChanged();
          }}
          nav={nav}
        />
      )}
    </div>
  );
}

function RewardImage({ reward }: { reward: { imageUrl: string | null; kind: H5Reward['kind']; name: string } }) {
  return reward.imageUrl ? (
    <img className="h5-reward-image" src={reward.imageUrl} alt="" loading="lazy" />
  ) : (
    <span className={`h5-reward-image h5-reward-placeholder h5-reward-${reward.kind}`} aria-hidden="true">
      <Icon name={KIND_ICONS[reward.kind]} />
    </span>
  );
}

type Step = 'detail' | 'address' | 'confirm' | 'result';

function RedeemSheet({
  reward,
  balance,
  onClose,
  onRedeemed,
  nav,
}: {
  reward: H5Reward;
  balance: number;
  onClose(): void;
  onRedeemed(): void;
  nav: Nav;
}) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const [step, setStep] = useState<Step>('detail');
  const [address, setAddress] = useState<ShippingAddress | null>(null);
  // One id for this redemption: resending after a lost answer is the same redemption, never a second one.
  const [requestId] = useState(newRequestId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [order, setOrder] = useState<H5RewardOrder | null>(null);

  const redeem = async () => {
    setBusy(true);
    setError(null);
    try {
      const done = await h5api.redeem(reward.id, requestId, address ?? undefined);
      setOrder(done);
      setStep('result');
      onRedeemed();
    } catch (err) {
      setError(errorText(err));
      // Refusals that will not change by trying again send the member back to the details.
      if (err instanceof H5Error && err.status >= 400 && err.status < 500) onRedeemed();
    } finally {
      setBusy(false);
    }
  };

  const titles: Record<Step, string> = {
    detail: reward.name,
    address: t('mall.addressTitle'),
    confirm: t('mall.confirmTitle'),
    result: t('mall.resultTitle'),
  };
  let body: ReactNode;
  let footer: ReactNode;
  if (step === 'detail') {
    body = <RewardDetail reward={reward} balance={balance} />;
    footer = (
      <button
        type="button"
        className="h5-button h5-button-primary h5-button-block"
        disabled={reward.block !== null}
        onClick={() => setStep(reward.kind === 'physical' ? 'address' : 'confirm')}
      >
        {reward.block ? t(`mall.block.${reward.block}`) : t('mall.redeem')}
      </button>
    );
  } else if (step === 'address') {
    body = (
      <AddressForm
        id="redeem-address"
        initial={address}
        onSubmit={(a) => {
          setAddress(a);
          setStep('confirm');
        }}
      />
    );
    footer = (
      <button type="submit" form="redeem-address" className="h5-button h5-button-primary h5-button-block">
        {t('mall.next')}
      </button>
    );
  } else if (step === 'confirm') {
    body = (
      <div className="h5-confirm">
        <p className="h5-confirm-text">
          {t('mall.confirmText', { points: points(reward.pointsPrice), name: reward.name })}
        </p>
        {reward.cashFen > 0 && <p className="h5-muted">{t('mall.confirmCash', { cash: yuan(reward.cashFen) })}</p>}
        <dl className="h5-facts">
          <dt>{t('mall.balanceNow')}</dt>
          <dd>{points(balance)}</dd>
          <dt>{t('mall.balanceAfter')}</dt>
          <dd>{points(balance - reward.pointsPrice)}</dd>
          {address && (
            <>
              <dt>{t('mall.shipTo')}</dt>
              <dd>
                {address.name} {address.phone}
                <br />
                {address.region} {address.detail}
              </dd>
            </>
          )}
        </dl>
        {error && (
          <p className="h5-form-error" role="alert">
            {error}
          </p>
        )}
      </div>
    );
    footer = (
      <div className="h5-button-row">
        <button type="button" className="h5-button h5-button-ghost" onClick={onClose} disabled={busy}>
          {t('cancel')}
        </button>
        <button type="button" className="h5-button h5-button-primary" onClick={() => void redeem()} disabled={busy}>
          {busy ? t('mall.redeeming') : t('mall.confirm')}
        </button>
      </div>
    );
  } else if (order) {
    body = <RedeemResult order={order} />;
    footer = (
      <div className="h5-button-row">
        {order.kind === 'coupon' ? (
          <button type="button" className="h5-button h5-button-ghost" onClick={() => nav.go('coupons')}>
            {t('mall.toWallet')}
          </button>
        ) : (
          <button type="button" className="h5-button h5-button-ghost" onClick={() => nav.go('orders')}>
            {t('pages.orders')}
          </button>
        )}
        <button type="button" className="h5-button h5-button-primary" onClick={onClose}>
          {t('done')}
        </button>
      </div>
    );
  }
  return (
    <Sheet title={titles[step]} onClose={onClose} busy={busy} footer={footer}>
      {body}
    </Sheet>
  );
}

function RewardDetail({ reward, balance }: { reward: H5Reward; balance: number }) {
  const { t } = useTranslation('h5');
  return (
    <div className="h5-reward-detail">
      <RewardImage reward={reward} />
      <p className="h5-reward-price h5-big">{price(t, reward)}</p>
      {reward.description && <p className="h5-reward-description">{reward.description}</p>}
      <dl className="h5-facts">
        <dt>{t('mall.kind')}</dt>
        <dd>{t(`mall.kinds.${reward.kind}`)}</dd>
        {reward.stock !== null && (
          <>
            <dt>{t('mall.stockLabel')}</dt>
            <dd>{t('mall.stock', { count: reward.stock })}</dd>
          </>
        )}
        {reward.minTier && (
          <>
            <dt>{t('mall.tierLabel')}</dt>
            <dd>{t('mall.tierOnly', { tier: reward.minTier.name })}</dd>
          </>
        )}
        {reward.perMemberLimit !== null && (
          <>
            <dt>{t('mall.limitLabel')}</dt>
            <dd>{t('mall.limit', { limit: reward.perMemberLimit, used: reward.redeemedByMe })}</dd>
          </>
        )}
        {reward.periodLimit && (
          <>
            <dt>{t('mall.periodLimitLabel')}</dt>
            <dd>
              {t(`mall.periodLimit.${reward.periodLimit.period}`, {
                limit: reward.periodLimit.count,
                used: reward.redeemedByMeThisPeriod,
              })}
            </dd>
          </>
        )}
        {reward.visibleUntil && (
          <>
            <dt>{t('mall.until')}</dt>
            <dd>{dateTime(reward.visibleUntil)}</dd>
          </>
        )}
        <dt>{t('mall.myPoints')}</dt>
        <dd>{points(balance)}</dd>
      </dl>
    </div>
  );
}

function RedeemResult({ order }: { order: H5RewardOrder }) {
  const { t } = useTranslation('h5');
  return (
    <div className="h5-result" role="status">
      <span className="h5-result-icon">
        <Icon name="check" />
      </span>
      <p className="h5-result-title">{t('mall.success')}</p>
      <p className="h5-muted">
        {t('mall.successBalance', { points: points(order.points), balance: points(order.balance) })}
      </p>
      <OrderDelivery order={order} />
    </div>
  );
}

/** What the member got: the code, the coupon, or where the goods stand. */
function OrderDelivery({ order }: { order: H5RewardOrder }) {
  const { t } = useTranslation('h5');
  if (order.code) {
    return (
      <div className="h5-code-box">
        <span className="h5-muted h5-small">{t('orders.code')}</span>
        <strong className="h5-code">{order.code}</strong>
        <CopyButton text={order.code} />
      </div>
    );
  }
  if (order.coupon) {
    return (
      <div className="h5-code-box">
        <span className="h5-muted h5-small">{t('orders.coupon')}</span>
        <strong className="h5-code">{order.coupon.code.replace(/(.{4})(?=.)/g, '$1-')}</strong>
      </div>
    );
  }
  if (order.status === 'awaiting_payment' && order.payBy) {
    return <p className="h5-note">{t('orders.payBy', { cash: yuan(order.cashFen), time: dateTime(order.payBy) })}</p>;
  }
  if (order.trackingNo) {
    return <p className="h5-note">{t('orders.tracking', { carrier: order.carrier ?? '', no: order.trackingNo })}</p>;
  }
  if (order.status === 'pending') {
    return <p className="h5-note">{order.address ? t('orders.toShip') : t('orders.needAddress')}</p>;
  }
  return null;
}

function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation('h5');
  return (
    <button
      type="button"
      className="h5-button h5-button-ghost h5-button-small"
      onClick={() => {
        navigator.clipboard?.writeText(text).then(
          () => toast(t('copied'), 'success'),
          () => toast(t('copyFailed'), 'error'),
        );
      }}
    >
      {t('copy')}
    </button>
  );
}

export function AddressForm({
  id,
  initial,
  onSubmit,
}: {
  id: string;
  initial: ShippingAddress | null;
  onSubmit(address: ShippingAddress): void;
}) {
  const { t } = useTranslation('h5');
  const [a, setA] = useState<ShippingAddress>(initial ?? { name: '', phone: '', region: '', detail: '' });
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const clean = { name: a.name.trim(), phone: a.phone.trim(), region: a.region.trim(), detail: a.detail.trim() };
    if (!clean.name || !clean.region || !clean.detail) return setError(t('address.incomplete'));
    if (!/^\+?[0-9\s-]{5,32}$/.test(clean.phone)) return setError(t('address.phoneInvalid'));
    setError(null);
    onSubmit(clean);
  };
  const field = (key: keyof ShippingAddress, props: InputHTMLAttributes<HTMLInputElement>) => (
    <label className="h5-field">
      <span>{t(`address.${key}`)}</span>
      <input {...props} value={a[key]} onChange={(event) => setA({ ...a, [key]: event.target.value })} />
    </label>
  );
  return (
    <form id={id} className="h5-form" onSubmit={submit} noValidate>
      {field('name', { autoComplete: 'name', maxLength: 50 })}
      {field('phone', { type: 'tel', inputMode: 'tel', autoComplete: 'tel', maxLength: 32 })}
      {field('region', { autoComplete: 'address-level1', maxLength: 100, placeholder: t('address.regionPlaceholder') })}
      {field('detail', { autoComplete: 'street-address', maxLength: 200, placeholder: t('address.detailPlaceholder') })}
      {error && (
        <p className="h5-form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

const STATUS_CLASS: Record<H5RewardOrder['status'], string> = {
  awaiting_payment: 'h5-chip-warn',
  pending: 'h5-chip',
  shipped: 'h5-chip',
  delivered: 'h5-chip-ok',
  cancelled: 'h5-chip-muted',
};

export function OrdersPage({ nav }: { nav: Nav }) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const orders = useCursor(useCallback((cursor?: string) => h5api.orders(cursor), []));
  const [addressing, setAddressing] = useState<H5RewardOrder | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const cancel = async (order: H5RewardOrder) => {
    setBusy(order.id);
    try {
      const done = await h5api.cancelOrder(order.id);
      orders.replace((o) => o.id === order.id, done);
      nav.pointsChanged();
      toast(t('orders.cancelled'), 'success');
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(null);
    }
  };

  return (
    <SubPage title={t('pages.orders')} onBack={nav.back}>
      {orders.error && orders.items.length === 0 ? (
        <ErrorState error={orders.error} onRetry={orders.reload} />
      ) : !orders.loaded ? (
        <Loading />
      ) : orders.items.length === 0 ? (
        <Empty icon="orders" title={t('orders.empty')} />
      ) : (
        <ul className="h5-cards">
          {orders.items.map((o) => (
            <li key={o.id} className="h5-panel h5-order">
              <div className="h5-order-head">
                <RewardImage reward={{ imageUrl: o.imageUrl, kind: o.kind, name: o.rewardName }} />
                <div>
                  <strong>{o.rewardName}</strong>
                  <p className="h5-muted h5-small">
                    {o.source === 'lottery' ? t('orders.prize') : price(t, o)} · {dateTime(o.createdAt)}
                  </p>
                </div>
                <span className={`h5-chip ${STATUS_CLASS[o.status]}`}>{t(`orders.status.${o.status}`)}</span>
              </div>
              <OrderDelivery order={o} />
              {o.address && o.status !== 'cancelled' && (
                <p className="h5-muted h5-small">
                  {t('mall.shipTo')}：{o.address.name} {o.address.region} {o.address.detail}
                </p>
              )}
              {o.status === 'cancelled' && (
                <p className="h5-muted h5-small">
                  {o.cancelledBy === 'system'
                    ? t('orders.cancelledUnpaid')
                    : (o.cancelReason ?? t('orders.status.cancelled'))}
                </p>
              )}
              <div className="h5-button-row h5-order-actions">
                {o.kind === 'physical' && (o.status === 'pending' || o.status === 'awaiting_payment') && (
                  <button
                    type="button"
                    className="h5-button h5-button-ghost h5-button-small"
                    onClick={() => setAddressing(o)}
                  >
                    {o.address ? t('orders.changeAddress') : t('orders.giveAddress')}
                  </button>
                )}
                {o.status === 'awaiting_payment' && (
                  <button
                    type="button"
                    className="h5-button h5-button-ghost h5-button-small"
                    disabled={busy === o.id}
                    onClick={() => void cancel(o)}
                  >
                    {t('orders.cancel')}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <LoadMore hasMore={orders.hasMore} loading={orders.loading} onClick={orders.loadMore} />
      {addressing && (
        <AddressSheet
          order={addressing}
          onClose={() => setAddressing(null)}
          onSaved={(o) => {
            orders.replace((x) => x.id === o.id, o);
            setAddressing(null);
          }}
        />
      )}
    </SubPage>
  );
}

function AddressSheet({
  order,
  onClose,
  onSaved,
}: {
  order: H5RewardOrder;
  onClose(): void;
  onSaved(o: H5RewardOrder): void;
}) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const save = async (address: ShippingAddress) => {
    setBusy(true);
    try {
      onSaved(await h5api.setAddress(order.id, address));
      toast(t('address.saved'), 'success');
    } catch (err) {
      toast(errorText(err), 'error');
      setBusy(false);
    }
  };
  return (
    <Sheet
      title={t('mall.addressTitle')}
      onClose={onClose}
      busy={busy}
      footer={
        <button
          type="submit"
          form="order-address"
          className="h5-button h5-button-primary h5-button-block"
          disabled={busy}
        >
          {t('address.save')}
        </button>
      }
    >
      <AddressForm id="order-address" initial={order.address} onSubmit={(a) => void save(a)} />
    </Sheet>
  );
}
