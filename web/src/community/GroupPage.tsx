// One customer group: its owner, admins and notice, and in tabs its members (with their roles, joins and leaves),
// its messages from the session archive (with the rules each broke), its moderation log and its statistics.
import { ArrowLeftOutlined } from '@ant-design/icons';
import {
  Button,
  Card,
  Descriptions,
  Flex,
  Result,
  Select,
  Skeleton,
  Switch,
  Table,
  type TableColumnsType,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import type {
  Group,
  Member,
  MemberRole,
  MemberStatus,
  Message,
  MessageType,
  WeComRole,
} from '../../../src/contracts/community.ts';
import { ApiError } from '../api.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { communityApi } from './api.ts';
import { groupStatusTag, MEMBER_ROLES, MEMBER_STATUSES, memberStatusTag, roleTag, wecomRoleTag } from './labels.ts';
import { StatsView } from './StatsView.tsx';
import { ViolationsTable } from './ViolationsTable.tsx';
import './community.css';

const PAGE_SIZE = 50;

export default function GroupPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const showError = useApiError();
  const [group, setGroup] = useState<Group | null>(null);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    communityApi.getGroup(id).then(setGroup, (error: unknown) => {
      if (error instanceof ApiError && error.status === 404) setMissing(true);
      else showError(error);
    });
  }, [id, showError]);

  if (missing) return <Result status="404" title={t('community.groups.notFound')} />;
  if (!group) return <Skeleton active />;
  return (
    <>
      <PageHeader
        title={group.name || group.chatId}
        extra={
          <Link to="/community">
            <Button icon={<ArrowLeftOutlined />}>{t('community.groups.back')}</Button>
          </Link>
        }
      />
      <Card className="community-section">
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('community.groups.owner')}>{group.ownerUserId}</Descriptions.Item>
          <Descriptions.Item label={t('community.groups.admins')}>
            {group.adminUserIds.join('、') || '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('community.groups.status')}>
            <Tag color={groupStatusTag(group.status)}>{t(`community.groupStatuses.${group.status}`)}</Tag>
          </Descriptions.Item>
          <Descriptions.Item label={t('community.groups.members')}>
            {t('community.groups.memberCounts', { members: group.memberCount, customers: group.externalCount })}
          </Descriptions.Item>
          <Descriptions.Item label={t('community.groups.createdAt')}>{formatTime(group.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('community.groups.syncedAt')}>{formatTime(group.syncedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('community.groups.chatId')}>
            <Typography.Text copyable>{group.chatId}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('community.groups.notice')} span={2}>
            {group.notice || '—'}
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Card>
        <Tabs
          destroyOnHidden
          items={[
            { key: 'members', label: t('community.detail.members'), children: <MembersTab group={group} /> },
            { key: 'messages', label: t('community.detail.messages'), children: <MessagesTab groupId={group.id} /> },
            {
              key: 'moderation',
              label: t('community.detail.moderation'),
              children: <ViolationsTable groupId={group.id} />,
            },
            { key: 'stats', label: t('community.detail.stats'), children: <StatsView groupId={group.id} /> },
          ]}
        />
      </Card>
    </>
  );
}

