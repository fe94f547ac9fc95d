// Group statistics for one group or all, over chosen days: members at the end of each day, joins and quits, messages
// and the members who wrote, in one chart; the period's totals; and its top speakers.
import { Card, Col, DatePicker, Flex, Row, Select, Statistic, Table, type TableColumnsType } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { BarChart, type BarSeriesOption, LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { GroupStatsReport } from '../../../src/contracts/community.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { communityApi } from './api.ts';
import { groupOptions, useGroups } from './useGroups.ts';

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
type ChartOption = echarts.ComposeOption<
  LineSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption
>;
type Speaker = GroupStatsReport['topSpeakers'][number];

const DAY = 'YYYY-MM-DD';

/** With a group: that group's numbers; without: a picker over every group (all by default). */
export function StatsView({ groupId }: { groupId?: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const [chosen, setChosen] = useState<string | undefined>(groupId);
  // No range until one is picked: the server reports the 30 days up to today in the workspace's time zone.
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const [report, setReport] = useState<GroupStatsReport | null>(null);

  useEffect(() => {
    communityApi
      .stats({ groupId: chosen, ...(range ? { from: range[0].format(DAY), to: range[1].format(DAY) } : {}) })
      .then(setReport, showError);
  }, [chosen, range, showError]);

  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 56, right: 56, top: 40, bottom: 32 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: report?.days.map((d) => d.day.slice(5)) ?? [] },
      yAxis: [
        { type: 'value', name: t('community.stats.people'), minInterval: 1 },
        { type: 'value', name: t('community.stats.messages'), minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        {
          name: t('community.stats.members'),
          type: 'line',
          smooth: true,
          data: report?.days.map((d) => d.members) ?? [],
        },
        { name: t('community.stats.joins'), type: 'bar', data: report?.days.map((d) => d.joins) ?? [] },
        { name: t('community.stats.quits'), type: 'bar', data: report?.days.map((d) => d.quits) ?? [] },
        {
          name: t('community.stats.activeMembers'),
          type: 'line',
          data: report?.days.map((d) => d.activeMembers) ?? [],
        },
        {
          name: t('community.stats.messages'),
          type: 'line',
          yAxisIndex: 1,
          data: report?.days.map((d) => d.messages) ?? [],
        },
      ],
    }),
    [report, t],
  );

  const columns: TableColumnsType<Speaker> = [
    {
      title: t('community.stats.speaker'),
      dataIndex: 'name',
      render: (name: string, s) =>
        s.customerId && can('customer.read') ? <Link to={`/customers/${s.customerId}`}>{name}</Link> : name,
    },
    { title: t('community.stats.messages'), dataIndex: 'messages', align: 'right' },
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        {!groupId && <GroupPicker value={chosen} onChange={setChosen} />}
        <DatePicker.RangePicker
          allowClear={false}
          value={range ?? (report ? [dayjs(report.from), dayjs(report.to)] : null)}
          aria-label={t('community.stats.range')}
          onChange={(value) => {
            if (value?.[0] && value[1]) setRange([value[0], value[1]]);
          }}
        />
      </Flex>
      <Row gutter={[16, 16]} className="community-stat-cards">
        {(['members', 'joins', 'quits', 'messages', 'activeMembers'] as const).map((key) => (
          <Col key={key} xs={12} md={8} xl={4}>
            <Statistic title={t(`community.stats.${key}`)} value={report?.totals[key] ?? 0} />
          </Col>
        ))}
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={16}>
          <ReactEChartsCore
            echarts={echarts}
            option={option}
            notMerge
            style={{ height: 340 }}
            aria-label={t('community.stats.chart')}
          />
        </Col>
        <Col xs={24} xl={8}>
          <Card size="small" title={t('community.stats.topSpeakers')}>
            <Table<Speaker>
              rowKey="memberId"
              size="small"
              columns={columns}
              dataSource={report?.topSpeakers ?? []}
              pagination={false}
              locale={{ emptyText: t('community.stats.noMessages') }}
            />
          </Card>
        </Col>
      </Row>
    </>
  );
}

function GroupPicker({ value, onChange }: { value: string | undefined; onChange(next: string | undefined): void }) {
  const { t } = useTranslation();
  const { groups, loading } = useGroups();
  return (
    <Select<string>
      allowClear
      showSearch
      optionFilterProp="label"
      loading={loading}
      value={value}
      placeholder={t('community.stats.allGroups')}
      aria-label={t('community.stats.group')}
      className="filter-select"
      options={groupOptions(groups)}
      onChange={onChange}
    />
  );
}
