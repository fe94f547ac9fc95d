// The points lottery in the console: each lottery with its cost, daily limit, window and prizes (odds, stock left,
// wins), switched on or off in place, edited in a drawer, and every draw with its roll in a second drawer.
import { GiftOutlined, PlusOutlined, ShoppingOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Descriptions,
  Drawer,
  Empty,
  Flex,
  Select,
  Space,
  Spin,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { Lottery, LotteryDraw, Prize } from '../../../src/contracts/rewards.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { LotteryForm } from './LotteryForm.tsx';
import { percentText, rewardsApi } from './RewardsApi.ts';

type Phase = 'off' | 'upcoming' | 'running' | 'ended';
const PHASE_COLORS: Record<Phase, string> = { off: 'default', upcoming: 'blue', running: 'green', ended: 'default' };

function phaseOf(l: Lottery, now: number): Phase {
  if (!l.active) return 'off';
  if (l.startsAt && Date.parse(l.startsAt) > now) return 'upcoming';
  if (l.endsAt && Date.parse(l.endsAt) <= now) return 'ended';
  return 'running';
}

export default function LotteryPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const showError = useApiError();
  const { can } = useSession();
  const manage = can('member.manage');
  const [lotteries, setLotteries] = useState<Lottery[] | null>(null);
  const [editing, setEditing] = useState<Lottery | 'new' | null>(null);
  const [drawsOf, setDrawsOf] = useState<Lottery | null>(null);

  const load = useCallback(() => {
    rewardsApi.lotteries().then((page) => setLotteries(page.items), showError);
  }, [showError]);
  useEffect(() => load(), [load]);

  const replace = (next: Lottery) => setLotteries((all) => (all ?? []).map((l) => (l.id === next.id ? next : l)));
  const toggle = async (l: Lottery, active: boolean) => {
    try {
      replace(await rewardsApi.updateLottery(l.id, { active }));
    } catch (error) {
      showError(error);
    }
  };

  const prizeColumns: TableColumnsType<Prize> = [
    { title: t('lottery.prizeName'), dataIndex: 'name' },
    {
      title: t('lottery.prizeKind'),
      dataIndex: 'kind',
      render: (kind: Prize['kind'], p) => (
        <span>
          <Tag>{t(`lottery.kinds.${kind}`)}</Tag>
          {p.points !== null && t('lottery.pointsN', { points: p.points })}
          {p.couponTemplate?.title}
          {p.reward?.name}
        </span>
      ),
    },
    {
      title: t('lottery.odds'),
      dataIndex: 'probabilityPpm',
      align: 'right',
      render: (ppm: number) => percentText(ppm),
    },
    {
      title: t('lottery.stock'),
      dataIndex: 'stock',
      align: 'right',
      render: (stock: number | null) =>
        stock === null ? (
          <Typography.Text type="secondary">{t('lottery.unlimited')}</Typography.Text>
        ) : (
          <Typography.Text type={stock === 0 ? 'danger' : undefined}>{stock}</Typography.Text>
        ),
    },
    { title: t('lottery.won'), dataIndex: 'won', align: 'right' },
  ];

  return (
    <>
      <PageHeader
        title={t('lottery.title')}
        description={t('lottery.description')}
        extra={
          <Space wrap>
            <Button icon={<ShoppingOutlined />} onClick={() => navigate('/loyalty/rewards')}>
              {t('lottery.rewardsLink')}
            </Button>
            {manage && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
                {t('lottery.create')}
              </Button>
            )}
          </Space>
        }
      />
      {lotteries === null ? (
        <Spin />
      ) : lotteries.length === 0 ? (
        <Card>
          <Empty description={t('lottery.empty')} />
        </Card>
      ) : (
        <Flex vertical gap={16}>
          {lotteries.map((l) => {
            const phase = phaseOf(l, Date.now());
            return (
              <Card
                key={l.id}
                title={
                  <Space>
                    <GiftOutlined />
                    {l.name}
                    <Tag color={PHASE_COLORS[phase]}>{t(`lottery.phases.${phase}`)}</Tag>
                  </Space>
                }
                extra={
                  <Space>
                    <Switch
                      checked={l.active}
                      disabled={!manage}
                      aria-label={t('lottery.activeOf', { name: l.name })}
                      onChange={(next) => void toggle(l, next)}
                    />
                    <Button onClick={() => setDrawsOf(l)}>{t('lottery.draws', { count: l.draws })}</Button>
                    {manage && (
                      <Button type="link" onClick={() => setEditing(l)}>
                        {t('common.edit')}
                      </Button>
                    )}
                  </Space>
                }
              >
                <Descriptions
                  size="small"
                  column={{ xs: 1, md: 4 }}
                  items={[
                    { key: 'cost', label: t('lottery.cost'), children: t('lottery.pointsN', { points: l.costPoints }) },
                    {
                      key: 'limit',
                      label: t('lottery.dailyLimit'),
                      children: t('lottery.timesN', { count: l.dailyLimit }),
                    },
                    {
                      key: 'window',
                      label: t('lottery.window'),
                      children:
                        l.startsAt || l.endsAt
                          ? `${formatTime(l.startsAt)} – ${formatTime(l.endsAt)}`
                          : t('lottery.always'),
                    },
                    { key: 'nothing', label: t('lottery.nothing'), children: percentText(l.nothingPpm) },
                  ]}
                />
                {l.description && <Typography.Paragraph type="secondary">{l.description}</Typography.Paragraph>}
                <Table<Prize>
                  rowKey="id"
                  size="small"
                  columns={prizeColumns}
                  dataSource={l.prizes}
                  pagination={false}
                />
              </Card>
            );
          })}
        </Flex>
      )}
      {editing && (
        <LotteryForm
          lottery={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(saved, created) => {
            setEditing(null);
            if (created) setLotteries((all) => [saved, ...(all ?? [])]);
            else replace(saved);
            void message.success(t('lottery.saved', { name: saved.name }));
          }}
        />
      )}
      {drawsOf && <DrawsDrawer lottery={drawsOf} onClose={() => setDrawsOf(null)} />}
    </>
  );
}

