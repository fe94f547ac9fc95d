// The console's navigation: every business module of the platform and the settings pages, with the permission
// each needs. Modules without a page yet route to the "coming soon" screen; built ones name the permission that
// shows them in the menu.
import {
  ApiOutlined,
  AuditOutlined,
  BarChartOutlined,
  CloudUploadOutlined,
  CommentOutlined,
  CrownOutlined,
  DashboardOutlined,
  FormOutlined,
  GiftOutlined,
  MessageOutlined,
  NodeIndexOutlined,
  NotificationOutlined,
  PartitionOutlined,
  SafetyCertificateOutlined,
  ScheduleOutlined,
  SolutionOutlined,
  TagsOutlined,
  TeamOutlined,
  UserAddOutlined,
  UsergroupAddOutlined,
  UserOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import type { Permission } from './session.tsx';

export type ModuleKey =
  | 'customers'
  | 'tags'
  | 'segments'
  | 'acquisition'
  | 'relationships'
  | 'community'
  | 'loyalty'
  | 'coupons'
  | 'campaigns'
  | 'journeys'
  | 'messaging'
  | 'feedback'
  | 'analytics'
  | 'privacy';

export type SettingsKey = 'staff' | 'customFields' | 'imports' | 'apiKeys' | 'audit' | 'jobs';

export const upcomingModules: { key: ModuleKey; path: string; icon: ReactNode; permission?: Permission }[] = [
  { key: 'customers', path: '/customers', icon: <UserOutlined />, permission: 'customer.read' },
  { key: 'tags', path: '/tags', icon: <TagsOutlined />, permission: 'tag.read' },
  { key: 'segments', path: '/segments', icon: <PartitionOutlined />, permission: 'segment.read' },
  { key: 'acquisition', path: '/acquisition', icon: <UserAddOutlined />, permission: 'acquisition.read' },
  { key: 'relationships', path: '/relationships', icon: <SolutionOutlined />, permission: 'relationship.read' },
  { key: 'community', path: '/community', icon: <UsergroupAddOutlined />, permission: 'community.read' },
  { key: 'loyalty', path: '/loyalty', icon: <CrownOutlined />, permission: 'member.read' },
  { key: 'coupons', path: '/coupons', icon: <GiftOutlined />, permission: 'coupon.read' },
  { key: 'campaigns', path: '/campaigns', icon: <NotificationOutlined /> },
  { key: 'journeys', path: '/journeys', icon: <NodeIndexOutlined /> },
  { key: 'messaging', path: '/messaging', icon: <MessageOutlined /> },
  { key: 'feedback', path: '/feedback', icon: <CommentOutlined /> },
  { key: 'analytics', path: '/analytics', icon: <BarChartOutlined /> },
  { key: 'privacy', path: '/privacy', icon: <SafetyCertificateOutlined /> },
];

/** Modules with their own pages; the rest route to "coming soon". */
export const builtModules: ReadonlySet<ModuleKey> = new Set([
  'customers',
  'tags',
  'segments',
  'coupons',
  'loyalty',
  'community',
  'relationships',
  'acquisition',
]);

export const settingsPages: { key: SettingsKey; path: string; icon: ReactNode; permission: Permission }[] = [
  { key: 'staff', path: '/settings/staff', icon: <TeamOutlined />, permission: 'staff.read' },
  { key: 'customFields', path: '/settings/custom-fields', icon: <FormOutlined />, permission: 'customer.configure' },
  { key: 'imports', path: '/settings/imports', icon: <CloudUploadOutlined />, permission: 'import.run' },
  { key: 'apiKeys', path: '/settings/api-keys', icon: <ApiOutlined />, permission: 'api_key.manage' },
  { key: 'audit', path: '/settings/audit', icon: <AuditOutlined />, permission: 'audit.read' },
  { key: 'jobs', path: '/settings/jobs', icon: <ScheduleOutlined />, permission: 'jobs.manage' },
];

export const dashboard = { path: '/', icon: <DashboardOutlined /> };