function MembersTab({ group }: { group: Group }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const [status, setStatus] = useState<MemberStatus | undefined>('active');
  const [role, setRole] = useState<MemberRole | undefined>();
  const fetchPage = useCallback(
    (cursor: string | undefined) => communityApi.listMembers(group.id, { status, role, cursor, limit: PAGE_SIZE }),
    [group.id, status, role],
  );
  const list = useCursorList(fetchPage, showError);

  const changeRole = async (member: Member, next: MemberRole) => {
    try {
      const saved = await communityApi.setRole(group.id, member.memberId, next);
      list.replace((m) => m.memberId === member.memberId, saved);
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Member> = [
    {
      title: t('community.members.name'),
      dataIndex: 'name',
      render: (name: string, m) => (
        <Flex vertical>
          <span>
            {name || m.memberId}
            {m.blacklisted && (
              <Tag color="red" className="community-inline-tag">
                {t('community.members.blacklisted')}
              </Tag>
            )}
          </span>
          <Typography.Text type="secondary" className="small-text">
            {m.memberId}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.members.type'),
      dataIndex: 'type',
      render: (type: Member['type']) => t(`community.memberTypes.${type}`),
    },
    {
      title: t('community.members.wecomRole'),
      dataIndex: 'wecomRole',
      render: (r: WeComRole) => <Tag color={wecomRoleTag(r)}>{t(`community.wecomRoles.${r}`)}</Tag>,
    },
    {
      title: t('community.members.role'),
      dataIndex: 'role',
      render: (r: MemberRole, m) =>
        can('community.manage') && m.status === 'active' ? (
          <Select<MemberRole>
            size="small"
            value={r}
            aria-label={t('community.members.setRoleOf', { name: m.name || m.memberId })}
            className="community-role-select"
            options={MEMBER_ROLES.map((value) => ({ value, label: t(`community.roles.${value}`) }))}
            onChange={(next) => void changeRole(m, next)}
          />
        ) : (
          <Tag color={roleTag(r)}>{t(`community.roles.${r}`)}</Tag>
        ),
    },
    {
      title: t('community.members.status'),
      dataIndex: 'status',
      render: (s: MemberStatus) => <Tag color={memberStatusTag(s)}>{t(`community.memberStatuses.${s}`)}</Tag>,
    },
    { title: t('community.members.joinedAt'), dataIndex: 'joinedAt', render: (at: string | null) => formatTime(at) },
    {
      title: t('community.members.joinScene'),
      key: 'joinScene',
      render: (_: unknown, m) =>
        [
          m.joinScene === null ? null : t(`community.joinScenes.${m.joinScene as 1 | 2 | 3}`, { defaultValue: '—' }),
          m.invitorId ? t('community.members.invitedBy', { invitor: m.invitorId }) : null,
          m.joinState ? t('community.members.viaCode') : null,
        ]
          .filter(Boolean)
          .join(' · ') || '—',
    },
    {
      title: t('community.members.leftAt'),
      key: 'left',
      render: (_: unknown, m) =>
        m.leftAt
          ? `${formatTime(m.leftAt)}${m.quitScene === null ? '' : ` · ${t(`community.quitScenes.${m.quitScene as 0 | 1}`)}`}`
          : '—',
    },
    {
      title: t('community.members.customer'),
      dataIndex: 'customerId',
      render: (customerId: string | null) =>
        customerId && can('customer.read') ? (
          <Link to={`/customers/${customerId}`}>{t('community.members.viewCustomer')}</Link>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        <Select<MemberStatus>
          allowClear
          value={status}
          placeholder={t('community.members.status')}
          aria-label={t('community.members.status')}
          className="filter-select"
          options={MEMBER_STATUSES.map((s) => ({ value: s, label: t(`community.memberStatuses.${s}`) }))}
          onChange={setStatus}
        />
        <Select<MemberRole>
          allowClear
          placeholder={t('community.members.role')}
          aria-label={t('community.members.role')}
          className="filter-select"
          options={MEMBER_ROLES.map((r) => ({ value: r, label: t(`community.roles.${r}`) }))}
          onChange={setRole}
        />
      </Flex>
      <Table<Member>
        rowKey="memberId"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.members.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}

function MessagesTab({ groupId }: { groupId: string }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [flagged, setFlagged] = useState(false);
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      communityApi.listMessages(groupId, { flagged: flagged || undefined, cursor, limit: PAGE_SIZE }),
    [groupId, flagged],
  );
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<Message> = [
    { title: t('community.messages.sentAt'), dataIndex: 'sentAt', render: (at: string) => formatTime(at) },
    {
      title: t('community.messages.sender'),
      dataIndex: 'senderName',
      render: (name: string, m) => (
        <span>
          {name}
          {m.senderType === 'internal' && (
            <Tag className="community-inline-tag">{t('community.memberTypes.internal')}</Tag>
          )}
        </span>
      ),
    },
    {
      title: t('community.messages.type'),
      dataIndex: 'type',
      render: (type: MessageType, m) => (
        <>
          {t(`community.messageTypes.${type}`)}
          {m.qrCode && <Tag className="community-inline-tag">{t('community.messages.qrCode')}</Tag>}
        </>
      ),
    },
    {
      title: t('community.messages.content'),
      dataIndex: 'content',
      render: (content: string, m) => (
        <Flex vertical className="community-message">
          <Typography.Text delete={m.recalled}>{content || '—'}</Typography.Text>
          {m.url && (
            <Typography.Text type="secondary" className="small-text">
              {m.url}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('community.messages.sentiment'),
      dataIndex: 'sentiment',
      align: 'right',
      render: (s: number) => (
        <Typography.Text type={s > 0 ? 'success' : s < 0 ? 'danger' : 'secondary'}>
          {s > 0 ? `+${s}` : s}
        </Typography.Text>
      ),
    },
    {
      title: t('community.messages.violations'),
      dataIndex: 'violations',
      render: (names: string[], m) => (
        <>
          {m.recalled && <Tag>{t('community.messages.recalled')}</Tag>}
          {names.map((n) => (
            <Tag key={n} color="red">
              {n}
            </Tag>
          ))}
        </>
      ),
    },
  ];

  return (
    <>
      <Flex gap={8} align="center" className="filters">
        <Switch checked={flagged} onChange={setFlagged} aria-label={t('community.messages.flagged')} />
        <Typography.Text>{t('community.messages.flagged')}</Typography.Text>
      </Flex>
      <Table<Message>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.messages.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
