// Background jobs, opened on the dead letters: jobs that used up their attempts and wait for a human to retry them.
import { RedoOutlined } from '@ant-design/icons';
import { App, Button, Card, Flex, Select, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Job } from '../../../src/contracts/foundation.ts';
import { api } from '../api.ts';
import { JOB_STATE_LIST, type JobState } from '../choices.ts';
import { formatJson, formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';

const PAGE_SIZE = 50;
const STATE_COLORS: Record<JobState, string> = {
  dead: 'error',
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
};

function isJobState(state: string): state is JobState {
  return (JOB_STATE_LIST as string[]).includes(state);
}

export default function JobsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [state, setState] = useState<JobState>('dead');
  const [retrying, setRetrying] = useState<string | null>(null);

  const fetchPage = useCallback(
    (cursor: string | undefined) => api.listJobs({ state, cursor, limit: PAGE_SIZE }),
    [state],
  );
  const list = useCursorList(fetchPage, showError);

  const retry = async (job: Job) => {
    setRetrying(job.id);
    try {
      list.replace((item) => item.id === job.id, await api.retryJob(job.id));
      void message.success(t('jobs.retried', { kind: job.kind }));
    } catch (error) {
      showError(error);
    } finally {
      setRetrying(null);
    }
  };

  const columns: TableColumnsType<Job> = [
    { title: t('jobs.kind'), dataIndex: 'kind', render: (kind: string) => <code>{kind}</code> },
    {
      title: t('jobs.state'),
      dataIndex: 'state',
      render: (jobState: string) =>
        isJobState(jobState) ? (
          <Tag color={STATE_COLORS[jobState]}>{t(`jobs.states.${jobState}`)}</Tag>
        ) : (
          <Tag>{jobState}</Tag>
        ),
    },
    {
      title: t('jobs.attempts'),
      key: 'attempts',
      render: (_, job) => `${job.attempts} / ${job.maxAttempts}`,
    },
    {
      title: t('jobs.lastError'),
      dataIndex: 'lastError',
      render: (lastError: string | null) =>
        lastError ? (
          <Typography.Text type="danger" ellipsis={{ tooltip: lastError }} className="job-error">
            {lastError}
          </Typography.Text>
        ) : (
          '—'
        ),
    },
    {
      title: t('jobs.payload'),
      dataIndex: 'payload',
      render: (payload: unknown) => (
        <Typography.Text code ellipsis={{ tooltip: formatJson(payload) }} className="job-payload">
          {JSON.stringify(payload)}
        </Typography.Text>
      ),
    },
    { title: t('jobs.createdAt'), dataIndex: 'createdAt', render: (value: string) => formatTime(value) },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, job) =>
        job.state === 'dead' ? (
          <Button size="small" icon={<RedoOutlined />} loading={retrying === job.id} onClick={() => void retry(job)}>
            {t('jobs.retry')}
          </Button>
        ) : null,
    },
  ];

  return (
    <>
      <PageHeader title={t('nav.jobs')} description={t('jobs.description')} />
      <Card>
        <Flex gap={12} align="center" className="filters">
          <Typography.Text>{t('jobs.state')}</Typography.Text>
          <Select<JobState>
            value={state}
            aria-label={t('jobs.state')}
            className="filter-select"
            options={JOB_STATE_LIST.map((value) => ({ value, label: t(`jobs.states.${value}`) }))}
            onChange={setState}
          />
        </Flex>
        <Table<Job>
          rowKey="id"
          columns={columns}
          dataSource={list.items}
          loading={list.loading}
          pagination={false}
          scroll={{ x: 'max-content' }}
          expandable={{
            expandedRowRender: (job) => (
              <>
                <Typography.Text type="secondary">{t('jobs.payload')}</Typography.Text>
                <pre className="json-block">{formatJson(job.payload)}</pre>
                {job.lastError && (
                  <>
                    <Typography.Text type="secondary">{t('jobs.lastError')}</Typography.Text>
                    <pre className="json-block">{job.lastError}</pre>
                  </>
                )}
              </>
            ),
          }}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      </Card>
    </>
  );
}
