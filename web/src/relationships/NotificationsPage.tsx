// The signed-in staff member's notifications: churn alerts, overdue tasks, failed transfers; unread first shown in
// bold, each marked read when opened, or all at once.
import { Button, Card, Flex, List, Segmented, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { Notification } from '../../../src/contracts/relationships.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { relationshipsApi } from './api.ts';
import { notifyUnreadChanged } from './NotificationBell.tsx';
import './relationships.css';

/** Where a notice leads: the customer it is about, or the page of what it reports. */
function linkOf(n: Notification): string | null {
  if (n.kind === 'task_overdue') return '/relationships/tasks';
  if (typeof n.data.customerId === 'string') return `/customers/${n.data.customerId}`;
  return n.kind === 'transfer_failed' ? '/relationships/transfers' : null;
}

export default function NotificationsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const showError = useApiError();
  const [unread, setUnread] = useState(false);
  const fetchPage = useCallback(
    (cursor: string | undefined) => relationshipsApi.notifications({ unread, cursor, limit: 30 }),
    [unread],
  );
  const list = useCursorList(fetchPage, showError);

  const open = async (n: Notification) => {
    try {
      if (!n.readAt) {
        notifyUnreadChanged((await relationshipsApi.markRead(n.id)).unread);
        list.replace((x) => x.id === n.id, { ...n, readAt: new Date().toISOString() });
      }
      const to = linkOf(n);
      if (to) navigate(to);
    } catch (error) {
      showError(error);
    }
  };
  const readAll = async () => {
    try {
      notifyUnreadChanged((await relationshipsApi.markAllRead()).unread);
      list.reload();
    } catch (error) {
      showError(error);
    }
  };

  return (
    <>
      <PageHeader
        title={t('relationships.notifications.title')}
        description={t('relationships.notifications.description')}
        extra={<Button onClick={readAll}>{t('relationships.notifications.readAll')}</Button>}
      />
      <Card>
        <Flex vertical gap={12}>
          <Segmented<'all' | 'unread'>
            value={unread ? 'unread' : 'all'}
            onChange={(v) => setUnread(v === 'unread')}
            options={[
              { value: 'all', label: t('relationships.notifications.all') },
              { value: 'unread', label: t('relationships.notifications.unread') },
            ]}
          />
          <List<Notification>
            loading={list.loading}
            dataSource={list.items}
            locale={{ emptyText: t('relationships.notifications.empty') }}
            renderItem={(n) => (
              <List.Item
                className="notification-item"
                onClick={() => open(n)}
                extra={<Typography.Text type="secondary">{formatTime(n.createdAt)}</Typography.Text>}
              >
                <Flex gap={8} align="center">
                  <Tag color={n.kind === 'churn' ? 'red' : n.kind === 'task_overdue' ? 'orange' : 'volcano'}>
                    {t(`relationships.notifications.kinds.${n.kind}`)}
                  </Tag>
                  <Typography.Text strong={!n.readAt}>{n.text}</Typography.Text>
                </Flex>
              </List.Item>
            )}
          />
          <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
        </Flex>
      </Card>
    </>
  );
}
