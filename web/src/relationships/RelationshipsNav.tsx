// The relationships pages' own navigation under the 导购 menu entry, each page shown to those who may open it.
import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import { type Permission, useSession } from '../session.tsx';
import './relationships.css';

export const RELATIONSHIP_PAGES: { path: string; key: string; permission: Permission }[] = [
  { path: '/relationships/dashboard', key: 'dashboard', permission: 'relationship.read' },
  { path: '/relationships/tasks', key: 'tasks', permission: 'task.work' },
  { path: '/relationships/guides', key: 'guides', permission: 'relationship.read' },
  { path: '/relationships/transfers', key: 'transfers', permission: 'relationship.manage' },
  { path: '/relationships/churn', key: 'churn', permission: 'churn.read' },
  { path: '/relationships/sop', key: 'sop', permission: 'sop.manage' },
  { path: '/relationships/scripts', key: 'scripts', permission: 'task.work' },
];

export function RelationshipsNav() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const { can } = useSession();
  return (
    <Segmented
      className="relationships-nav"
      value={pathname}
      onChange={(path) => navigate(path)}
      options={RELATIONSHIP_PAGES.filter((p) => can(p.permission)).map((p) => ({
        value: p.path,
        label: t(`relationships.nav.${p.key}` as 'relationships.nav.dashboard'),
      }))}
    />
  );
}
