// Customer list: search by name, phone, e-mail or any identity value; filters on city, gender and source channel;
// cursor paging with "load more"; a row opens the customer 360 page. With tag.apply, rows can be selected and
// tagged or untagged together; with import.run, a button leads to the import page set for customers.
import { UploadOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Input, Select, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { Customer, CustomerListQuery } from '../../../src/contracts/customers.ts';
import { api } from '../api.ts';
import { CHANNELS, GENDERS } from '../customers/labels.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { BulkTagPanel } from '../tags/BulkTagPanel.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { useTagGroups } from '../useTagGroups.ts';

type Filters = Pick<CustomerListQuery, 'q' | 'city' | 'gender' | 'sourceChannel'>;

const PAGE_SIZE = 30;

export default function CustomersPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const showError = useApiError();
  const { can } = useSession();
  const canTag = can('tag.apply');
  const tags = useTagGroups(canTag);
  const [selected, setSelected] = useState<string[]>([]);
  const [filters, setFilters] = useState<Filters>({});
  const fetchPage = useCallback(
    (cursor: string | undefined) => api.listCustomers({ ...filters, cursor, limit: PAGE_SIZE }),
    [filters],
  );
  const list = useCursorList(fetchPage, showError);
  const channelLabel = (channel: string | null) =>
    channel ? ((CHANNELS as readonly string[]).includes(channel) ? t(`channels.${channel as 'store'}`) : channel) : '—';

  const columns: TableColumnsType<Customer> = [
    {
      title: t('customers.name'),
      dataIndex: 'name',
      render: (name: string | null, customer) => (
        <Link to={`/customers/${customer.id}`}>{name ?? t('customers.unnamed')}</Link>
      ),
    },
    { title: t('customers.phone'), dataIndex: 'phone', render: (phone: string | null) => phone ?? '—' },
    {
      title: t('customers.gender'),
      dataIndex: 'gender',
      render: (gender: Customer['gender']) => t(`gender.${gender}`),
    },
    { title: t('customers.city'), dataIndex: 'city', render: (city: string | null) => city ?? '—' },
    { title: t('customers.sourceChannel'), dataIndex: 'sourceChannel', render: channelLabel },
    {
      title: t('customers.interests'),
      dataIndex: 'interests',
      render: (interests: string[]) =>
        interests.length ? interests.map((interest) => <Tag key={interest}>{interest}</Tag>) : '—',
    },
    { title: t('customers.lastSeenAt'), dataIndex: 'lastSeenAt', render: (at: string | null) => formatTime(at) },
  ];

  const set = (patch: Filters) => setFilters((current) => ({ ...current, ...patch }));

  return (
    <>
      <PageHeader
        title={t('nav.customers')}
        description={t('customers.description')}
        extra={
          can('import.run') && (
            <Button icon={<UploadOutlined />} onClick={() => navigate('/settings/imports?kind=customers')}>
              {t('customers.import')}
            </Button>
          )
        }
      />
      <Card>
        <Flex gap={12} wrap className="filters">
          <Input.Search
            allowClear
            enterButton
            placeholder={t('customers.searchPlaceholder')}
            aria-label={t('customers.search')}
            className="filter-search"
            onSearch={(value) => set({ q: value.trim() || undefined })}
          />
          <Input
            allowClear
            placeholder={t('customers.city')}
            aria-label={t('customers.city')}
            className="filter-input"
            onPressEnter={(event) => set({ city: event.currentTarget.value.trim() || undefined })}
            onChange={(event) => {
              if (!event.target.value) set({ city: undefined });
            }}
            onBlur={(event) => set({ city: event.currentTarget.value.trim() || undefined })}
          />
          <Select
            allowClear
            placeholder={t('customers.allGenders')}
            aria-label={t('customers.gender')}
            className="filter-select"
            value={filters.gender}
            onChange={(gender) => set({ gender })}
            options={GENDERS.map((gender) => ({ value: gender, label: t(`gender.${gender}`) }))}
          />
          <Select
            allowClear
            placeholder={t('customers.allChannels')}
            aria-label={t('customers.sourceChannel')}
            className="filter-select"
            value={filters.sourceChannel}
            onChange={(sourceChannel) => set({ sourceChannel })}
            options={CHANNELS.map((channel) => ({ value: channel, label: t(`channels.${channel}`) }))}
          />
        </Flex>
        {canTag && (
          <Flex vertical gap={8} className="selection-bar" data-testid="selection-bar">
            <Typography.Text type="secondary">
              {selected.length > 0 ? t('customers.selected', { count: selected.length }) : t('customers.selectHint')}
            </Typography.Text>
            {selected.length > 0 && (
              <BulkTagPanel
                groups={tags.groups}
                loading={tags.loading}
                run={(tagId, action) => api.bulkTag(tagId, { customerIds: selected }, action === 'remove')}
              />
            )}
          </Flex>
        )}
        <Table<Customer>
          rowKey="id"
          columns={columns}
          dataSource={list.items}
          loading={list.loading}
          pagination={false}
          scroll={{ x: 'max-content' }}
          rowSelection={
            canTag
              ? {
                  selectedRowKeys: selected,
                  onChange: (keys) => setSelected(keys.map(String)),
                  preserveSelectedRowKeys: true,
                }
              : undefined
          }
          onRow={(customer) => ({
            onClick: (event) => {
              const target = event.target as HTMLElement;
              if (!target.closest('a, .ant-table-selection-column')) navigate(`/customers/${customer.id}`);
            },
            className: 'clickable-row',
          })}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
        {!list.loading && list.items.length > 0 && (
          <Typography.Text type="secondary" className="list-footnote">
            {t('customers.shown', { count: list.items.length })}
          </Typography.Text>
        )}
      </Card>
    </>
  );
}
