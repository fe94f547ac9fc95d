// The moderation log: each violation with its rule, the member, what matched, the evidence message as written,
// and what was done (a warning sent, a removal requested). For one group, or every group with its name shown.
import { Flex, Select, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModerationAction, ModerationKind, Violation } from '../../../src/contracts/community.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { communityApi } from './api.ts';
import { actionTag, MODERATION_KINDS } from './labels.ts';

const PAGE_SIZE = 50;

export function ViolationsTable({ groupId }: { groupId?: string }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [kind, setKind] = useState<ModerationKind | undefined>();
  const fetchPage = useCallback(
    (cursor: string | undefined) => communityApi.listViolations({ groupId, kind, cursor, limit: PAGE_SIZE }),
    [groupId, kind],
  );
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<Violation> = [
    { title: t('community.violations.at'), dataIndex: 'at', render: (at: string) => formatTime(at) },
    ...(groupId ? [] : [{ title: t('community.violations.group'), dataIndex: 'groupName' }]),
    {
      title: t('community.violations.member'),
      dataIndex: 'memberName',
      render: (name: string, v: Violation) => (
        <Flex vertical>
          <span>{name}</span>
          <Typography.Text type="secondary" className="small-text">
            {v.memberId}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.violations.rule'),
      dataIndex: 'ruleName',
      render: (name: string, v: Violation) => (
        <Flex vertical>
          <span>{name}</span>
          <Typography.Text type="secondary" className="small-text">
            {t(`community.moderationKinds.${v.kind}`)}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.violations.evidence'),
      dataIndex: 'evidence',
      render: (evidence: string, v: Violation) => (
        <Flex vertical className="community-message">
          <Typography.Text>{evidence}</Typography.Text>
          <span>
            {v.matched.map((m) => (
              <Tag key={m} color="red">
                {v.kind === 'flood'
                  ? t('community.violations.floodCount', { count: Number(m) })
                  : v.kind === 'qr_code'
                    ? t(`community.violations.qrKinds.${m as 'image_qr_code'}`, { defaultValue: m })
                    : m}
              </Tag>
            ))}
          </span>
        </Flex>
      ),
    },
    {
      title: t('community.violations.action'),
      dataIndex: 'action',
      render: (action: ModerationAction) => (
        <Tag color={actionTag(action)}>{t(`community.moderationActions.${action}`)}</Tag>
      ),
    },
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        <Select<ModerationKind>
          allowClear
          placeholder={t('community.violations.kind')}
          aria-label={t('community.violations.kind')}
          className="filter-select"
          options={MODERATION_KINDS.map((k) => ({ value: k, label: t(`community.moderationKinds.${k}`) }))}
          onChange={setKind}
        />
      </Flex>
      <Table<Violation>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.violations.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
