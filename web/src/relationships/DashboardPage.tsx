// The guide dashboard: today's tasks, completion over 7 and 30 days, new customers and churn — a guide's own, a
// manager's team, or every guide — with a bar chart of each guide's completion and the tasks due today.
import { Card, Col, Flex, Row, Select, Statistic, Table, type TableColumnsType } from 'antd';
import ReactECharts from 'echarts-for-react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Guide, GuideDashboard, GuideStats, Task } from '../../../src/contracts/relationships.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { relationshipsApi } from './api.ts';
import { RelationshipsNav } from './RelationshipsNav.tsx';
import { TaskTable } from './TaskTable.tsx';

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

export default function DashboardPage() {
  const { t } = useTranslation();
  const showError = useApiError();
  const { session } = useSession();
  const isGuide = session?.staff.role === 'guide';
  const [staffId, setStaffId] = useState<string | undefined>();
  const [guides, setGuides] = useState<Guide[]>([]);
  const [data, setData] = useState<GuideDashboard | null>(null);

  useEffect(() => {
    if (!isGuide) relationshipsApi.guides().then((res) => setGuides(res.items), showError);
  }, [isGuide, showError]);

  const load = useCallback(() => {
    relationshipsApi.dashboard(staffId ? { staffId } : {}).then(setData, showError);
  }, [staffId, showError]);
  useEffect(() => load(), [load]);

  const totals = data?.totals;
  const columns: TableColumnsType<GuideStats> = [
    { title: t('relationships.dashboard.guide'), dataIndex: 'name' },
    { title: t('relationships.dashboard.customers'), dataIndex: 'customers' },
    { title: t('relationships.dashboard.openToday'), dataIndex: 'openToday' },
    { title: t('relationships.dashboard.overdue'), dataIndex: 'overdue' },
    {
      title: t('relationships.dashboard.completion7'),
      render: (_: unknown, g) => percent(g.completion7.rate),
    },
    { title: t('relationships.dashboard.newCustomers7'), dataIndex: 'newCustomers7' },
    { title: t('relationships.dashboard.churn7'), dataIndex: 'churn7' },
  ];

  return (
    <>
      <PageHeader
        title={t('relationships.dashboard.title')}
        description={data ? t(`relationships.dashboard.views.${data.view}`) : undefined}
        extra={
          !isGuide && (
            <Select
              allowClear
              className="filter-select"
              placeholder={t('relationships.dashboard.everyone')}
              value={staffId}
              onChange={setStaffId}
              options={guides.map((g) => ({ value: g.staffId, label: g.name }))}
            />
          )
        }
      />
      <Flex vertical gap={16}>
        <RelationshipsNav />
        {totals && (
          <Row gutter={[16, 16]}>
            {(
              [
                ['customers', totals.customers],
                ['openToday', totals.openToday],
                ['overdue', totals.overdue],
                ['completion7', percent(totals.completion7.rate)],
                ['completion30', percent(totals.completion30.rate)],
                ['newCustomers7', totals.newCustomers7],
                ['newCustomers30', totals.newCustomers30],
                ['churn7', totals.churn7],
                ['churn30', totals.churn30],
              ] as const
            ).map(([key, value]) => (
              <Col key={key} xs={12} md={8} xl={6} xxl={4}>
                <Card size="small">
                  <Statistic title={t(`relationships.dashboard.${key}`)} value={value} />
                </Card>
              </Col>
            ))}
          </Row>
        )}
        {data && data.view !== 'guide' && data.guides.length > 0 && (
          <Card title={t('relationships.dashboard.byGuide')}>
            <ReactECharts
              style={{ height: 260 }}
              option={{
                tooltip: { trigger: 'axis' },
                legend: { data: [t('relationships.dashboard.completion7'), t('relationships.dashboard.completion30')] },
                xAxis: { type: 'category', data: data.guides.map((g) => g.name) },
                yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
                series: [
                  {
                    name: t('relationships.dashboard.completion7'),
                    type: 'bar',
                    data: data.guides.map((g) => Math.round((g.completion7.rate ?? 0) * 100)),
                  },
                  {
                    name: t('relationships.dashboard.completion30'),
                    type: 'bar',
                    data: data.guides.map((g) => Math.round((g.completion30.rate ?? 0) * 100)),
                  },
                ],
              }}
            />
            <Table<GuideStats>
              rowKey="staffId"
              size="small"
              columns={columns}
              dataSource={data.guides}
              pagination={false}
            />
          </Card>
        )}
        <Card title={t('relationships.dashboard.todayTasks')}>
          <TaskTable
            tasks={data?.todayTasks ?? []}
            loading={!data}
            showGuide={!isGuide}
            onChanged={(task: Task) => {
              setData((d) => (d ? { ...d, todayTasks: d.todayTasks.map((x) => (x.id === task.id ? task : x)) } : d));
              load();
            }}
          />
        </Card>
      </Flex>
    </>
  );
}
