// The cross-group duplicate report: customers who are in more than one group at once, with the groups and when they
// joined each, most groups first.
import { Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Duplicate } from '../../../src/contracts/community.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { communityApi } from './api.ts';

export function DuplicatesPanel() {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const fetchPage = useCallback((cursor: string | undefined) => communityApi.listDuplicates({ cursor, limit: 50 }), []);
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<Duplicate> = [
    {
      title: t('community.duplicates.customer'),
      dataIndex: 'name',
      render: (name: string, d) =>
        can('customer.read') ? <Link to={`/customers/${d.customerId}`}>{name || d.customerId}</Link> : name,
    },
    {
      title: t('community.duplicates.count'),
      key: 'count',
      align: 'right',
      render: (_: unknown, d) => d.groups.length,
    },
    {
      title: t('community.duplicates.groups'),
      key: 'groups',
      render: (_: unknown, d) =>
        d.groups.map((g) => (
          <Tag key={g.groupId} title={t('community.duplicates.joinedAt', { at: formatTime(g.joinedAt) })}>
            <Link to={`/community/groups/${g.groupId}`}>{g.name}</Link>
          </Tag>
        )),
    },
  ];

  return (
    <>
      <Typography.Paragraph type="secondary">{t('community.duplicates.hint')}</Typography.Paragraph>
      <Table<Duplicate>
        rowKey="customerId"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.duplicates.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
