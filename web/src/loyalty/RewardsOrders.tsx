// Redemption orders and their fulfilment: filters by status, kind and orders still missing an address; each row's
// next step — confirm the cash part, ship with a tracking number, mark delivered, or cancel with a reason (the
// points go back to the member and the unit to the stock).
import {
  App,
  Button,
  Card,
  Checkbox,
  Flex,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { RewardKind, RewardOrder, RewardOrderStatus } from '../../../src/contracts/rewards.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import {
  ORDER_STATUS_COLORS,
  ORDER_STATUSES,
  REWARD_KIND_COLORS,
  REWARD_KINDS,
  rewardsApi,
  yuanText,
} from './RewardsApi.ts';

type Step = { kind: 'ship' | 'cancel' | 'pay'; order: RewardOrder };

export function RewardsOrders() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const { can } = useSession();
  const manage = can('member.manage');
  const [status, setStatus] = useState<RewardOrderStatus | undefined>();
  const [kind, setKind] = useState<RewardKind | undefined>();
  const [needsAddress, setNeedsAddress] = useState(false);
  const [step, setStep] = useState<Step | null>(null);
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      rewardsApi.orders({ status, kind, needsAddress: needsAddress ? true : undefined, cursor, limit: 50 }),
    [status, kind, needsAddress],
  );
  const list = useCursorList(fetchPage, showError);
  const updated = (o: RewardOrder) => list.replace((x) => x.id === o.id, o);

  const deliver = async (o: RewardOrder) => {
    try {
      updated(await rewardsApi.deliver(o.id));
      void message.success(t('rewards.orderDelivered'));
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<RewardOrder> = [
    { title: t('rewards.orderTime'), dataIndex: 'createdAt', render: (at: string) => formatTime(at) },
    {
      title: t('rewards.member'),
      key: 'member',
      render: (_, o) => (
        <Flex vertical>
          <Link to={`/customers/${o.customerId}`}>{o.memberName ?? t('rewards.unnamed')}</Link>
          {o.cardNo && <Typography.Text type="secondary">{o.cardNo}</Typography.Text>}
        </Flex>
      ),
    },
    {
      title: t('rewards.reward'),
      key: 'reward',
      render: (_, o) => (
        <Flex vertical>
          <span>{o.rewardName}</span>
          <span>
            <Tag color={REWARD_KIND_COLORS[o.kind]}>{t(`rewards.kinds.${o.kind}`)}</Tag>
            {o.source === 'lottery' && <Tag>{t('rewards.fromLottery')}</Tag>}
          </span>
        </Flex>
      ),
    },
    {
      title: t('rewards.paid'),
      key: 'paid',
      render: (_, o) =>
        o.cashFen > 0
          ? t('rewards.priceCash', { points: o.points.toLocaleString(), cash: yuanText(o.cashFen) })
          : t('rewards.pricePoints', { points: o.points.toLocaleString() }),
    },
    {
      title: t('rewards.status'),
      dataIndex: 'status',
      render: (s: RewardOrderStatus, o) => (
        <Flex vertical>
          <Tag color={ORDER_STATUS_COLORS[s]}>{t(`rewards.orderStatus.${s}`)}</Tag>
          {s === 'cancelled' && (
            <Typography.Text type="secondary">
              {o.cancelledBy === 'system' ? t('rewards.cancelledUnpaid') : o.cancelReason}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('rewards.delivery'),
      key: 'delivery',
      render: (_, o) => {
        if (o.code) return <Typography.Text code>{o.code}</Typography.Text>;
        if (o.coupon) return <Typography.Text copyable>{o.coupon.code}</Typography.Text>;
        if (o.kind !== 'physical') return null;
        return (
          <Flex vertical>
            {o.address ? (
              <span>
                {o.address.name} {o.address.phone} · {o.address.region} {o.address.detail}
              </span>
            ) : (
              <Typography.Text type="warning">{t('rewards.noAddress')}</Typography.Text>
            )}
            {o.trackingNo && (
              <Typography.Text type="secondary">
                {o.carrier} {o.trackingNo}
              </Typography.Text>
            )}
            {o.status === 'awaiting_payment' && o.payBy && (
              <Typography.Text type="secondary">{t('rewards.payBy', { time: formatTime(o.payBy) })}</Typography.Text>
            )}
          </Flex>
        );
      },
    },
    ...(manage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, o: RewardOrder) =>
              o.kind !== 'physical' || o.status === 'cancelled' || o.status === 'delivered' ? null : (
                <Space wrap>
                  {o.status === 'awaiting_payment' && (
                    <Button type="link" onClick={() => setStep({ kind: 'pay', order: o })}>
                      {t('rewards.confirmPayment')}
                    </Button>
                  )}
                  {(o.status === 'pending' || o.status === 'shipped') && (
                    <Button type="link" disabled={!o.address} onClick={() => setStep({ kind: 'ship', order: o })}>
                      {o.status === 'shipped' ? t('rewards.editShipment') : t('rewards.ship')}
                    </Button>
                  )}
                  {o.status === 'shipped' && (
                    <Button type="link" onClick={() => void deliver(o)}>
                      {t('rewards.markDelivered')}
                    </Button>
                  )}
                  <Button type="link" danger onClick={() => setStep({ kind: 'cancel', order: o })}>
                    {t('rewards.cancelOrder')}
                  </Button>
                </Space>
              ),
          },
        ]
      : []),
  ];

  return (
    <Card>
      <Flex gap={12} wrap className="filters" align="center">
        <Select
          allowClear
          placeholder={t('rewards.allStatuses')}
          aria-label={t('rewards.status')}
          className="filter-select"
          value={status}
          onChange={setStatus}
          options={ORDER_STATUSES.map((s) => ({ value: s, label: t(`rewards.orderStatus.${s}`) }))}
        />
        <Select
          allowClear
          placeholder={t('rewards.allKinds')}
          aria-label={t('rewards.kind')}
          className="filter-select"
          value={kind}
          onChange={setKind}
          options={REWARD_KINDS.map((k) => ({ value: k, label: t(`rewards.kinds.${k}`) }))}
        />
        <Checkbox checked={needsAddress} onChange={(event) => setNeedsAddress(event.target.checked)}>
          {t('rewards.needsAddress')}
        </Checkbox>
      </Flex>
      <Table<RewardOrder>
        rowKey="id"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('rewards.noOrders') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      {step && (
        <StepModal
          step={step}
          onClose={() => setStep(null)}
          onDone={(o) => {
            updated(o);
            setStep(null);
          }}
        />
      )}
    </Card>
  );
}

function StepModal({ step, onClose, onDone }: { step: Step; onClose(): void; onDone(o: RewardOrder): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [form] = Form.useForm<{ carrier?: string; trackingNo?: string; reason?: string; paymentRef?: string }>();
  const [saving, setSaving] = useState(false);
  const o = step.order;
  const submit = async (v: { carrier?: string; trackingNo?: string; reason?: string; paymentRef?: string }) => {
    setSaving(true);
    try {
      let done: RewardOrder;
      if (step.kind === 'ship') {
        done = await rewardsApi.ship(o.id, {
          carrier: (v.carrier ?? '').trim(),
          trackingNo: (v.trackingNo ?? '').trim(),
        });
        void message.success(t('rewards.shipped'));
      } else if (step.kind === 'pay') {
        done = await rewardsApi.pay(o.id, (v.paymentRef ?? '').trim());
        void message.success(t('rewards.paymentConfirmed'));
      } else {
        done = await rewardsApi.cancel(o.id, (v.reason ?? '').trim());
        void message.success(t('rewards.orderCancelled', { points: o.points }));
      }
      onDone(done);
    } catch (error) {
      showError(error);
      setSaving(false);
    }
  };
  const titles = { ship: t('rewards.shipTitle'), pay: t('rewards.payTitle'), cancel: t('rewards.cancelTitle') };
  return (
    <Modal
      open
      title={titles[step.kind]}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={saving}
      okButtonProps={step.kind === 'cancel' ? { danger: true } : {}}
    >
      <Typography.Paragraph type="secondary">
        {o.rewardName} · {o.memberName ?? t('rewards.unnamed')}
      </Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        name={`order-${step.kind}`}
        initialValues={{ carrier: o.carrier ?? '', trackingNo: o.trackingNo ?? '' }}
        onFinish={(v) => void submit(v)}
      >
        {step.kind === 'ship' && (
          <>
            <Form.Item
              name="carrier"
              label={t('rewards.carrier')}
              rules={[{ required: true, whitespace: true, message: t('rewards.carrierRequired') }]}
            >
              <Input maxLength={50} placeholder={t('rewards.carrierPlaceholder')} />
            </Form.Item>
            <Form.Item
              name="trackingNo"
              label={t('rewards.trackingNo')}
              rules={[{ required: true, pattern: /^[0-9A-Za-z-]{4,40}$/, message: t('rewards.trackingNoInvalid') }]}
            >
              <Input maxLength={40} />
            </Form.Item>
          </>
        )}
        {step.kind === 'pay' && (
          <Form.Item
            name="paymentRef"
            label={t('rewards.paymentRef')}
            extra={t('rewards.paymentRefHint', { cash: yuanText(o.cashFen) })}
            rules={[{ required: true, whitespace: true, message: t('rewards.paymentRefRequired') }]}
          >
            <Input maxLength={100} />
          </Form.Item>
        )}
        {step.kind === 'cancel' && (
          <Form.Item
            name="reason"
            label={t('rewards.cancelReason')}
            extra={t('rewards.cancelHint', { points: o.points })}
            rules={[{ required: true, whitespace: true, message: t('rewards.cancelReasonRequired') }]}
          >
            <Input.TextArea rows={2} maxLength={200} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
