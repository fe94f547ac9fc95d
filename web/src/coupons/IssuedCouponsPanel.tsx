// Issued coupons, newest first, filtered by status and source (and by template on a template's page), with a code
// lookup: a code typed or pasted in any form opens that coupon and its redemptions.
import { Button, Flex, Input, Select, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Coupon, CouponSource, CouponStatus } from '../../../src/contracts/coupons.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { couponApi } from './api.ts';
import { CouponLookup } from './CouponLookup.tsx';
import { COUPON_SOURCES, COUPON_STATUSES, couponStatusTag } from './labels.ts';
import { formatCode, formatDay } from './preview.ts';

const PAGE_SIZE = 30;

export function IssuedCouponsPanel({ templateId, sourceRef }: { templateId?: string; sourceRef?: string }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [status, setStatus] = useState<CouponStatus | undefined>();
  const [source, setSource] = useState<CouponSource | undefined>();
  const [lookup, setLookup] = useState<string | null>(null);

  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      couponApi.listCoupons({ templateId, sourceRef, status, source, cursor, limit: PAGE_SIZE }),
    [templateId, sourceRef, status, source],
  );
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<Coupon> = [
    {
      title: t('coupons.coupons.code'),
      dataIndex: 'code',
      render: (code: string) => (
        <Button type="link" size="small" className="coupon-code" onClick={() => setLookup(code)}>
          {formatCode(code)}
        </Button>
      ),
    },
    ...(templateId
      ? []
      : [
          {
            title: t('coupons.coupons.template'),
            dataIndex: 'templateTitle',
            render: (title: string, c: Coupon) => <Link to={`/coupons/templates/${c.templateId}`}>{title}</Link>,
          },
        ]),
    {
      title: t('coupons.coupons.customer'),
      dataIndex: 'customerId',
      render: (id: string) => <Link to={`/customers/${id}`}>{t('coupons.coupons.openCustomer')}</Link>,
    },
    {
      title: t('coupons.coupons.status'),
      dataIndex: 'status',
      render: (s: CouponStatus) => <Tag color={couponStatusTag(s)}>{t(`coupons.couponStatuses.${s}`)}</Tag>,
    },
    { title: t('coupons.coupons.source'), dataIndex: 'source', render: (s: CouponSource) => t(`coupons.sources.${s}`) },
    { title: t('coupons.coupons.issuedAt'), dataIndex: 'issuedAt', render: (at: string) => formatTime(at) },
    { title: t('coupons.coupons.validUntil'), dataIndex: 'validUntil', render: (at: string) => formatDay(at, true) },
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        <Input.Search
          allowClear
          enterButton={t('coupons.lookup.button')}
          placeholder={t('coupons.lookup.placeholder')}
          aria-label={t('coupons.lookup.title')}
          className="filter-search"
          onSearch={(code) => {
            if (code.trim()) setLookup(code.trim());
          }}
        />
        <Select<CouponStatus>
          allowClear
          placeholder={t('coupons.coupons.filterStatus')}
          aria-label={t('coupons.coupons.filterStatus')}
          className="filter-select"
          options={COUPON_STATUSES.map((s) => ({ value: s, label: t(`coupons.couponStatuses.${s}`) }))}
          onChange={setStatus}
        />
        <Select<CouponSource>
          allowClear
          placeholder={t('coupons.coupons.filterSource')}
          aria-label={t('coupons.coupons.filterSource')}
          className="filter-select"
          options={COUPON_SOURCES.map((s) => ({ value: s, label: t(`coupons.sources.${s}`) }))}
          onChange={setSource}
        />
      </Flex>
      <Table<Coupon>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Typography.Text type="secondary">{t('coupons.coupons.empty')}</Typography.Text> }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      <CouponLookup code={lookup} onClose={() => setLookup(null)} />
    </>
  );
}
