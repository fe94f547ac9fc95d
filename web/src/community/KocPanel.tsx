// KOC discovery: customers ranked by how much and on how many days they write, whom they brought into groups, and
// the tone of what they write (lexicon sentiment), in one group or all over chosen days; the best are marked KOC.
import { CrownOutlined } from '@ant-design/icons';
import {
  Button,
  DatePicker,
  Flex,
  Progress,
  Select,
  Table,
  type TableColumnsType,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { KocCandidate, KocReport } from '../../../src/contracts/community.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { communityApi } from './api.ts';
import { roleTag } from './labels.ts';
import { groupOptions, useGroups } from './useGroups.ts';

const DAY = 'YYYY-MM-DD';

export function KocPanel() {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const { groups, loading: groupsLoading } = useGroups();
  const [groupId, setGroupId] = useState<string | undefined>();
  // No range until one is picked: the server ranks the 30 days up to today in the workspace's time zone, which the
  // browser's own clock may not agree with around midnight.
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const [report, setReport] = useState<KocReport | null>(null);
  const items = report?.items ?? [];
  const [loading, setLoading] = useState(false);

  const load = useCallback(() => {
    setLoading(true);
    communityApi
      .koc({ groupId, ...(range ? { from: range[0].format(DAY), to: range[1].format(DAY) } : {}), limit: 100 })
      .then(setReport, showError)
      .finally(() => setLoading(false));
  }, [groupId, range, showError]);
  useEffect(() => load(), [load]);

  const mark = async (candidate: KocCandidate) => {
    try {
      await communityApi.setRoleEverywhere(candidate.memberId, 'koc', groupId);
      load();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<KocCandidate> = [
    { title: t('community.koc.rank'), key: 'rank', render: (_: unknown, __, index) => index + 1 },
    {
      title: t('community.koc.member'),
      dataIndex: 'name',
      render: (name: string, k) => (
        <Flex vertical>
          <span>
            {k.customerId && can('customer.read') ? <Link to={`/customers/${k.customerId}`}>{name}</Link> : name}
            {k.koc && (
              <Tag color="gold" icon={<CrownOutlined />} className="community-inline-tag">
                {t('community.roles.koc')}
              </Tag>
            )}
          </span>
          <span>
            {k.groups.map((g) => (
              <Tag key={g.groupId} color={roleTag(g.role)}>
                {g.name}
              </Tag>
            ))}
          </span>
        </Flex>
      ),
    },
    { title: t('community.koc.messages'), dataIndex: 'messages', align: 'right' },
    { title: t('community.koc.activeDays'), dataIndex: 'activeDays', align: 'right' },
    { title: t('community.koc.invited'), dataIndex: 'invited', align: 'right' },
    {
      title: t('community.koc.positivity'),
      key: 'positivity',
      render: (_: unknown, k) =>
        k.positivity === null ? (
          <Typography.Text type="secondary">—</Typography.Text>
        ) : (
          <Tooltip
            title={t('community.koc.positivityOf', { positive: k.positiveMessages, negative: k.negativeMessages })}
          >
            <Progress percent={k.positivity} size="small" status={k.positivity >= 50 ? 'success' : 'exception'} />
          </Tooltip>
        ),
    },
    {
      title: <Tooltip title={t('community.koc.scoreHint')}>{t('community.koc.score')}</Tooltip>,
      dataIndex: 'score',
      align: 'right',
      render: (score: number) => <Typography.Text strong>{score}</Typography.Text>,
    },
    ...(can('community.manage')
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, k: KocCandidate) =>
              !k.koc && (
                <Button size="small" icon={<CrownOutlined />} onClick={() => void mark(k)}>
                  {t('community.koc.mark')}
                </Button>
              ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Flex gap={12} wrap className="filters">
        <Select<string>
          allowClear
          showSearch
          optionFilterProp="label"
          loading={groupsLoading}
          placeholder={t('community.stats.allGroups')}
          aria-label={t('community.stats.group')}
          className="filter-select"
          options={groupOptions(groups)}
          onChange={setGroupId}
        />
        <DatePicker.RangePicker
          allowClear={false}
          value={range ?? (report ? [dayjs(report.from), dayjs(report.to)] : null)}
          aria-label={t('community.stats.range')}
          onChange={(value) => {
            if (value?.[0] && value[1]) setRange([value[0], value[1]]);
          }}
        />
      </Flex>
      <Table<KocCandidate>
        rowKey="memberId"
        size="middle"
        columns={columns}
        dataSource={items}
        loading={loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.koc.empty') }}
      />
    </>
  );
}
