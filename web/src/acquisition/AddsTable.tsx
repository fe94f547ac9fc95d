// The adds behind the statistics, newest first: who added which guide through which code (or link) and when, and
// whether the relationship has since been lost. Customers open their 360 page for those who may read customers.
import { Table, type TableColumnsType, Tag } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Acquisition } from '../../../src/contracts/acquisition.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { acquisitionApi } from './api.ts';

export function AddsTable({ codeId, channelId }: { codeId?: string; channelId?: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const fetchPage = useCallback(
    (cursor: string | undefined) => acquisitionApi.listAdds({ codeId, channelId, cursor }),
    [codeId, channelId],
  );
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<Acquisition> = [
    { title: t('acquisition.adds.addedAt'), dataIndex: 'addedAt', width: 170, render: (v: string) => formatTime(v) },
    {
      title: t('acquisition.adds.customer'),
      dataIndex: 'customerName',
      render: (name: string | null, a) => {
        const label = name ?? t('customers.unnamed');
        return can('customer.read') ? <Link to={`/customers/${a.customerId}`}>{label}</Link> : label;
      },
    },
    { title: t('acquisition.adds.code'), dataIndex: 'codeName' },
    { title: t('acquisition.adds.channel'), dataIndex: ['channel', 'name'] },
    {
      title: t('acquisition.adds.guide'),
      dataIndex: 'guideName',
      render: (name: string | null, a) => name ?? a.wecomUserId,
    },
    {
      title: t('acquisition.adds.status'),
      dataIndex: 'lostStatus',
      render: (status: Acquisition['lostStatus'], a) =>
        status ? (
          <Tag color="red" title={formatTime(a.lostAt)}>
            {t(`acquisition.lostStatuses.${status}`)}
          </Tag>
        ) : (
          <Tag color="green">{t('acquisition.adds.kept')}</Tag>
        ),
    },
  ];

  return (
    <>
      <Table<Acquisition>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('acquisition.adds.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
