// Console shell: antd theme and locale (following the i18next language), the session probe, and the route table.
import { App as AntApp, Button, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import { lazy, type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import type { Session } from '../../src/contracts/foundation.ts';
import { ApiError, api, setCsrfToken } from './api.ts';
import { ConsoleLayout } from './layout/ConsoleLayout.tsx';
import { builtModules, settingsPages, upcomingModules } from './modules.tsx';
import { ComingSoonPage } from './pages/ComingSoonPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { type Permission, SessionProvider, useSession } from './session.tsx';

const DashboardPage = lazy(() => import('./pages/DashboardPage.tsx'));
const StaffPage = lazy(() => import('./pages/StaffPage.tsx'));
const ApiKeysPage = lazy(() => import('./pages/ApiKeysPage.tsx'));
const AuditPage = lazy(() => import('./pages/AuditPage.tsx'));
const JobsPage = lazy(() => import('./pages/JobsPage.tsx'));
const CustomersPage = lazy(() => import('./pages/CustomersPage.tsx'));
const CustomerPage = lazy(() => import('./pages/CustomerPage.tsx'));
const TagsPage = lazy(() => import('./pages/TagsPage.tsx'));
const SegmentsPage = lazy(() => import('./pages/SegmentsPage.tsx'));
const SegmentBuilderPage = lazy(() => import('./pages/SegmentBuilderPage.tsx'));
const SegmentPage = lazy(() => import('./pages/SegmentPage.tsx'));
const CustomFieldsPage = lazy(() => import('./pages/CustomFieldsPage.tsx'));
const ImportsPage = lazy(() => import('./pages/ImportsPage.tsx'));
const CouponTemplatesPage = lazy(() => import('./coupons/CouponTemplatesPage.tsx'));
const CouponTemplatePage = lazy(() => import('./coupons/CouponTemplatePage.tsx'));
const MembersPage = lazy(() => import('./loyalty/MembersPage.tsx'));
const TiersPage = lazy(() => import('./loyalty/TiersPage.tsx'));
const RelationshipsDashboardPage = lazy(() => import('./relationships/DashboardPage.tsx'));
const TasksPage = lazy(() => import('./relationships/TasksPage.tsx'));
const GuidesPage = lazy(() => import('./relationships/GuidesPage.tsx'));
const TransfersPage = lazy(() => import('./relationships/TransfersPage.tsx'));
const ChurnPage = lazy(() => import('./relationships/ChurnPage.tsx'));
const SopPage = lazy(() => import('./relationships/SopPage.tsx'));
const ScriptsPage = lazy(() => import('./relationships/ScriptsPage.tsx'));
const NotificationsPage = lazy(() => import('./relationships/NotificationsPage.tsx'));
const CommunityPage = lazy(() => import('./community/CommunityPage.tsx'));
const AcquisitionPage = lazy(() => import('./acquisition/AcquisitionPage.tsx'));
const GroupPage = lazy(() => import('./community/GroupPage.tsx'));
const PointsRulesPage = lazy(() => import('./loyalty/PointsRulesPage.tsx'));
const MemberPage = lazy(() => import('./loyalty/MemberPage.tsx'));
const LiabilityPage = lazy(() => import('./loyalty/LiabilityPage.tsx'));
const LeaderboardPage = lazy(() => import('./loyalty/LeaderboardPage.tsx'));
const RewardsPage = lazy(() => import('./loyalty/RewardsPage.tsx'));
const LotteryPage = lazy(() => import('./loyalty/LotteryPage.tsx'));

const settingsElements = {
  staff: <StaffPage />,
  customFields: <CustomFieldsPage />,
  imports: <ImportsPage />,
  apiKeys: <ApiKeysPage />,
  audit: <AuditPage />,
  jobs: <JobsPage />,
};

const theme = {
  token: { colorPrimary: '#08875a', colorLink: '#08875a', borderRadius: 8 },
  components: {
    Layout: { headerBg: '#ffffff', siderBg: '#10211b', triggerBg: '#0b1914' },
    Menu: { darkItemBg: '#10211b', darkSubMenuItemBg: '#0b1914' },
  },
};

type Probe =
  | { state: 'loading' }
  | { state: 'ready'; session: Session | null }
  | { state: 'failed'; message: string | null };

export function Root() {
  const { t, i18n } = useTranslation();
  const [probe, setProbe] = useState<Probe>({ state: 'loading' });

  const check = useCallback(() => {
    setProbe({ state: 'loading' });
    api.me().then(
      (session) => {
        setCsrfToken(session?.csrfToken ?? null);
        setProbe({ state: 'ready', session });
      },
      (error: unknown) => setProbe({ state: 'failed', message: error instanceof ApiError ? error.message : null }),
    );
  }, []);

  useEffect(() => check(), [check]);

  let body: ReactNode;
  if (probe.state === 'loading') {
    body = <Spin size="large" fullscreen />;
  } else if (probe.state === 'failed') {
    body = (
      <Result
        status="warning"
        title={t('boot.failed')}
        subTitle={probe.message ?? t('boot.failedHint')}
        extra={
          <Button type="primary" onClick={check}>
            {t('boot.retry')}
          </Button>
        }
      />
    );
  } else {
    body = (
      <SessionProvider initial={probe.session}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </SessionProvider>
    );
  }

  return (
    // autoInsertSpace off: antd would render two-character Chinese buttons as "登 录", which then differs from the
    // label text that users, translators and tests see.
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} theme={theme} button={{ autoInsertSpace: false }}>
      <AntApp>{body}</AntApp>
    </ConfigProvider>
  );
}

function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireSession>
            <ConsoleLayout />
          </RequireSession>
        }
      >
        <Route index element={<DashboardPage />} />
        {upcomingModules
          .filter((module) => !builtModules.has(module.key))
          .map((module) => (
            <Route key={module.key} path={module.path} element={<ComingSoonPage module={module.key} />} />
          ))}
        <Route path="/customers" element={guarded('customer.read', <CustomersPage />)} />
        <Route path="/customers/:id" element={guarded('customer.read', <CustomerPage />)} />
        <Route path="/tags" element={guarded('tag.read', <TagsPage />)} />
        <Route path="/segments" element={guarded('segment.read', <SegmentsPage />)} />
        <Route path="/segments/new" element={guarded('segment.manage', <SegmentBuilderPage />)} />
        <Route path="/segments/:id" element={guarded('segment.read', <SegmentPage />)} />
        <Route path="/segments/:id/edit" element={guarded('segment.manage', <SegmentBuilderPage />)} />
        <Route path="/coupons" element={guarded('coupon.read', <CouponTemplatesPage />)} />
        <Route path="/coupons/templates/:id" element={guarded('coupon.read', <CouponTemplatePage />)} />
        {/* The menu's loyalty entry: every /loyalty page keeps it selected. */}
        <Route path="/loyalty" element={<Navigate to="/loyalty/members" replace />} />
        <Route path="/loyalty/members" element={guarded('member.read', <MembersPage />)} />
        <Route path="/loyalty/tiers" element={guarded('member.read', <TiersPage />)} />
        <Route path="/community" element={guarded('community.read', <CommunityPage />)} />
        <Route path="/acquisition" element={guarded('acquisition.read', <AcquisitionPage />)} />
        <Route path="/community/groups/:id" element={guarded('community.read', <GroupPage />)} />
        <Route path="/loyalty/members/:customerId" element={guarded('points.read', <MemberPage />)} />
        <Route path="/loyalty/points" element={guarded('points.read', <PointsRulesPage />)} />
        <Route path="/loyalty/points/liability" element={guarded('points.read', <LiabilityPage />)} />
        <Route path="/loyalty/points/leaderboards" element={guarded('points.read', <LeaderboardPage />)} />
        <Route path="/loyalty/rewards" element={guarded('member.read', <RewardsPage />)} />
        <Route path="/loyalty/lottery" element={guarded('member.read', <LotteryPage />)} />
        {/* The menu's 导购 entry: every /relationships page keeps it selected. */}
        <Route path="/relationships" element={<Navigate to="/relationships/dashboard" replace />} />
        <Route path="/relationships/dashboard" element={guarded('relationship.read', <RelationshipsDashboardPage />)} />
        <Route path="/relationships/tasks" element={guarded('task.work', <TasksPage />)} />
        <Route path="/relationships/guides" element={guarded('relationship.read', <GuidesPage />)} />
        <Route path="/relationships/transfers" element={guarded('relationship.manage', <TransfersPage />)} />
        <Route path="/relationships/churn" element={guarded('churn.read', <ChurnPage />)} />
        <Route path="/relationships/sop" element={guarded('sop.manage', <SopPage />)} />
        <Route path="/relationships/scripts" element={guarded('task.work', <ScriptsPage />)} />
        <Route path="/notifications" element={guarded('notification.read', <NotificationsPage />)} />
        {settingsPages.map((page) => (
          <Route
            key={page.key}
            path={page.path}
            element={<RequirePermission permission={page.permission}>{settingsElements[page.key]}</RequirePermission>}
          />
        ))}
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}

function guarded(permission: Permission, page: ReactNode) {
  return <RequirePermission permission={permission}>{page}</RequirePermission>;
}

function RequireSession({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { can } = useSession();
  const { t } = useTranslation();
  if (!can(permission)) return <Result status="403" title="403" subTitle={t('common.forbidden')} />;
  return children;
}
