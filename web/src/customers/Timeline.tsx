// A customer's timeline, newest first across events, orders and tag changes, with "load more".
import { GiftOutlined, ShoppingOutlined, SolutionOutlined, TagOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { Timeline as AntTimeline, Empty, Tag, Typography } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { RelationshipOrigin, RelationshipStatus } from '../../../src/contracts/relationships.ts';
import { api, type TimelineEntry } from '../api.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { CHANNELS, EVENT_NAMES, isOneOf, ORDER_STATUSES, yuan } from './labels.ts';

const PAGE_SIZE = 20;

export function Timeline({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const fetchPage = useCallback(
    (cursor: string | undefined) => api.customerTimeline(customerId, { cursor, limit: PAGE_SIZE }),
    [customerId],
  );
  const list = useCursorList(fetchPage, showError);

  const describe = (entry: TimelineEntry) => {
    const data = entry.data;
    const channel = typeof data.channel === 'string' ? data.channel : null;
    const channelText = channel ? (isOneOf(CHANNELS, channel) ? t(`channels.${channel}`) : channel) : null;
    if (entry.source === 'orders') {
      const status = String(data.status);
      return {
        icon: <ShoppingOutlined />,
        color: 'green',
        title: t('timeline.order', { orderNo: entry.title, amount: yuan(Number(data.paidFen ?? 0)) }),
        detail: [isOneOf(ORDER_STATUSES, status) ? t(`orders.statuses.${status}`) : status, data.store, channelText]
          .filter(Boolean)
          .join(' · '),
      };
    }
    if (entry.source === 'tags') {
      return {
        icon: <TagOutlined />,
        color: 'purple',
        title: t(entry.kind === 'tag.removed' ? 'timeline.tagRemoved' : 'timeline.tagAdded', { tag: entry.title }),
        detail:
          typeof data.source === 'string'
            ? t(`tagSources.${data.source as 'manual'}`, { defaultValue: data.source })
            : '',
      };
    }
    if (entry.source === 'coupons') {
      const key =
        entry.kind === 'coupon.redeemed'
          ? 'couponRedeemed'
          : entry.kind === 'coupon.unredeemed'
            ? 'couponUnredeemed'
            : 'couponIssued';
      const discount =
        typeof data.discountFen === 'number' ? t('timeline.couponDiscount', { amount: yuan(data.discountFen) }) : null;
      return {
        icon: <GiftOutlined />,
        color: 'orange',
        title: t(`timeline.${key}`, { title: entry.title }),
        detail: [
          data.orderId ? t('timeline.couponOrder', { orderId: String(data.orderId) }) : null,
          discount,
          data.store,
          channelText,
        ]
          .filter(Boolean)
          .join(' · '),
        code: String(data.code),
      };
    }
    if (entry.source === 'relationships') {
      const started = entry.kind === 'relationship.started';
      const status = String(data.status) as RelationshipStatus;
      return {
        icon: <SolutionOutlined />,
        color: started ? 'green' : 'red',
        title: t(started ? 'timeline.relationshipStarted' : 'timeline.relationshipEnded', { guide: entry.title }),
        detail: started
          ? [t(`relationships.origin.${data.origin as RelationshipOrigin}`), data.state].filter(Boolean).join(' · ')
          : t(`relationships.status.${status}`),
      };
    }
    const properties = (data.properties ?? {}) as Record<string, unknown>;
    const props = Object.entries(properties)
      .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
      .join(' ');
    return {
      icon: <ThunderboltOutlined />,
      color: 'blue',
      title: isOneOf(EVENT_NAMES, entry.title) ? t(`eventNames.${entry.title}`) : entry.title,
      detail: [channelText, props].filter(Boolean).join(' · '),
      code: entry.title,
    };
  };

  if (!list.loading && list.items.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('timeline.empty')} />;
  }

  return (
    <div data-testid="customer-timeline">
      <AntTimeline
        className="customer-timeline"
        items={list.items.map((entry) => {
          const view = describe(entry);
          return {
            key: entry.id,
            color: view.color,
            icon: view.icon,
            content: (
              <div className="timeline-entry">
                <Typography.Text strong>{view.title}</Typography.Text>
                {'code' in view && <Tag className="timeline-code">{view.code}</Tag>}
                <div className="small-text">
                  <Typography.Text type="secondary">{formatTime(entry.at)}</Typography.Text>
                  {view.detail && <Typography.Text type="secondary"> · {view.detail}</Typography.Text>}
                </div>
              </div>
            ),
          };
        })}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </div>
  );
}
