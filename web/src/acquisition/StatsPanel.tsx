// 渠道统计: adds, losses and net adds by day over a date range, with 7- and 30-day retention, for every code or one
// code or channel; then the same figures per code, per channel and per guide. The numbers are the server's
// (GET /api/acquisition/stats); nothing is summed here.
import {
  Card,
  Col,
  DatePicker,
  Flex,
  Row,
  Segmented,
  Select,
  Statistic,
  Table,
  type TableColumnsType,
  Typography,
} from 'antd';
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
import type { AcquisitionStats, ChannelCode, Retention, StatsFigures } from '../../../src/contracts/acquisition.ts';
import { useApiError } from '../useApiError.ts';
import { AddsTable } from './AddsTable.tsx';
import { acquisitionApi } from './api.ts';
import { percent } from './labels.ts';
import { channelOptions, useChannels } from './useChannels.ts';

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
type ChartOption = echarts.ComposeOption<
  LineSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption
>;

const DAY = 'YYYY-MM-DD';
/** The figures per code, channel or guide, or the adds themselves. */
const BREAKDOWNS = ['byCode', 'byChannel', 'byGuide', 'adds'] as const;
type Breakdown = (typeof BREAKDOWNS)[number];
type FigureBreakdown = Exclude<Breakdown, 'adds'>;
type BreakdownRow = StatsFigures & { key: string; name: string };

export function StatsPanel({ codeId, onCodeChange }: { codeId?: string; onCodeChange(codeId?: string): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const { channels } = useChannels(true);
  const [codes, setCodes] = useState<ChannelCode[]>([]);
  const [channelId, setChannelId] = useState<string | undefined>();
  // No range until the operator picks one: the server then answers its default (the last 30 days in the workspace's
  // time zone, which the browser's own "today" may not match), and the picker shows the days it answered for.
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const [breakdown, setBreakdown] = useState<Breakdown>('byCode');
  const [report, setReport] = useState<AcquisitionStats | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    acquisitionApi.listCodes({ limit: 200 }).then((page) => setCodes(page.items), showError);
  }, [showError]);
  useEffect(() => {
    setLoading(true);
    acquisitionApi
      .stats({ codeId, channelId, ...(range ? { from: range[0].format(DAY), to: range[1].format(DAY) } : {}) })
      .then(setReport, showError)
      .finally(() => setLoading(false));
  }, [codeId, channelId, range, showError]);

  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 48, right: 24, top: 40, bottom: 32 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: report?.days.map((d) => d.day.slice(5)) ?? [] },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('acquisition.stats.adds'), type: 'bar', data: report?.days.map((d) => d.adds) ?? [] },
        { name: t('acquisition.stats.lost'), type: 'bar', data: report?.days.map((d) => d.lost) ?? [] },
        { name: t('acquisition.stats.net'), type: 'line', smooth: true, data: report?.days.map((d) => d.net) ?? [] },
      ],
    }),
    [report, t],
  );

  const totals = report?.totals;
  const cards: { key: keyof StatsFigures; value: string | number; hint?: string }[] = [
    { key: 'adds', value: totals?.adds ?? 0 },
    { key: 'lost', value: totals?.lost ?? 0 },
    { key: 'net', value: totals?.net ?? 0 },
    {
      key: 'retention7',
      value: percent(totals?.retention7.rate ?? null),
      hint: totals && t('acquisition.stats.cohortOf', totals.retention7),
    },
    {
      key: 'retention30',
      value: percent(totals?.retention30.rate ?? null),
      hint: totals && t('acquisition.stats.cohortOf', totals.retention30),
    },
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        <Select<string>
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          value={codeId}
          placeholder={t('acquisition.stats.allCodes')}
          aria-label={t('acquisition.stats.code')}
          className="filter-select acquisition-code-filter"
          options={codes.map((c) => ({ value: c.id, label: c.name }))}
          onChange={(next) => onCodeChange(next)}
        />
        <Select<string>
          allowClear
          value={channelId}
          placeholder={t('acquisition.codes.allChannels')}
          aria-label={t('acquisition.codes.channel')}
          className="filter-select"
          options={channelOptions(channels)}
          onChange={setChannelId}
        />
        <DatePicker.RangePicker
          allowClear={false}
          value={range ?? (report ? [dayjs(report.from), dayjs(report.to)] : null)}
          aria-label={t('acquisition.stats.range')}
          onChange={(value) => {
            if (value?.[0] && value[1]) setRange([value[0], value[1]]);
          }}
        />
        {report && (
          <Typography.Text type="secondary" className="acquisition-timezone">
            {t('acquisition.stats.timezone', { timezone: report.timezone })}
          </Typography.Text>
        )}
      </Flex>
      <Row gutter={[16, 16]} className="acquisition-stat-cards">
        {cards.map((card) => (
          <Col key={card.key} xs={12} md={8} xl={4}>
            <div data-testid={`stats-${card.key}`}>
              <Statistic title={t(`acquisition.stats.${card.key}`)} value={card.value} loading={loading && !report} />
              {card.hint && <div className="acquisition-overview-hint">{card.hint}</div>}
            </div>
          </Col>
        ))}
      </Row>
      <ReactEChartsCore
        echarts={echarts}
        option={option}
        notMerge
        style={{ height: 320 }}
        aria-label={t('acquisition.stats.chart')}
      />
      <Card
        size="small"
        title={
          <Segmented<Breakdown>
            value={breakdown}
            onChange={setBreakdown}
            options={BREAKDOWNS.map((b) => ({ value: b, label: t(`acquisition.stats.breakdowns.${b}`) }))}
          />
        }
        className="acquisition-breakdown"
      >
        {breakdown === 'adds' ? (
          <AddsTable codeId={codeId} channelId={channelId} />
        ) : (
          <BreakdownTable report={report} breakdown={breakdown} loading={loading} onCodeChange={onCodeChange} />
        )}
      </Card>
    </>
  );
}

