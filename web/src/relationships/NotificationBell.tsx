// The bell in the console header: the unread count, refreshed every minute and whenever a notice is read, leading
// to the notifications page.
import { BellOutlined } from '@ant-design/icons';
import { Badge, Button } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useSession } from '../session.tsx';
import { relationshipsApi } from './api.ts';

const listeners = new Set<(unread: number) => void>();

/** Tells the bell the count changed (a notice was read on the notifications page). */
export function notifyUnreadChanged(unread: number): void {
  for (const listener of listeners) listener(unread);
}

const REFRESH_MS = 60_000;

export function NotificationBell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { can } = useSession();
  const [unread, setUnread] = useState(0);
  const allowed = can('notification.read');

  useEffect(() => {
    if (!allowed) return;
    let stopped = false;
    // A failed refresh keeps the last count: the bell is a hint, the page says it exactly.
    const refresh = () =>
      relationshipsApi.unreadCount().then(
        (res) => !stopped && setUnread(res.unread),
        () => {},
      );
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    listeners.add(setUnread);
    return () => {
      stopped = true;
      clearInterval(timer);
      listeners.delete(setUnread);
    };
  }, [allowed]);

  if (!allowed) return null;
  return (
    <Badge count={unread} size="small" offset={[-4, 4]}>
      <Button
        type="text"
        icon={<BellOutlined />}
        aria-label={t('relationships.notifications.bell', { count: unread })}
        onClick={() => navigate('/notifications')}
      />
    </Badge>
  );
}
