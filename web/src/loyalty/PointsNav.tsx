// The points pages' own navigation (rules and tasks, liability, leaderboards), under the loyalty menu entry.
import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import './points.css';

const PAGES = [
  { path: '/loyalty/points', label: 'points.nav.rules' },
  { path: '/loyalty/points/liability', label: 'points.nav.liability' },
  { path: '/loyalty/points/leaderboards', label: 'points.nav.leaderboards' },
] as const;

export function PointsNav() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  return (
    <Segmented
      value={pathname}
      onChange={(path) => navigate(path)}
      options={PAGES.map((p) => ({ value: p.path, label: t(p.label) }))}
    />
  );
}