function DrawsDrawer({ lottery, onClose }: { lottery: Lottery; onClose(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [won, setWon] = useState<boolean | undefined>();
  const fetchPage = useCallback(
    (cursor: string | undefined) => rewardsApi.draws(lottery.id, { won, cursor, limit: 50 }),
    [lottery.id, won],
  );
  const list = useCursorList(fetchPage, showError);
  const columns: TableColumnsType<LotteryDraw> = [
    { title: t('lottery.drawTime'), dataIndex: 'at', render: (at: string) => formatTime(at) },
    {
      title: t('lottery.member'),
      key: 'member',
      render: (_, d) => (
        <Link to={`/customers/${d.customerId}`}>{d.memberName ?? d.cardNo ?? t('lottery.unnamed')}</Link>
      ),
    },
    {
      title: t('lottery.result'),
      key: 'result',
      render: (_, d) =>
        d.prize && d.prize.kind !== 'nothing' ? (
          <Tag color="gold">{d.prize.name}</Tag>
        ) : (
          <Flex vertical>
            <span>{d.prize?.name ?? t('lottery.nothing')}</span>
            {d.fallback && (
              <Typography.Text type="secondary">
                {d.fallback === 'out_of_stock'
                  ? t('lottery.fellOutOfStock')
                  : t('lottery.fellRefused', { code: d.fallback })}
              </Typography.Text>
            )}
          </Flex>
        ),
    },
    { title: t('lottery.cost'), dataIndex: 'cost', align: 'right' },
    { title: t('lottery.roll'), dataIndex: 'roll', align: 'right', render: (roll: number) => roll.toLocaleString() },
  ];
  return (
    <Drawer open size={760} title={t('lottery.drawsTitle', { name: lottery.name })} onClose={onClose}>
      <Flex className="filters">
        <Select
          allowClear
          placeholder={t('lottery.allDraws')}
          aria-label={t('lottery.result')}
          className="filter-select"
          value={won === undefined ? undefined : String(won)}
          onChange={(value?: string) => setWon(value === undefined ? undefined : value === 'true')}
          options={[
            { value: 'true', label: t('lottery.onlyWon') },
            { value: 'false', label: t('lottery.onlyLost') },
          ]}
        />
      </Flex>
      <Table<LotteryDraw>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        locale={{ emptyText: t('lottery.noDraws') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </Drawer>
  );
}
