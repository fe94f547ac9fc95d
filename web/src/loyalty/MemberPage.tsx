// A member's page: the member card (tier, growth, card number), the points balance with its value and debt, the
// lots by expiry, and the transaction history with each transaction's entries. Staff with points.adjust add or
// deduct points by hand, with a reason (audited).
import { CrownOutlined, EditOutlined, UserOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Radio,
  Row,
  Space,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import type { Member } from '../../../src/contracts/loyalty.ts';
import type { LedgerTransaction, Lot, MemberPoints } from '../../../src/contracts/points.ts';
import { ApiError, newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { MEMBER_STATUS_COLORS, membersApi } from './MembersApi.ts';
import { pointsApi, signed, yuan } from './pointsApi.ts';
import './points.css';
import { accountLabel, causeLabel, KIND_COLORS } from './pointsLabels.ts';

const PAGE_SIZE = 20;

/** The member card, or why there is none: not a member (404), or no right to read members. */
type CardState = { member: Member } | { missing: 'not_member' | 'forbidden' | 'error' } | null;

export default function MemberPage() {
  const { customerId = '' } = useParams();
  const { t } = useTranslation();
  const showError = useApiError();
  const { can } = useSession();
  const [card, setCard] = useState<CardState>(null);
  const [points, setPoints] = useState<MemberPoints | null>(null);
  const [adjusting, setAdjusting] = useState(false);

  const loadPoints = useCallback(() => {
    pointsApi.member(customerId).then(setPoints, showError);
  }, [customerId, showError]);
  const fetchPage = useCallback(
    (cursor: string | undefined) => pointsApi.history(customerId, { cursor, limit: PAGE_SIZE }),
    [customerId],
  );
  const history = useCursorList(fetchPage, showError);

  useEffect(() => {
    loadPoints();
    if (!can('member.read')) {
      setCard({ missing: 'forbidden' });
      return;
    }
    membersApi.get(customerId).then(
      (member) => setCard({ member }),
      (error: unknown) =>
        setCard({ missing: error instanceof ApiError && error.status === 404 ? 'not_member' : 'error' }),
    );
  }, [customerId, can, loadPoints]);

  const member = card && 'member' in card ? card.member : null;
  const title = member ? (member.name ?? t('points.member.unnamed')) : t('points.member.title');

  return (
    <>
      <PageHeader
        title={title}
        description={member ? t('points.member.cardNo', { cardNo: member.cardNo }) : customerId}
        extra={
          <Space wrap>
            <Link to={`/customers/${customerId}`}>
              <Button icon={<UserOutlined />}>{t('points.member.profile')}</Button>
            </Link>
            {can('points.adjust') && (
              <Button type="primary" icon={<EditOutlined />} onClick={() => setAdjusting(true)}>
                {t('points.member.adjust')}
              </Button>
            )}
          </Space>
        }
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={10}>
          <MemberCard card={card} />
        </Col>
        <Col xs={24} lg={14}>
          <Card title={t('points.member.points')} loading={!points}>
            {points && (
              <Row gutter={16}>
                <Col span={8}>
                  <Statistic title={t('points.member.balance')} value={points.balance} />
                </Col>
                <Col span={8}>
                  <Statistic title={t('points.member.value')} value={yuan(points.valueFen)} suffix="元" />
                </Col>
                <Col span={8}>
                  <Statistic
                    title={t('points.member.debt')}
                    value={points.debt}
                    styles={{ content: points.debt > 0 ? { color: '#cf1322' } : {} }}
                  />
                </Col>
              </Row>
            )}
            {points && points.expiringSoon.points > 0 && (
              <Alert
                className="points-expiring"
                type="warning"
                showIcon
                title={t('points.member.expiringSoon', {
                  points: points.expiringSoon.points,
                  at: formatTime(points.expiringSoon.firstAt),
                })}
              />
            )}
            {points && points.debt > 0 && (
              <Alert className="points-expiring" type="error" showIcon title={t('points.member.debtHint')} />
            )}
          </Card>
        </Col>
      </Row>
      <LotsCard lots={points?.lots ?? []} />
      <Card title={t('points.member.history')} className="points-section">
        <HistoryTable items={history.items} loading={history.loading} />
        <LoadMore hasMore={history.hasMore} loading={history.loading} onClick={history.loadMore} />
      </Card>
      {adjusting && (
        <AdjustModal
          customerId={customerId}
          balance={points?.balance ?? 0}
          onClose={() => setAdjusting(false)}
          onDone={() => {
            setAdjusting(false);
            loadPoints();
            history.reload();
          }}
        />
      )}
    </>
  );
}

function MemberCard({ card }: { card: CardState }) {
  const { t } = useTranslation();
  if (!card) return <Card loading />;
  if ('missing' in card) {
    return (
      <Card title={t('points.member.card')}>
        <Typography.Text type="secondary">{t(`points.member.missing.${card.missing}`)}</Typography.Text>
      </Card>
    );
  }
  const m = card.member;
  return (
    <Card title={t('points.member.card')}>
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('points.member.tier')}>
          <Tag color="gold" icon={<CrownOutlined />}>
            {m.tier.name}
          </Tag>
          <Tag color={MEMBER_STATUS_COLORS[m.status]}>{t(`members.status.${m.status}`)}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('points.member.growth')}>
          {m.growth.window.toLocaleString()}
          {m.growth.next && (
            <Typography.Text type="secondary" className="points-aside">
              {t('points.member.toNext', { name: m.growth.next.tier.name, growth: m.growth.next.remaining })}
            </Typography.Text>
          )}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.member.phone')}>{m.phone ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('points.member.inviteCode')}>{m.inviteCode}</Descriptions.Item>
        <Descriptions.Item label={t('points.member.joinedAt')}>{formatTime(m.joinedAt)}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function LotsCard({ lots }: { lots: Lot[] }) {
  const { t } = useTranslation();
  const columns: TableColumnsType<Lot> = [
    { title: t('points.member.expiresAt'), dataIndex: 'expiresAt', render: (at: string) => formatTime(at) },
    { title: t('points.member.remaining'), dataIndex: 'remaining', align: 'right' },
    { title: t('points.member.lotPoints'), dataIndex: 'points', align: 'right' },
    { title: t('points.member.cause'), dataIndex: 'cause', render: (cause: string) => causeLabel(t, cause) },
    { title: t('points.member.earnedAt'), dataIndex: 'earnedAt', render: (at: string) => formatTime(at) },
  ];
  return (
    <Card title={t('points.member.lots')} className="points-section">
      <Table<Lot>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={lots}
        pagination={lots.length > 20 ? { pageSize: 20 } : false}
        locale={{ emptyText: t('points.member.noLots') }}
      />
    </Card>
  );
}

function HistoryTable({ items, loading }: { items: LedgerTransaction[]; loading: boolean }) {
  const { t } = useTranslation();
  const columns: TableColumnsType<LedgerTransaction> = [
    { title: t('points.member.at'), dataIndex: 'at', render: (at: string) => formatTime(at) },
    {
      title: t('points.member.kind'),
      dataIndex: 'kind',
      render: (kind: LedgerTransaction['kind'], tx) => (
        <>
          <Tag color={KIND_COLORS[kind]}>{t(`points.kinds.${kind}`)}</Tag>
          {causeLabel(t, tx.cause)}
        </>
      ),
    },
    {
      title: t('points.member.change'),
      dataIndex: 'points',
      align: 'right',
      render: (points: number, tx) => (
        <>
          <Typography.Text type={points > 0 ? 'success' : points < 0 ? 'danger' : 'secondary'}>
            {signed(points)}
          </Typography.Text>
          {tx.debtChange !== 0 && (
            <div>
              <Typography.Text type="warning">
                {t('points.member.debtChange', { change: signed(tx.debtChange) })}
              </Typography.Text>
            </div>
          )}
        </>
      ),
    },
    { title: t('points.member.balanceAfter'), dataIndex: 'balanceAfter', align: 'right' },
    {
      title: t('points.member.reason'),
      key: 'reason',
      render: (_, tx) =>
        tx.reason ??
        (typeof tx.details.orderNo === 'string' ? t('points.member.order', { orderNo: tx.details.orderNo }) : '—'),
    },
    { title: t('points.member.actor'), dataIndex: 'actorName', render: (name: string | null) => name ?? '—' },
  ];
  return (
    <Table<LedgerTransaction>
      rowKey="id"
      columns={columns}
      dataSource={items}
      loading={loading}
      pagination={false}
      scroll={{ x: 'max-content' }}
      locale={{ emptyText: t('points.member.noHistory') }}
      expandable={{
        expandedRowRender: (tx) => (
          <Table
            size="small"
            rowKey={(e) => `${e.account}:${e.lotId ?? ''}:${e.amount}`}
            pagination={false}
            dataSource={tx.entries}
            columns={[
              { title: t('points.member.account'), dataIndex: 'account', render: (a: string) => accountLabel(t, a) },
              {
                title: t('points.member.amount'),
                dataIndex: 'amount',
                align: 'right',
                render: (n: number) => signed(n),
              },
              { title: t('points.member.lot'), dataIndex: 'lotId', render: (id: number | null) => id ?? '—' },
            ]}
            footer={() => <Typography.Text type="secondary">{t('points.member.key', { key: tx.key })}</Typography.Text>}
          />
        ),
      }}
    />
  );
}

interface AdjustForm {
  direction: 'add' | 'deduct';
  points: number;
  reason: string;
}

function AdjustModal({
  customerId,
  balance,
  onClose,
  onDone,
}: {
  customerId: string;
  balance: number;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [form] = Form.useForm<AdjustForm>();
  const [saving, setSaving] = useState(false);
  // One key per opened dialog: a double click or a retry after a network error posts once.
  const [key] = useState(newIdempotencyKey);
  const submit = async (values: AdjustForm) => {
    setSaving(true);
    try {
      const points = values.direction === 'add' ? values.points : -values.points;
      await pointsApi.adjust(customerId, { points, reason: values.reason.trim() }, key);
      void message.success(t('points.member.adjusted'));
      onDone();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={t('points.member.adjust')}
      okText={t('points.member.adjustOk')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={saving}
    >
      <Typography.Paragraph type="secondary">{t('points.member.adjustHint', { balance })}</Typography.Paragraph>
      <Form<AdjustForm>
        form={form}
        layout="vertical"
        name="pointsAdjust"
        initialValues={{ direction: 'add' }}
        onFinish={submit}
      >
        <Form.Item name="direction" label={t('points.member.direction')}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            options={[
              { value: 'add', label: t('points.member.add') },
              { value: 'deduct', label: t('points.member.deduct') },
            ]}
          />
        </Form.Item>
        <Form.Item name="points" label={t('points.member.adjustPoints')} rules={[{ required: true }]}>
          <InputNumber min={1} max={1_000_000_000} precision={0} className="points-number" />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('points.member.reason')}
          rules={[{ required: true, whitespace: true, message: t('points.member.reasonRequired') }, { max: 200 }]}
        >
          <Input.TextArea rows={2} maxLength={200} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}
