// The rewards mall in the console: the catalogue (physical goods, virtual codes, coupons) with price, stock,
// limits and visibility, put on sale or withdrawn in place; codes uploaded for virtual rewards; and the redemption
// orders with their fulfilment on the second tab. `?tab=orders` keeps the tab across reloads.
import { CrownOutlined, GiftOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Flex,
  Input,
  Modal,
  Select,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { Reward, RewardKind } from '../../../src/contracts/rewards.ts';
import { newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { REWARD_KIND_COLORS, REWARD_KINDS, rewardsApi, yuanText } from './RewardsApi.ts';
import { RewardsForm } from './RewardsForm.tsx';
import { RewardsOrders } from './RewardsOrders.tsx';

const PAGE_SIZE = 50;
const THUMB = { objectFit: 'cover', borderRadius: 6 } as const;

export default function RewardsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'orders' ? 'orders' : 'catalogue';
  return (
    <>
      <PageHeader
        title={t('rewards.title')}
        description={t('rewards.description')}
        extra={
          <Space wrap>
            <Button icon={<CrownOutlined />} onClick={() => navigate('/loyalty/members')}>
              {t('rewards.membersLink')}
            </Button>
            <Button icon={<GiftOutlined />} onClick={() => navigate('/loyalty/lottery')}>
              {t('rewards.lotteryLink')}
            </Button>
          </Space>
        }
      />
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams(key === 'orders' ? { tab: 'orders' } : {}, { replace: true })}
        items={[
          { key: 'catalogue', label: t('rewards.catalogue'), children: <Catalogue /> },
          { key: 'orders', label: t('rewards.orders'), children: <RewardsOrders /> },
        ]}
      />
    </>
  );
}

