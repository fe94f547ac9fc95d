// Churn records (流失): who deleted whom and when, how long the relationship had lasted and when the customer was
// last in touch, filtered by direction, guide and time.
import { Card, DatePicker, Flex, Select, Table, type TableColumnsType, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { ChurnDirection, ChurnRecord, Guide } from '../../../src/contracts/relationships.ts';
import { CHURN_DIRECTIONS } from '../../../src/contracts/relationships.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { relationshipsApi } from './api.ts';
import { CHURN_DIRECTION_COLORS } from './labels.ts';
import { RelationshipsNav } from './RelationshipsNav.tsx';

export default function ChurnPage() {
  const { t } = useTranslation();
  const showError = useApiError();
  const [direction, setDirection] = useState<ChurnDirection | undefined>();
  const [guideStaffId, setGuideStaffId] = useState<string | undefined>();
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [guides, setGuides] = useState<Guide[]>([]);
  useEffect(() => {
    relationshipsApi.guides().then((res) => setGuides(res.items), showError);
  }, [showError]);
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      relationshipsApi.churn({
        ...(direction ? { direction } : {}),
        ...(guideStaffId ? { guideStaffId } : {}),
        ...(range?.[0] ? { from: range[0].startOf('day').toISOString() } : {}),
        ...(range?.[1] ? { to: range[1].add(1, 'day').startOf('day').toISOString() } : {}),
        cursor,
        limit: 50,
      }),
    [direction, guideStaffId, range],
  );
  const list = useCursorList(fetchPage, showError);
  const columns: TableColumnsType<ChurnRecord> = [
    { title: t('relationships.churn.occurredAt'), dataIndex: 'occurredAt', render: (v: string) => formatTime(v) },
    {
      title: t('relationships.churn.customer'),
      dataIndex: 'customerName',
      render: (name: string | null, r) => (
        <Link to={`/customers/${r.customerId}`}>{name ?? t('customers.unnamed')}</Link>
      ),
    },
    {
      title: t('relationships.churn.guide'),
      dataIndex: 'guideName',
      render: (v: string | null, r) => v ?? r.wecomUserId,
    },
    {
      title: t('relationships.churn.direction'),
      dataIndex: 'direction',
      render: (d: ChurnDirection) => (
        <Tag color={CHURN_DIRECTION_COLORS[d]}>{t(`relationships.churnDirection.${d}`)}</Tag>
      ),
    },
    {
      title: t('relationships.churn.days'),
      dataIndex: 'relationshipDays',
      render: (v: number | null) => (v === null ? '—' : t('relationships.churn.daysValue', { count: v })),
    },
    {
      title: t('relationships.churn.lastInteraction'),
      dataIndex: 'lastInteractionAt',
      render: (v: string | null) => formatTime(v),
    },
  ];
  return (
    <>
      <PageHeader title={t('relationships.churn.title')} description={t('relationships.churn.description')} />
      <Flex vertical gap={16}>
        <RelationshipsNav />
        <Card>
          <Flex gap={12} wrap className="filters">
            <Select
              allowClear
              className="filter-select"
              placeholder={t('relationships.churn.allDirections')}
              value={direction}
              onChange={setDirection}
              options={CHURN_DIRECTIONS.map((d) => ({ value: d, label: t(`relationships.churnDirection.${d}`) }))}
            />
            <Select
              allowClear
              className="filter-select"
              placeholder={t('relationships.tasks.allGuides')}
              value={guideStaffId}
              onChange={setGuideStaffId}
              options={guides.map((g) => ({ value: g.staffId, label: g.name }))}
            />
            <DatePicker.RangePicker value={range} onChange={(v) => setRange(v)} />
          </Flex>
          <Table<ChurnRecord>
            rowKey="id"
            size="small"
            loading={list.loading}
            columns={columns}
            dataSource={list.items}
            pagination={false}
            locale={{ emptyText: t('relationships.churn.empty') }}
          />
          <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
        </Card>
      </Flex>
    </>
  );
}
