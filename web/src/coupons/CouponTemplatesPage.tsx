// 优惠券: the workspace's coupon templates (each read as members will read it), and in further tabs the issued coupons
// with a code lookup, the redemption records and the issuance rules. The tab is kept in the address.
import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Input, Select, Table, type TableColumnsType, Tabs, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import type { CouponKind, CouponTemplate, TemplateStatus } from '../../../src/contracts/coupons.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { couponApi } from './api.ts';
import { IssuedCouponsPanel } from './IssuedCouponsPanel.tsx';
import { COUPON_KINDS, kindTag, TEMPLATE_STATUSES, templateStatusTag } from './labels.ts';
import { headline, validityText } from './preview.ts';
import { RedemptionsPanel } from './RedemptionsPanel.tsx';
import { RulesPanel } from './RulesPanel.tsx';
import { TemplateForm } from './TemplateForm.tsx';

const PAGE_SIZE = 30;
const TABS = ['templates', 'coupons', 'redemptions', 'rules'] as const;
type TabKey = (typeof TABS)[number];

export default function CouponTemplatesPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const tab = (TABS as readonly string[]).includes(params.get('tab') ?? '')
    ? (params.get('tab') as TabKey)
    : 'templates';

  return (
    <>
      <PageHeader
        title={t('nav.coupons')}
        description={t('coupons.description')}
        extra={
          can('coupon.manage') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('coupons.templates.new')}
            </Button>
          )
        }
      />
      <Card>
        <Tabs
          activeKey={tab}
          onChange={(key) => setParams(key === 'templates' ? {} : { tab: key }, { replace: true })}
          destroyOnHidden
          items={[
            { key: 'templates', label: t('coupons.tabs.templates'), children: <TemplateList /> },
            { key: 'coupons', label: t('coupons.tabs.coupons'), children: <IssuedCouponsPanel /> },
            { key: 'redemptions', label: t('coupons.tabs.redemptions'), children: <RedemptionsPanel /> },
            { key: 'rules', label: t('coupons.tabs.rules'), children: <RulesPanel /> },
          ]}
        />
      </Card>
      <TemplateForm
        open={creating}
        template={null}
        onClose={() => setCreating(false)}
        onSaved={(saved) => {
          setCreating(false);
          navigate(`/coupons/templates/${saved.id}`);
        }}
      />
    </>
  );
}

function TemplateList() {
  const { t } = useTranslation();
  const showError = useApiError();
  const [status, setStatus] = useState<TemplateStatus | undefined>();
  const [kind, setKind] = useState<CouponKind | undefined>();
  const [q, setQ] = useState<string | undefined>();
  const fetchPage = useCallback(
    (cursor: string | undefined) => couponApi.listTemplates({ status, kind, q, cursor, limit: PAGE_SIZE }),
    [status, kind, q],
  );
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<CouponTemplate> = [
    {
      title: t('coupons.templates.title'),
      dataIndex: 'title',
      render: (title: string, tpl) => (
        <Flex vertical>
          <Link to={`/coupons/templates/${tpl.id}`}>{title}</Link>
          <Typography.Text className="coupon-headline small-text">{headline(t, tpl)}</Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('coupons.templates.kind'),
      dataIndex: 'kind',
      render: (k: CouponKind) => <Tag color={kindTag(k)}>{t(`coupons.kinds.${k}`)}</Tag>,
    },
    {
      title: t('coupons.templates.status'),
      dataIndex: 'status',
      render: (s: TemplateStatus) => <Tag color={templateStatusTag(s)}>{t(`coupons.templateStatuses.${s}`)}</Tag>,
    },
    {
      title: t('coupons.templates.stock'),
      key: 'stock',
      align: 'right',
      render: (_: unknown, tpl) =>
        tpl.totalStock === null
          ? t('coupons.templates.issuedUnlimited', { issued: tpl.issuedCount })
          : `${tpl.issuedCount} / ${tpl.totalStock}`,
    },
    {
      title: t('coupons.templates.redeemed'),
      key: 'redeemed',
      align: 'right',
      render: (_: unknown, tpl) => tpl.stats.redeemed,
    },
    { title: t('coupons.templates.validity'), key: 'validity', render: (_: unknown, tpl) => validityText(t, tpl) },
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        <Input.Search
          allowClear
          placeholder={t('coupons.templates.search')}
          aria-label={t('common.search')}
          className="filter-search"
          onSearch={(value) => setQ(value.trim() || undefined)}
        />
        <Select<TemplateStatus>
          allowClear
          placeholder={t('coupons.templates.filterStatus')}
          aria-label={t('coupons.templates.filterStatus')}
          className="filter-select"
          options={TEMPLATE_STATUSES.map((s) => ({ value: s, label: t(`coupons.templateStatuses.${s}`) }))}
          onChange={setStatus}
        />
        <Select<CouponKind>
          allowClear
          placeholder={t('coupons.templates.filterKind')}
          aria-label={t('coupons.templates.filterKind')}
          className="filter-select"
          options={COUPON_KINDS.map((k) => ({ value: k, label: t(`coupons.kinds.${k}`) }))}
          onChange={setKind}
        />
      </Flex>
      <Table<CouponTemplate>
        rowKey="id"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('coupons.templates.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
