// Signed-in frame: module menu on the left (settings entries filtered by permission), workspace and account in the
// header, the routed page in the content area.
import { LogoutOutlined, SettingOutlined, ShopOutlined } from '@ant-design/icons';
import { Avatar, Button, Flex, Layout, Menu, type MenuProps, Spin, Tag, Typography } from 'antd';
import { Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { dashboard, settingsPages, upcomingModules } from '../modules.tsx';
import { NotificationBell } from '../relationships/NotificationBell.tsx';
import { useSession, useSignedIn } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';

const { Header, Sider, Content } = Layout;

// Inline so it wins over antd's own `position: relative`; keeps the menu in view while long tables scroll. The menu
// scrolls inside it (console.css) so the collapse trigger pinned at the bottom never covers the last entries.
const siderStyle = { position: 'sticky', top: 0, height: '100vh' } as const;

/** A detail page (/customers/…) keeps its module's menu entry selected. */
function menuKeyOf(pathname: string): string {
  const module = upcomingModules.find((entry) => pathname.startsWith(`${entry.path}/`));
  return module ? module.path : pathname;
}

export function ConsoleLayout() {
  const { t } = useTranslation();
  const session = useSignedIn();
  const { can, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const showError = useApiError();
  const [collapsed, setCollapsed] = useState(false);

  const settingsItems = settingsPages
    .filter((page) => can(page.permission))
    .map((page) => ({ key: page.path, icon: page.icon, label: t(`nav.${page.key}`) }));

  const items: MenuProps['items'] = [
    { key: dashboard.path, icon: dashboard.icon, label: t('nav.dashboard') },
    ...upcomingModules
      .filter((module) => !module.permission || can(module.permission))
      .map((module) => ({ key: module.path, icon: module.icon, label: t(`nav.${module.key}`) })),
    ...(settingsItems.length > 0
      ? [
          { type: 'divider' as const },
          {
            type: 'group' as const,
            key: 'settings',
            // A collapsed sider is too narrow for the group title, so only its icon stays.
            label: collapsed ? (
              <SettingOutlined aria-label={t('nav.settings')} />
            ) : (
              <span>
                <SettingOutlined /> {t('nav.settings')}
              </span>
            ),
            children: settingsItems,
          },
        ]
      : []),
  ];

  const logout = () => {
    signOut().then(
      () => navigate('/login', { replace: true }),
      (error: unknown) => showError(error),
    );
  };

  return (
    <Layout className="console">
      <Sider
        className="console-sider"
        style={siderStyle}
        width={224}
        breakpoint="lg"
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
      >
        <div className="console-brand">
          <span className="console-brand-mark">{t('app.mark')}</span>
          {!collapsed && <span className="console-brand-name">{t('app.name')}</span>}
        </div>
        <Menu
          className="console-menu"
          theme="dark"
          mode="inline"
          selectedKeys={[menuKeyOf(location.pathname)]}
          items={items}
          onClick={({ key }) => navigate(key)}
        />
      </Sider>
      <Layout>
        <Header className="console-header">
          <Flex align="center" gap={8} className="console-workspace">
            <ShopOutlined />
            <Typography.Text strong ellipsis>
              {session.workspace.name}
            </Typography.Text>
          </Flex>
          <Flex align="center" gap={12} className="console-account">
            <NotificationBell />
            <LanguageSwitch />
            <Flex align="center" gap={8}>
              <Avatar size="small" className="console-avatar">
                {session.staff.name.slice(0, 1)}
              </Avatar>
              <Typography.Text className="console-wide-only">{session.staff.name}</Typography.Text>
              <Tag color="green" className="console-wide-only">
                {t(`role.${session.staff.role}`)}
              </Tag>
            </Flex>
            <Button type="text" icon={<LogoutOutlined />} onClick={logout} aria-label={t('header.logout')}>
              <span className="console-wide-only">{t('header.logout')}</span>
            </Button>
          </Flex>
        </Header>
        <Content className="console-content">
          <Suspense fallback={<Spin className="console-page-loading" />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
