// One coupon found by its code (as printed, typed at a till, or picked from a list): its holder, state, dates and
// every redemption, the undone ones with who gave it back and why.
import { Descriptions, Drawer, Empty, Flex, Skeleton, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { CouponDetail, CouponRedemption } from '../../../src/contracts/coupons.ts';
import { ApiError } from '../api.ts';
import { formatTime } from '../format.ts';
import { useApiError } from '../useApiError.ts';
import { couponApi } from './api.ts';
import { CouponCard } from './CouponCard.tsx';
import { couponStatusTag, money } from './labels.ts';
import { formatCode, formatDay } from './preview.ts';

export function CouponLookup({ code, onClose }: { code: string | null; onClose(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [detail, setDetail] = useState<CouponDetail | null>(null);
  const [missing, setMissing] = useState<string | null>(null);

  useEffect(() => {
    setDetail(null);
    setMissing(null);
    if (!code) return;
    couponApi.lookup(code).then(setDetail, (error: unknown) => {
      // Not found and malformed are answers to show in place; anything else is an error to report.
      if (error instanceof ApiError && (error.status === 404 || error.status === 400)) setMissing(error.message);
      else showError(error);
    });
  }, [code, showError]);

  const columns: TableColumnsType<CouponRedemption> = [
    { title: t('coupons.redemptions.orderId'), dataIndex: 'orderId' },
    { title: t('coupons.redemptions.discount'), dataIndex: 'discountFen', align: 'right', render: money },
    { title: t('coupons.redemptions.store'), dataIndex: 'store', render: (v: string | null) => v ?? '—' },
    { title: t('coupons.redemptions.by'), dataIndex: ['redeemedBy', 'name'] },
    { title: t('coupons.redemptions.at'), dataIndex: 'redeemedAt', render: (at: string) => formatTime(at) },
    {
      title: t('coupons.redemptions.undone'),
      dataIndex: 'unredeemedAt',
      render: (at: string | null, r) =>
        at ? `${formatTime(at)} · ${t(`coupons.redemptions.reasons.${r.unredeemReason ?? 'request'}`)}` : '—',
    },
  ];

  return (
    <Drawer open={code !== null} onClose={onClose} size={720} title={t('coupons.lookup.title')} destroyOnHidden>
      {missing && <Empty description={missing} />}
      {!missing && !detail && <Skeleton active />}
      {detail && (
        <Flex vertical gap={16} data-testid="coupon-detail">
          <CouponCard
            terms={{
              ...detail.template,
              validFrom: detail.coupon.validFrom,
              validUntil: detail.coupon.validUntil,
              validityKind: 'fixed',
            }}
            title={detail.template.title}
            inactive={detail.coupon.status !== 'available'}
          />
          <Descriptions column={2} size="small" className="coupon-facts">
            <Descriptions.Item label={t('coupons.coupons.code')}>
              <Typography.Text copyable={{ text: detail.coupon.code }} className="coupon-code">
                {formatCode(detail.coupon.code)}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('coupons.coupons.status')}>
              <Tag color={couponStatusTag(detail.coupon.status)}>
                {t(`coupons.couponStatuses.${detail.coupon.status}`)}
              </Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('coupons.coupons.customer')}>
              <Link to={`/customers/${detail.coupon.customerId}`}>{t('coupons.coupons.openCustomer')}</Link>
            </Descriptions.Item>
            <Descriptions.Item label={t('coupons.coupons.source')}>
              {t(`coupons.sources.${detail.coupon.source}`)}
            </Descriptions.Item>
            <Descriptions.Item label={t('coupons.coupons.issuedAt')}>
              {formatTime(detail.coupon.issuedAt)}
            </Descriptions.Item>
            <Descriptions.Item label={t('coupons.coupons.validUntil')}>
              {formatDay(detail.coupon.validUntil, true)}
            </Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5} className="coupon-section-title">
            {t('coupons.lookup.redemptions')}
          </Typography.Title>
          <Table<CouponRedemption>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={detail.redemptions}
            pagination={false}
            locale={{ emptyText: t('coupons.lookup.noRedemptions') }}
            scroll={{ x: 'max-content' }}
          />
        </Flex>
      )}
    </Drawer>
  );
}