function BreakdownTable({
  report,
  breakdown,
  loading,
  onCodeChange,
}: {
  report: AcquisitionStats | null;
  breakdown: FigureBreakdown;
  loading: boolean;
  onCodeChange(codeId: string): void;
}) {
  const { t } = useTranslation();
  const rows: BreakdownRow[] = useMemo(() => {
    if (!report) return [];
    if (breakdown === 'byCode') return report.byCode.map((r) => ({ ...r, key: r.codeId }));
    if (breakdown === 'byChannel') return report.byChannel.map((r) => ({ ...r, key: r.channelId }));
    return report.byGuide.map((r) => ({ ...r, key: r.staffId ?? r.wecomUserId }));
  }, [report, breakdown]);

  const retention = (r: Retention) => <span title={t('acquisition.stats.cohortOf', r)}>{percent(r.rate)}</span>;
  const columns: TableColumnsType<BreakdownRow> = [
    { title: t(`acquisition.stats.name.${breakdown}`), dataIndex: 'name' },
    { title: t('acquisition.stats.adds'), dataIndex: 'adds', align: 'right' },
    { title: t('acquisition.stats.lost'), dataIndex: 'lost', align: 'right' },
    { title: t('acquisition.stats.net'), dataIndex: 'net', align: 'right' },
    { title: t('acquisition.stats.retention7'), dataIndex: 'retention7', align: 'right', render: retention },
    { title: t('acquisition.stats.retention30'), dataIndex: 'retention30', align: 'right', render: retention },
  ];

  return (
    <Table<BreakdownRow>
      rowKey="key"
      size="small"
      columns={columns}
      dataSource={rows}
      loading={loading}
      pagination={false}
      scroll={{ x: 'max-content' }}
      locale={{ emptyText: t('acquisition.stats.empty') }}
      onRow={(row) =>
        breakdown === 'byCode' ? { onClick: () => onCodeChange(row.key), className: 'clickable-row' } : {}
      }
    />
  );
}
