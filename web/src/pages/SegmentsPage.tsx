// Segments of the workspace: name, kind, member count and when the members were last brought up to date.
import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { Segment } from '../../../src/contracts/segments.ts';
import { api } from '../api.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';

const PAGE_SIZE = 30;

export default function SegmentsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const showError = useApiError();
  const fetchPage = useCallback((cursor: string | undefined) => api.listSegments({ cursor, limit: PAGE_SIZE }), []);
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<Segment> = [
    {
      title: t('segments.name'),
      dataIndex: 'name',
      render: (name: string, segment) => (
        <>
          <Link to={`/segments/${segment.id}`}>{name}</Link>
          {segment.description && (
            <Typography.Paragraph type="secondary" ellipsis className="segment-list-description">
              {segment.description}
            </Typography.Paragraph>
          )}
        </>
      ),
    },
    {
      title: t('segments.kind'),
      dataIndex: 'kind',
      render: (kind: Segment['kind']) => (
        <Tag color={kind === 'dynamic' ? 'green' : 'blue'}>{t(`segments.kinds.${kind}`)}</Tag>
      ),
    },
    {
      title: t('segments.members'),
      dataIndex: 'memberCount',
      align: 'right',
      render: (count: number) => count.toLocaleString(),
    },
    { title: t('segments.refreshedAt'), dataIndex: 'refreshedAt', render: (at: string | null) => formatTime(at) },
    { title: t('segments.updatedAt'), dataIndex: 'updatedAt', render: (at: string) => formatTime(at) },
  ];

  return (
    <>
      <PageHeader
        title={t('nav.segments')}
        description={t('segments.description')}
        extra={
          can('segment.manage') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/segments/new')}>
              {t('segments.new')}
            </Button>
          )
        }
      />
      <Card>
        <Table<Segment>
          rowKey="id"
          columns={columns}
          dataSource={list.items}
          loading={list.loading}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: t('segments.empty') }}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      </Card>
    </>
  );
}
