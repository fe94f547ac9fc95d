// 社群: the workspace's customer groups and everything run in them, one tab each — groups with their week, group
// live codes, keyword auto-replies, moderation, group SOP, check-in, statistics, KOC discovery and the cross-group
// duplicate report. The tab is kept in the address.
import { SyncOutlined } from '@ant-design/icons';
import { App, Button, Card, Tabs } from 'antd';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { AutoRepliesPanel } from './AutoRepliesPanel.tsx';
import { communityApi } from './api.ts';
import { CheckInsPanel } from './CheckInsPanel.tsx';
import { DuplicatesPanel } from './DuplicatesPanel.tsx';
import { GroupsPanel } from './GroupsPanel.tsx';
import { KocPanel } from './KocPanel.tsx';
import { LiveCodesPanel } from './LiveCodesPanel.tsx';
import { ModerationPanel } from './ModerationPanel.tsx';
import { SopPanel } from './SopPanel.tsx';
import { StatsView } from './StatsView.tsx';
import './community.css';

const TABS = [
  'groups',
  'liveCodes',
  'autoReplies',
  'moderation',
  'sop',
  'checkIns',
  'stats',
  'koc',
  'duplicates',
] as const;
type TabKey = (typeof TABS)[number];

export default function CommunityPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [params, setParams] = useSearchParams();
  const [syncing, setSyncing] = useState(false);
  const tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as TabKey) : 'groups';

  const sync = async () => {
    setSyncing(true);
    try {
      await communityApi.sync();
      void message.success(t('community.syncQueued'));
    } catch (error) {
      showError(error);
    } finally {
      setSyncing(false);
    }
  };

  const panels: Record<TabKey, ReactNode> = {
    groups: <GroupsPanel />,
    liveCodes: <LiveCodesPanel />,
    autoReplies: <AutoRepliesPanel />,
    moderation: <ModerationPanel />,
    sop: <SopPanel />,
    checkIns: <CheckInsPanel />,
    stats: <StatsView />,
    koc: <KocPanel />,
    duplicates: <DuplicatesPanel />,
  };

  return (
    <>
      <PageHeader
        title={t('nav.community')}
        description={t('community.description')}
        extra={
          can('community.manage') && (
            <Button icon={<SyncOutlined />} loading={syncing} onClick={() => void sync()}>
              {t('community.sync')}
            </Button>
          )
        }
      />
      <Card>
        <Tabs
          activeKey={tab}
          onChange={(key) => setParams(key === 'groups' ? {} : { tab: key }, { replace: true })}
          destroyOnHidden
          items={TABS.map((key) => ({ key, label: t(`community.tabs.${key}`), children: panels[key] }))}
        />
      </Card>
    </>
  );
}
