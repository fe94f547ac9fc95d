// The points liability: what members hold, by the month it expires, and what it is worth at today's redemption
// rate; the debt members owe after refunds; and, for those who configure points, the ledger check on demand.
import { CheckCircleOutlined, SafetyCertificateOutlined, WarningOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Row, Statistic, Table, type TableColumnsType, Typography } from 'antd';
import { BarChart, type BarSeriesOption } from 'echarts/charts';
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
import type { LedgerCheck, Liability } from '../../../src/contracts/points.ts';
import { formatTime } from '../format.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { PointsNav } from './PointsNav.tsx';
import { pointsApi, yuan } from './pointsApi.ts';

echarts.use([BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
type ChartOption = echarts.ComposeOption<
  BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption
>;
type Month = Liability['months'][number];

export default function LiabilityPage() {
  const { t } = useTranslation();
  const showError = useApiError();
  const { can } = useSession();
  const [report, setReport] = useState<Liability | null>(null);
  const [check, setCheck] = useState<LedgerCheck | null>(null);
  const [checking, setChecking] = useState(false);

  useEffect(() => {
    pointsApi.liability().then(setReport, showError);
  }, [showError]);

  const runCheck = () => {
    setChecking(true);
    pointsApi
      .ledgerCheck()
      .then(setCheck, showError)
      .finally(() => setChecking(false));
  };

  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 64, right: 64, top: 40, bottom: 32 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: report?.months.map((m) => m.month) ?? [] },
      yAxis: [
        { type: 'value', name: t('points.liability.points'), minInterval: 1 },
        { type: 'value', name: t('points.liability.valueYuan') },
      ],
      series: [
        { name: t('points.liability.points'), type: 'bar', data: report?.months.map((m) => m.points) ?? [] },
        {
          name: t('points.liability.valueYuan'),
          type: 'bar',
          yAxisIndex: 1,
          data: report?.months.map((m) => Number(yuan(m.valueFen))) ?? [],
        },
      ],
    }),
    [report, t],
  );

  const columns: TableColumnsType<Month> = [
    { title: t('points.liability.month'), dataIndex: 'month' },
    {
      title: t('points.liability.points'),
      dataIndex: 'points',
      align: 'right',
      render: (n: number) => n.toLocaleString(),
    },
    {
      title: t('points.liability.valueYuan'),
      dataIndex: 'valueFen',
      align: 'right',
      render: (fen: number) => yuan(fen),
    },
    { title: t('points.liability.members'), dataIndex: 'members', align: 'right' },
  ];

  return (
    <>
      <PageHeader
        title={t('points.liability.title')}
        description={t('points.liability.description')}
        extra={<PointsNav />}
      />
      <Row gutter={[16, 16]}>
        <Col xs={12} lg={6}>
          <Card loading={!report}>
            <Statistic title={t('points.liability.total')} value={report?.totalPoints ?? 0} />
          </Card>
        </Col>
        <Col xs={12} lg={6}>
          <Card loading={!report}>
            <Statistic title={t('points.liability.totalValue')} value={yuan(report?.totalValueFen ?? 0)} suffix="元" />
          </Card>
        </Col>
        <Col xs={12} lg={6}>
          <Card loading={!report}>
            <Statistic title={t('points.liability.holders')} value={report?.members ?? 0} />
          </Card>
        </Col>
        <Col xs={12} lg={6}>
          <Card loading={!report}>
            <Statistic title={t('points.liability.debt')} value={report?.debtPoints ?? 0} />
          </Card>
        </Col>
      </Row>
      <Card
        className="points-section"
        title={t('points.liability.byMonth')}
        extra={
          report && (
            <Typography.Text type="secondary">
              {t('points.liability.rate', { points: report.rate.points, yuan: yuan(report.rate.valueFen) })} ·{' '}
              {t('points.liability.asOf', { at: formatTime(report.asOf) })}
            </Typography.Text>
          )
        }
      >
        <ReactEChartsCore
          echarts={echarts}
          option={option}
          notMerge
          style={{ height: 320 }}
          aria-label={t('points.liability.byMonth')}
        />
        <Table<Month>
          rowKey="month"
          size="small"
          columns={columns}
          dataSource={report?.months ?? []}
          loading={!report}
          pagination={false}
          locale={{ emptyText: t('points.liability.empty') }}
          summary={() =>
            report && report.months.length > 0 ? (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0}>{t('points.liability.sum')}</Table.Summary.Cell>
                <Table.Summary.Cell index={1} align="right">
                  {report.totalPoints.toLocaleString()}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={2} align="right">
                  {yuan(report.totalValueFen)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={3} align="right">
                  {report.members}
                </Table.Summary.Cell>
              </Table.Summary.Row>
            ) : null
          }
        />
      </Card>
      {can('points.configure') && (
        <Card
          className="points-section"
          title={t('points.check.title')}
          extra={
            <Button icon={<SafetyCertificateOutlined />} loading={checking} onClick={runCheck}>
              {t('points.check.run')}
            </Button>
          }
        >
          <Typography.Paragraph type="secondary">{t('points.check.hint')}</Typography.Paragraph>
          {check &&
            (check.ok ? (
              <Alert
                type="success"
                showIcon
                icon={<CheckCircleOutlined />}
                title={t('points.check.ok', {
                  transactions: check.transactions,
                  entries: check.entries,
                  accounts: check.memberAccounts,
                })}
              />
            ) : (
              <Alert
                type="error"
                showIcon
                icon={<WarningOutlined />}
                title={t('points.check.failed', { count: check.violations.length })}
                description={
                  <ul className="points-violations">
                    {check.violations.map((v) => (
                      <li key={`${v.kind}:${v.subject}`}>
                        {v.kind} · {v.subject} ·{' '}
                        {t('points.check.expectedFound', { expected: v.expected ?? '—', found: v.actual ?? '—' })}
                      </li>
                    ))}
                  </ul>
                }
              />
            ))}
        </Card>
      )}
    </>
  );
}
