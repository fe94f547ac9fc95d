// The group list: each group with its owner, members (customers among them) and its last 7 days — joins, quits,
// messages and members who wrote — searchable by name or chat id; a group opens its detail page.
import { Flex, Input, Select, Table, type TableColumnsType, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Group, GroupStatus } from '../../../src/contracts/community.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { communityApi } from './api.ts';
import { GROUP_STATUSES, groupStatusTag } from './labels.ts';

const PAGE_SIZE = 30;

export function GroupsPanel() {
  const { t } = useTranslation();
  const showError = useApiError();
  const [q, setQ] = useState<string | undefined>();
  const [status, setStatus] = useState<GroupStatus | undefined>('active');
  const fetchPage = useCallback(
    (cursor: string | undefined) => communityApi.listGroups({ q, status, cursor, limit: PAGE_SIZE }),
    [q, status],
  );
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<Group> = [
    {
      title: t('community.groups.name'),
      dataIndex: 'name',
      render: (name: string, g) => (
        <Flex vertical>
          <Link to={`/community/groups/${g.id}`}>{name || g.chatId}</Link>
          {g.syncError && (
            <Typography.Text type="danger" className="small-text">
              {t('community.groups.syncError', { code: g.syncError })}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    { title: t('community.groups.owner'), dataIndex: 'ownerUserId' },
    {
      title: t('community.groups.members'),
      key: 'members',
      align: 'right',
      render: (_: unknown, g) => (
        <Tooltip title={t('community.groups.externalHint', { count: g.externalCount })}>
          {g.memberCount} / {g.externalCount}
        </Tooltip>
      ),
    },
    { title: t('community.groups.joins7d'), key: 'joins', align: 'right', render: (_: unknown, g) => g.stats.joins },
    { title: t('community.groups.quits7d'), key: 'quits', align: 'right', render: (_: unknown, g) => g.stats.quits },
    {
      title: t('community.groups.messages7d'),
      key: 'messages',
      align: 'right',
      render: (_: unknown, g) => g.stats.messages,
    },
    {
      title: t('community.groups.active7d'),
      key: 'active',
      align: 'right',
      render: (_: unknown, g) => g.stats.activeMembers,
    },
    {
      title: t('community.groups.status'),
      dataIndex: 'status',
      render: (s: GroupStatus) => <Tag color={groupStatusTag(s)}>{t(`community.groupStatuses.${s}`)}</Tag>,
    },
    { title: t('community.groups.syncedAt'), dataIndex: 'syncedAt', render: (at: string | null) => formatTime(at) },
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        <Input.Search
          allowClear
          placeholder={t('community.groups.search')}
          aria-label={t('common.search')}
          className="filter-search"
          onSearch={(value) => setQ(value.trim() || undefined)}
        />
        <Select<GroupStatus>
          allowClear
          value={status}
          placeholder={t('community.groups.status')}
          aria-label={t('community.groups.status')}
          className="filter-select"
          options={GROUP_STATUSES.map((s) => ({ value: s, label: t(`community.groupStatuses.${s}`) }))}
          onChange={setStatus}
        />
      </Flex>
      <Table<Group>
        rowKey="id"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.groups.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
