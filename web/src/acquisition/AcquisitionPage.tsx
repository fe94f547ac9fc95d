// 获客: the workspace's acquisition at a glance (today, 7 and 30 days, retention, welcome health) above one tab each
// for channel live codes, their statistics, trackable links, welcome messages and the channel list. The tab and a
// statistics filter are kept in the address, so "统计" on a code row opens that code's figures.
import { SyncOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Row, Statistic, Tabs, Tooltip } from 'antd';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import type { AcquisitionOverview } from '../../../src/contracts/acquisition.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { acquisitionApi } from './api.ts';
import { ChannelsPanel } from './ChannelsPanel.tsx';
import { CodesPanel } from './CodesPanel.tsx';
import { LinksPanel } from './LinksPanel.tsx';
import { percent, seconds } from './labels.ts';
import { StatsPanel } from './StatsPanel.tsx';
import { WelcomesPanel } from './WelcomesPanel.tsx';
import './acquisition.css';

const TABS = ['codes', 'stats', 'links', 'welcomes', 'channels'] as const;
type TabKey = (typeof TABS)[number];

export default function AcquisitionPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [params, setParams] = useSearchParams();
  const [overview, setOverview] = useState<AcquisitionOverview | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as TabKey) : 'codes';

  const loadOverview = useCallback(() => {
    acquisitionApi.overview().then(setOverview, showError);
  }, [showError]);
  useEffect(() => loadOverview(), [loadOverview]);

  const refresh = async () => {
    setRefreshing(true);
    try {
      const result = await acquisitionApi.refresh();
      void message.success(t('acquisition.refreshed', result));
      loadOverview();
    } catch (error) {
      showError(error);
    } finally {
      setRefreshing(false);
    }
  };

  const openStats = (filter: { codeId?: string; linkId?: string }) =>
    setParams({ tab: 'stats', ...filter }, { replace: false });

  const panels: Record<TabKey, ReactNode> = {
    codes: <CodesPanel onStats={(codeId) => openStats({ codeId })} onChanged={loadOverview} />,
    stats: (
      <StatsPanel
        codeId={params.get('codeId') ?? undefined}
        onCodeChange={(codeId) => setParams(codeId ? { tab: 'stats', codeId } : { tab: 'stats' }, { replace: true })}
      />
    ),
    links: <LinksPanel />,
    welcomes: <WelcomesPanel />,
    channels: <ChannelsPanel />,
  };

  return (
    <>
      <PageHeader
        title={t('nav.acquisition')}
        description={t('acquisition.description')}
        extra={
          can('acquisition.manage') && (
            <Tooltip title={t('acquisition.refreshHint')}>
              <Button icon={<SyncOutlined />} loading={refreshing} onClick={() => void refresh()}>
                {t('acquisition.refresh')}
              </Button>
            </Tooltip>
          )
        }
      />
      {overview && overview.codes.failing > 0 && (
        <Alert
          type="error"
          showIcon
          className="acquisition-alert"
          title={t('acquisition.overview.failing', { count: overview.codes.failing })}
        />
      )}
      <OverviewCards overview={overview} />
      <Card>
        <Tabs
          activeKey={tab}
          onChange={(key) => {
            setParams(key === 'codes' ? {} : { tab: key }, { replace: true });
            loadOverview();
          }}
          destroyOnHidden
          items={TABS.map((key) => ({ key, label: t(`acquisition.tabs.${key}`), children: panels[key] }))}
        />
      </Card>
    </>
  );
}

function OverviewCards({ overview }: { overview: AcquisitionOverview | null }) {
  const { t } = useTranslation();
  const latency = overview?.welcome.p95LatencyMs;
  const cards: { key: string; title: string; value: ReactNode; hint?: string }[] = [
    {
      key: 'today',
      title: t('acquisition.overview.today'),
      value: overview?.today.adds ?? 0,
      hint: t('acquisition.overview.lostNet', { lost: overview?.today.lost ?? 0, net: overview?.today.net ?? 0 }),
    },
    {
      key: 'last7Days',
      title: t('acquisition.overview.last7Days'),
      value: overview?.last7Days.adds ?? 0,
      hint: t('acquisition.overview.lostNet', {
        lost: overview?.last7Days.lost ?? 0,
        net: overview?.last7Days.net ?? 0,
      }),
    },
    {
      key: 'last30Days',
      title: t('acquisition.overview.last30Days'),
      value: overview?.last30Days.adds ?? 0,
      hint: t('acquisition.overview.lostNet', {
        lost: overview?.last30Days.lost ?? 0,
        net: overview?.last30Days.net ?? 0,
      }),
    },
    {
      key: 'retention7',
      title: t('acquisition.overview.retention7'),
      value: percent(overview?.retention7.rate ?? null),
      hint: t('acquisition.stats.cohortOf', overview?.retention7 ?? { retained: 0, cohort: 0 }),
    },
    {
      key: 'retention30',
      title: t('acquisition.overview.retention30'),
      value: percent(overview?.retention30.rate ?? null),
      hint: t('acquisition.stats.cohortOf', overview?.retention30 ?? { retained: 0, cohort: 0 }),
    },
    {
      key: 'welcome',
      title: t('acquisition.overview.welcome'),
      value: overview?.welcome.sent ?? 0,
      hint: t('acquisition.overview.welcomeHint', {
        failed: overview?.welcome.failed ?? 0,
        latency: latency == null ? '—' : seconds(latency),
      }),
    },
  ];
  return (
    <Row gutter={[16, 16]} className="acquisition-overview">
      {cards.map((card) => (
        <Col key={card.key} xs={12} md={8} xl={4}>
          <Card size="small" data-testid={`overview-${card.key}`}>
            <Statistic title={card.title} value={card.value as number | string} />
            {card.hint && <div className="acquisition-overview-hint">{card.hint}</div>}
          </Card>
        </Col>
      ))}
    </Row>
  );
}
