// Workspace overview. Customer data arrives with the customers module, so the growth chart shows its empty state
// rather than invented numbers.
import { ArrowRightOutlined } from '@ant-design/icons';
import { Card, Col, Empty, Flex, Row, Typography } from 'antd';
import { LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GraphicComponent,
  type GraphicComponentOption,
  GridComponent,
  type GridComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { PageHeader } from '../layout/PageHeader.tsx';
import { settingsPages } from '../modules.tsx';
import { useSession, useSignedIn } from '../session.tsx';

// Registering only what this chart uses keeps ECharts to a fraction of its full size.
echarts.use([LineChart, GridComponent, TooltipComponent, GraphicComponent, CanvasRenderer]);

type ChartOption = echarts.ComposeOption<
  LineSeriesOption | GridComponentOption | TooltipComponentOption | GraphicComponentOption
>;

const DAYS = 14;

function lastDays(count: number, locale: string): string[] {
  const format = new Intl.DateTimeFormat(locale, { month: '2-digit', day: '2-digit' });
  const today = new Date();
  return Array.from({ length: count }, (_, index) => {
    const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (count - 1 - index));
    return format.format(day);
  });
}

export default function DashboardPage() {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const { can } = useSession();

  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 48, right: 24, top: 24, bottom: 32 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', boundaryGap: false, data: lastDays(DAYS, i18n.language) },
      yAxis: { type: 'value', minInterval: 1, min: 0, max: 10 },
      series: [{ name: t('dashboard.newCustomers'), type: 'line', smooth: true, data: [] }],
      graphic: {
        type: 'text',
        left: 'center',
        top: 'middle',
        style: { text: t('dashboard.noDataHint'), fill: '#8c8c8c', fontSize: 14 },
      },
    }),
    [t, i18n.language],
  );

  const steps = settingsPages.filter((page) => can(page.permission));

  return (
    <>
      <PageHeader
        title={t('dashboard.title')}
        description={t('dashboard.welcome', { name: session.staff.name, workspace: session.workspace.name })}
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={16}>
          <Card title={t('dashboard.customerGrowth')}>
            <ReactEChartsCore
              echarts={echarts}
              option={option}
              notMerge
              style={{ height: 320 }}
              aria-label={t('dashboard.customerGrowth')}
            />
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card title={t('dashboard.gettingStarted')}>
            {steps.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('dashboard.noSteps')} />
            ) : (
              <Flex vertical gap={4}>
                {steps.map((page) => (
                  <Link key={page.key} to={page.path} className="dashboard-step">
                    <span className="dashboard-step-icon">{page.icon}</span>
                    <span className="dashboard-step-text">
                      <Typography.Text strong>{t(`nav.${page.key}`)}</Typography.Text>
                      <Typography.Text type="secondary">{t(`dashboard.steps.${page.key}`)}</Typography.Text>
                    </span>
                    <ArrowRightOutlined className="dashboard-step-arrow" />
                  </Link>
                ))}
              </Flex>
            )}
          </Card>
        </Col>
      </Row>
    </>
  );
}
