// Redemption records, newest first: which order took which coupon, for how much, where and by whom, and whether a
// refund gave it back. Filters by order number, store and channel (and by template on a template's page).
import { Flex, Input, Table, type TableColumnsType, Tag } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { CouponRedemption, RedemptionListQuery } from '../../../src/contracts/coupons.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { couponApi } from './api.ts';
import { money } from './labels.ts';
import { formatCode } from './preview.ts';

const PAGE_SIZE = 30;
type Filters = Pick<RedemptionListQuery, 'orderId' | 'store' | 'channel'>;

export function RedemptionsPanel({ templateId }: { templateId?: string }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [filters, setFilters] = useState<Filters>({});
  const fetchPage = useCallback(
    (cursor: string | undefined) => couponApi.listRedemptions({ ...filters, templateId, cursor, limit: PAGE_SIZE }),
    [filters, templateId],
  );
  const list = useCursorList(fetchPage, showError);
  const filter = (key: keyof Filters) => (value: string) =>
    setFilters((previous) => ({ ...previous, [key]: value.trim() || undefined }));

  const columns: TableColumnsType<CouponRedemption> = [
    { title: t('coupons.redemptions.orderId'), dataIndex: 'orderId' },
    {
      title: t('coupons.coupons.code'),
      dataIndex: 'code',
      render: (code: string) => <span className="coupon-code">{formatCode(code)}</span>,
    },
    ...(templateId
      ? []
      : [
          {
            title: t('coupons.coupons.template'),
            dataIndex: 'templateTitle',
            render: (title: string, r: CouponRedemption) => (
              <Link to={`/coupons/templates/${r.templateId}`}>{title}</Link>
            ),
          },
        ]),
    { title: t('coupons.redemptions.amount'), dataIndex: 'orderAmountFen', align: 'right', render: money },
    { title: t('coupons.redemptions.discount'), dataIndex: 'discountFen', align: 'right', render: money },
    { title: t('coupons.redemptions.store'), dataIndex: 'store', render: (v: string | null) => v ?? '—' },
    { title: t('coupons.redemptions.channel'), dataIndex: 'channel', render: (v: string | null) => v ?? '—' },
    { title: t('coupons.redemptions.by'), dataIndex: ['redeemedBy', 'name'] },
    { title: t('coupons.redemptions.at'), dataIndex: 'redeemedAt', render: (at: string) => formatTime(at) },
    {
      title: t('coupons.redemptions.state'),
      dataIndex: 'unredeemedAt',
      render: (at: string | null, r) =>
        at ? (
          <Tag>{t(`coupons.redemptions.reasons.${r.unredeemReason ?? 'request'}`)}</Tag>
        ) : (
          <Tag color="blue">{t('coupons.redemptions.live')}</Tag>
        ),
    },
    {
      title: t('coupons.coupons.customer'),
      dataIndex: 'customerId',
      render: (id: string) => <Link to={`/customers/${id}`}>{t('coupons.coupons.openCustomer')}</Link>,
    },
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        {(['orderId', 'store', 'channel'] as const).map((key) => (
          <Input.Search
            key={key}
            allowClear
            placeholder={t(`coupons.redemptions.filter.${key}`)}
            aria-label={t(`coupons.redemptions.filter.${key}`)}
            className="filter-select"
            onSearch={filter(key)}
          />
        ))}
      </Flex>
      <Table<CouponRedemption>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('coupons.redemptions.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
