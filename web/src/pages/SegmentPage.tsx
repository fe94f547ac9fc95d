// One segment: live count and last-updated time, its rule (read-only), members with load-more, an export to CSV
// or Excel that reports progress as its jobs run and ends with a download link, and tagging every member at once.
import { DeleteOutlined, DownloadOutlined, EditOutlined, ExportOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Flex,
  Popconfirm,
  Progress,
  Radio,
  Row,
  Skeleton,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type {
  ExportFormat,
  Segment,
  SegmentCount,
  SegmentExport,
  SegmentMember,
} from '../../../src/contracts/segments.ts';
import { api } from '../api.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { RuleEditor } from '../segments/RuleEditor.tsx';
import { fromRule } from '../segments/rule.ts';
import { useSession } from '../session.tsx';
import { BulkTagPanel } from '../tags/BulkTagPanel.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { useTagGroups } from '../useTagGroups.ts';

const PAGE_SIZE = 50;
const EXPORT_POLL_MS = 1000;
// The contract builds the state union from a list, which TypeScript widens to string.
type ExportState = 'queued' | 'running' | 'succeeded' | 'failed';

export default function SegmentPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const tags = useTagGroups(can('tag.read'));
  const [segment, setSegment] = useState<Segment | null>(null);
  const [count, setCount] = useState<SegmentCount | null>(null);

  useEffect(() => {
    api.getSegment(id).then(setSegment, showError);
    api.segmentCount(id).then(setCount, showError);
  }, [id, showError]);

  const fetchMembers = useCallback(
    (cursor: string | undefined) => api.segmentMembers(id, { cursor, limit: PAGE_SIZE }),
    [id],
  );
  const members = useCursorList(fetchMembers, showError);
  const tree = useMemo(() => (segment ? fromRule(segment.rule) : null), [segment]);

  const remove = async () => {
    try {
      await api.deleteSegment(id);
      void message.success(t('segments.deleted', { name: segment?.name }));
      navigate('/segments');
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<SegmentMember> = [
    {
      title: t('customers.name'),
      dataIndex: 'name',
      render: (name: string | null, member) => (
        <Link to={`/customers/${member.id}`}>{name ?? t('customers.unnamed')}</Link>
      ),
    },
    { title: t('customers.gender'), dataIndex: 'gender', render: (gender: string) => t(`gender.${gender as 'male'}`) },
    { title: t('customers.city'), dataIndex: 'city', render: (city: string | null) => city ?? '—' },
    { title: t('customers.seq'), dataIndex: 'seq' },
  ];

  if (!segment || !tree) return <Skeleton active />;

  return (
    <>
      <PageHeader
        title={segment.name}
        description={segment.description ?? undefined}
        extra={
          can('segment.manage') && (
            <Flex gap={8}>
              <Button icon={<EditOutlined />} onClick={() => navigate(`/segments/${id}/edit`)}>
                {t('segments.edit')}
              </Button>
              <Popconfirm
                title={t('segments.deleteConfirm', { name: segment.name })}
                okButtonProps={{ danger: true }}
                onConfirm={remove}
              >
                <Button danger icon={<DeleteOutlined />}>
                  {t('common.delete')}
                </Button>
              </Popconfirm>
            </Flex>
          )
        }
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={8}>
          <Flex vertical gap={16}>
            <Card>
              <Statistic
                title={t('segments.members')}
                value={count?.count ?? segment.memberCount}
                suffix={t('segments.people')}
              />
              <Typography.Text type="secondary" className="live-count-meta" data-testid="segment-refreshed">
                {t('segments.dataUpdatedAt', { time: formatTime(count?.refreshedAt ?? segment.refreshedAt) })}
              </Typography.Text>
              <Descriptions column={1} size="small" className="segment-facts">
                <Descriptions.Item label={t('segments.kind')}>
                  <Tag color={segment.kind === 'dynamic' ? 'green' : 'blue'}>{t(`segments.kinds.${segment.kind}`)}</Tag>
                </Descriptions.Item>
                <Descriptions.Item label={t('segments.refreshedAt')}>
                  {formatTime(segment.refreshedAt)}
                </Descriptions.Item>
                <Descriptions.Item label={t('segments.createdAt')}>{formatTime(segment.createdAt)}</Descriptions.Item>
              </Descriptions>
            </Card>
            {can('segment.export') && <ExportCard segmentId={id} />}
            {can('tag.apply') && (
              <Card title={t('segments.tagMembers')}>
                <Flex vertical gap={12}>
                  <Typography.Text type="secondary">{t('segments.tagMembersHint')}</Typography.Text>
                  <BulkTagPanel
                    groups={tags.groups}
                    loading={tags.loading}
                    run={(tagId, action) => api.tagSegment(id, { tagId, action })}
                  />
                </Flex>
              </Card>
            )}
          </Flex>
        </Col>
        <Col xs={24} xl={16}>
          <Flex vertical gap={16}>
            <Card title={t('segments.rule')}>
              <RuleEditor value={tree} readOnly tagGroups={tags.groups} tagsLoading={tags.loading} />
            </Card>
            <Card title={t('segments.memberList')}>
              <Table<SegmentMember>
                rowKey="id"
                columns={columns}
                dataSource={members.items}
                loading={members.loading}
                pagination={false}
                size="middle"
              />
              <LoadMore hasMore={members.hasMore} loading={members.loading} onClick={members.loadMore} />
            </Card>
          </Flex>
        </Col>
      </Row>
    </>
  );
}

/** Starts an export in the chosen format, polls its progress, and once it has succeeded offers the download. */
function ExportCard({ segmentId }: { segmentId: string }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [job, setJob] = useState<SegmentExport | null>(null);
  const [starting, setStarting] = useState(false);

  const running = job !== null && (job.state === 'queued' || job.state === 'running');

  useEffect(() => {
    if (!job || !running) return;
    const timer = setTimeout(() => {
      api.segmentExport(segmentId, job.id).then(setJob, showError);
    }, EXPORT_POLL_MS);
    return () => clearTimeout(timer);
  }, [job, running, segmentId, showError]);

  const start = async () => {
    setStarting(true);
    try {
      setJob(await api.startSegmentExport(segmentId, format));
    } catch (error) {
      showError(error);
    } finally {
      setStarting(false);
    }
  };

  const status = job?.state === 'failed' ? 'exception' : job?.state === 'succeeded' ? 'success' : 'active';

  return (
    <Card title={t('segments.export')}>
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{t('segments.exportHint')}</Typography.Text>
        <Radio.Group
          value={format}
          onChange={(event) => setFormat(event.target.value as ExportFormat)}
          disabled={running}
          aria-label={t('segments.exportFormat')}
          options={[
            { value: 'csv', label: t('segments.formats.csv') },
            { value: 'xlsx', label: t('segments.formats.xlsx') },
          ]}
        />
        {job && (
          <div data-testid="export-progress" data-state={job.state}>
            <Progress percent={job.state === 'succeeded' ? 100 : job.progress} status={status} />
            <Typography.Text type="secondary">
              {t(`segments.exportStates.${job.state as ExportState}`)}
              {job.total > 0 && ` · ${t('segments.exportDone', { done: job.done, total: job.total })}`}
              {!job.clearPii && ` · ${t('segments.exportMasked')}`}
            </Typography.Text>
            {job.error && <Typography.Paragraph type="danger">{job.error}</Typography.Paragraph>}
          </div>
        )}
        <Flex gap={8} wrap>
          <Button icon={<ExportOutlined />} onClick={() => void start()} loading={starting} disabled={running}>
            {format === 'csv' ? t('segments.exportCsv') : t('segments.exportXlsx')}
          </Button>
          {job?.state === 'succeeded' && (
            <Button
              type="primary"
              icon={<DownloadOutlined />}
              href={api.segmentExportFileUrl(segmentId, job.id)}
              download={job.filename}
            >
              {t('segments.download')}
            </Button>
          )}
        </Flex>
      </Flex>
    </Card>
  );
}