function Catalogue() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const { can } = useSession();
  const manage = can('member.manage');
  const [kind, setKind] = useState<RewardKind | undefined>();
  const [q, setQ] = useState<string | undefined>();
  const [editing, setEditing] = useState<Reward | 'new' | null>(null);
  const [codesFor, setCodesFor] = useState<Reward | null>(null);
  const fetchPage = useCallback(
    (cursor: string | undefined) => rewardsApi.list({ kind, q, cursor, limit: PAGE_SIZE }),
    [kind, q],
  );
  const list = useCursorList(fetchPage, showError);

  const toggle = async (reward: Reward, active: boolean) => {
    try {
      list.replace((r) => r.id === reward.id, await rewardsApi.update(reward.id, { active }));
      void message.success(t(active ? 'rewards.onSale' : 'rewards.withdrawn', { name: reward.name }));
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Reward> = [
    {
      title: t('rewards.name'),
      dataIndex: 'name',
      render: (name: string, r) => (
        <Flex gap={10} align="center">
          {r.imageUrl ? <img src={r.imageUrl} alt="" width={40} height={40} style={THUMB} /> : null}
          <Flex vertical>
            <Typography.Text strong>{name}</Typography.Text>
            <span>
              <Tag color={REWARD_KIND_COLORS[r.kind]}>{t(`rewards.kinds.${r.kind}`)}</Tag>
              {r.couponTemplate && <Typography.Text type="secondary">{r.couponTemplate.title}</Typography.Text>}
            </span>
          </Flex>
        </Flex>
      ),
    },
    {
      title: t('rewards.price'),
      key: 'price',
      render: (_, r) =>
        r.cashFen > 0
          ? t('rewards.priceCash', { points: r.pointsPrice.toLocaleString(), cash: yuanText(r.cashFen) })
          : t('rewards.pricePoints', { points: r.pointsPrice.toLocaleString() }),
    },
    {
      title: t('rewards.stock'),
      dataIndex: 'stock',
      align: 'right',
      render: (stock: number | null, r) =>
        stock === null ? (
          <Typography.Text type="secondary">{t('rewards.unlimited')}</Typography.Text>
        ) : (
          <Typography.Text type={stock === 0 ? 'danger' : undefined}>
            {r.kind === 'virtual' ? t('rewards.codesLeft', { count: stock }) : stock.toLocaleString()}
          </Typography.Text>
        ),
    },
    { title: t('rewards.redeemed'), dataIndex: 'redeemed', align: 'right', render: (n: number) => n.toLocaleString() },
    {
      title: t('rewards.limits'),
      key: 'limits',
      render: (_, r) => (
        <Flex vertical>
          {r.perMemberLimit !== null && <span>{t('rewards.perMember', { count: r.perMemberLimit })}</span>}
          {r.periodLimit && (
            <span>{t(`rewards.perPeriod.${r.periodLimit.period}`, { count: r.periodLimit.count })}</span>
          )}
          {r.minTier && <Tag icon={<CrownOutlined />}>{t('rewards.minTierShort', { tier: r.minTier.name })}</Tag>}
          {r.perMemberLimit === null && !r.periodLimit && !r.minTier && (
            <Typography.Text type="secondary">{t('rewards.noLimits')}</Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('rewards.visibility'),
      key: 'visibility',
      render: (_, r) =>
        r.visibleFrom || r.visibleUntil ? (
          <Typography.Text>
            {formatTime(r.visibleFrom)} – {formatTime(r.visibleUntil)}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('rewards.always')}</Typography.Text>
        ),
    },
    {
      title: t('rewards.onSaleLabel'),
      dataIndex: 'active',
      render: (active: boolean, r) => (
        <Switch
          checked={active}
          disabled={!manage}
          aria-label={t('rewards.onSaleOf', { name: r.name })}
          onChange={(next) => void toggle(r, next)}
        />
      ),
    },
    ...(manage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, r: Reward) => (
              <Space>
                <Button type="link" onClick={() => setEditing(r)}>
                  {t('common.edit')}
                </Button>
                {r.kind === 'virtual' && (
                  <Button type="link" icon={<UploadOutlined />} onClick={() => setCodesFor(r)}>
                    {t('rewards.uploadCodes')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <Card>
      <Flex gap={12} wrap className="filters" justify="space-between">
        <Flex gap={12} wrap>
          <Input.Search
            allowClear
            enterButton
            placeholder={t('rewards.searchPlaceholder')}
            aria-label={t('rewards.search')}
            className="filter-search"
            onSearch={(value) => setQ(value.trim() || undefined)}
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
        </Flex>
        {manage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('rewards.create')}
          </Button>
        )}
      </Flex>
      <Table<Reward>
        rowKey="id"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('rewards.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      {editing && (
        <RewardsForm
          reward={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(saved, created) => {
            setEditing(null);
            if (created) list.reload();
            else list.replace((r) => r.id === saved.id, saved);
            void message.success(t('rewards.saved', { name: saved.name }));
            if (created && saved.kind === 'virtual') setCodesFor(saved);
          }}
        />
      )}
      {codesFor && (
        <CodesModal
          reward={codesFor}
          onClose={() => setCodesFor(null)}
          onAdded={(stock) => {
            list.replace((r) => r.id === codesFor.id, { ...codesFor, stock });
            setCodesFor(null);
          }}
        />
      )}
    </Card>
  );
}

function CodesModal({ reward, onClose, onAdded }: { reward: Reward; onClose(): void; onAdded(stock: number): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [text, setText] = useState('');
  const [saving, setSaving] = useState(false);
  // One key per dialog: a resend after a lost answer adds the codes once.
  const [key] = useState(newIdempotencyKey);
  const codes = text.split(/\r?\n/).filter((line) => line.trim());
  const submit = async () => {
    setSaving(true);
    try {
      const result = await rewardsApi.addCodes(reward.id, text.split(/\r?\n/), key);
      void message.success(
        t('rewards.codesAdded', { added: result.added, duplicates: result.duplicates, stock: result.stock }),
      );
      onAdded(result.stock);
    } catch (error) {
      showError(error);
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={t('rewards.codesTitle', { name: reward.name })}
      okText={t('rewards.uploadCodes')}
      okButtonProps={{ disabled: codes.length === 0 }}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={saving}
    >
      <Typography.Paragraph type="secondary">{t('rewards.codesHint')}</Typography.Paragraph>
      <Input.TextArea
        rows={10}
        value={text}
        aria-label={t('rewards.codes')}
        placeholder={'VIP-8F3K-2QX9\nVIP-7M2D-5RT1'}
        onChange={(event) => setText(event.target.value)}
      />
      <Typography.Text type="secondary">{t('rewards.codesCount', { count: codes.length })}</Typography.Text>
    </Modal>
  );
}
