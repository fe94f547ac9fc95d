// Points leaderboards: who earned the most points this week (Monday to Sunday) or this month, in the workspace's
// calendar, any past period by a day in it, and one member's own rank.
import { TrophyOutlined } from '@ant-design/icons';
import {
  App,
  Card,
  DatePicker,
  Flex,
  Input,
  Segmented,
  Select,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Leaderboard } from '../../../src/contracts/points.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useApiError } from '../useApiError.ts';
import { PointsNav } from './PointsNav.tsx';
import { pointsApi } from './pointsApi.ts';

type Row = Leaderboard['items'][number];
const MEDALS = ['gold', '#a0a0a0', '#cd7f32'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default function LeaderboardPage() {
  const { t } = useTranslation();
  const showError = useApiError();
  const { message } = App.useApp();
  const [period, setPeriod] = useState<'week' | 'month'>('week');
  const [day, setDay] = useState<Dayjs | null>(null);
  const [limit, setLimit] = useState(10);
  const [customerId, setCustomerId] = useState<string | undefined>();
  const [board, setBoard] = useState<Leaderboard | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    setLoading(true);
    pointsApi
      .leaderboard(period, {
        limit,
        ...(day ? { date: day.format('YYYY-MM-DD') } : {}),
        ...(customerId ? { customerId } : {}),
      })
      .then(setBoard, showError)
      .finally(() => setLoading(false));
  }, [period, day, limit, customerId, showError]);

  const columns: TableColumnsType<Row> = [
    {
      title: t('points.leaderboard.rank'),
      dataIndex: 'rank',
      width: 80,
      render: (rank: number) =>
        rank <= 3 ? (
          <TrophyOutlined style={{ color: MEDALS[rank - 1], fontSize: 18 }} aria-label={String(rank)} />
        ) : (
          rank
        ),
    },
    {
      title: t('points.leaderboard.member'),
      key: 'member',
      render: (_, row) => (
        <Link to={`/loyalty/members/${row.customerId}`}>{row.name ?? row.cardNo ?? row.customerId.slice(0, 8)}</Link>
      ),
    },
    { title: t('points.leaderboard.cardNo'), dataIndex: 'cardNo', render: (c: string | null) => c ?? '—' },
    {
      title: t('points.leaderboard.points'),
      dataIndex: 'points',
      align: 'right',
      render: (n: number) => n.toLocaleString(),
    },
  ];

  return (
    <>
      <PageHeader
        title={t('points.leaderboard.title')}
        description={t('points.leaderboard.description')}
        extra={<PointsNav />}
      />
      <Card>
        <Flex gap={12} wrap className="filters" align="center">
          <Segmented
            value={period}
            onChange={(p) => setPeriod(p as 'week' | 'month')}
            options={[
              { value: 'week', label: t('points.leaderboard.week') },
              { value: 'month', label: t('points.leaderboard.month') },
            ]}
          />
          <DatePicker
            picker={period}
            value={day}
            onChange={setDay}
            placeholder={t('points.leaderboard.current')}
            aria-label={t('points.leaderboard.period')}
          />
          <Select
            value={limit}
            onChange={setLimit}
            aria-label={t('points.leaderboard.top')}
            options={[10, 20, 50, 100].map((n) => ({ value: n, label: t('points.leaderboard.topN', { n }) }))}
          />
          <Input.Search
            allowClear
            className="filter-search"
            placeholder={t('points.leaderboard.findMember')}
            aria-label={t('points.leaderboard.findMember')}
            onSearch={(value) => {
              const v = value.trim();
              if (!v) setCustomerId(undefined);
              else if (UUID_RE.test(v)) setCustomerId(v);
              else void message.warning(t('points.leaderboard.badId'));
            }}
          />
          {board && (
            <Typography.Text type="secondary">
              {t('points.leaderboard.range', { from: board.from, to: board.to, n: board.participants })}
            </Typography.Text>
          )}
        </Flex>
        {board?.me && (
          <Card size="small" className="points-me">
            <Flex gap={32} align="center">
              <Statistic title={t('points.leaderboard.myRank')} value={board.me.rank} prefix="#" />
              <Statistic title={t('points.leaderboard.points')} value={board.me.points} />
              <Tag>{board.me.name ?? board.me.cardNo ?? board.me.customerId}</Tag>
            </Flex>
          </Card>
        )}
        {customerId && board && !board.me && (
          <Typography.Paragraph type="secondary">{t('points.leaderboard.notRanked')}</Typography.Paragraph>
        )}
        <Table<Row>
          rowKey="customerId"
          columns={columns}
          dataSource={board?.items ?? []}
          loading={loading}
          pagination={false}
          locale={{ emptyText: t('points.leaderboard.empty') }}
        />
      </Card>
    </>
  );
}
