// Settings → data import: upload customers or orders as CSV or Excel, follow the import while its jobs run, then see
// what came in and which rows did not (line and reason). Recent imports are listed below and reopen on a click; the
// page's address keeps the kind and the import shown, so a reload or a shared link lands on the same view.
import { CloudUploadOutlined, DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Empty,
  Flex,
  Progress,
  Radio,
  Row,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
  Upload,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import {
  type DataImport,
  type ImportKind,
  type ImportRowError,
  MAX_IMPORT_BYTES,
} from '../../../src/contracts/events.ts';
import { api } from '../api.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';

const POLL_MS = 1000;
const MAX_MB = MAX_IMPORT_BYTES / (1024 * 1024);
const KINDS: ImportKind[] = ['customers', 'orders'];
const STATE_COLORS: Record<DataImport['state'], string> = {
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
  failed: 'error',
};

const isRunning = (item: DataImport | null) => item?.state === 'queued' || item?.state === 'running';

export default function ImportsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [params, setParams] = useSearchParams();
  const kind: ImportKind = params.get('kind') === 'orders' ? 'orders' : 'customers';
  const selectedId = params.get('id');
  const [current, setCurrent] = useState<DataImport | null>(null);
  const [uploading, setUploading] = useState<{ name: string; percent: number } | null>(null);

  const show = useCallback(
    (patch: Record<string, string>) =>
      setParams((previous) => {
        const next = new URLSearchParams(previous);
        for (const [key, value] of Object.entries(patch)) next.set(key, value);
        return next;
      }),
    [setParams],
  );

  const currentId = current?.id ?? null;
  useEffect(() => {
    if (!selectedId) {
      setCurrent(null);
      return;
    }
    if (selectedId === currentId) return;
    api.getImport(selectedId).then(setCurrent, showError);
  }, [selectedId, currentId, showError]);

  // The shown import is polled until its jobs are done; the result card and its row below follow it.
  useEffect(() => {
    if (!current || !isRunning(current)) return;
    const timer = setTimeout(() => {
      api.getImport(current.id).then(setCurrent, showError);
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [current, showError]);

  const fetchRecent = useCallback((cursor: string | undefined) => api.listImports({ cursor, limit: 10 }), []);
  const recent = useCursorList(fetchRecent, showError);

  const start = async (file: File) => {
    if (!/\.(csv|xlsx)$/i.test(file.name)) {
      void message.error(t('imports.unsupported'));
      return;
    }
    if (file.size > MAX_IMPORT_BYTES) {
      void message.error(t('imports.tooLarge', { size: MAX_MB }));
      return;
    }
    setUploading({ name: file.name, percent: 0 });
    try {
      const started = await api.startImport(kind, file, (percent) => setUploading({ name: file.name, percent }));
      setCurrent(started);
      show({ id: started.id });
      recent.reload();
    } catch (error) {
      showError(error);
    } finally {
      setUploading(null);
    }
  };

  const columns: TableColumnsType<DataImport> = [
    {
      title: t('imports.file'),
      dataIndex: 'filename',
      render: (name: string) => <Typography.Text strong>{name}</Typography.Text>,
    },
    { title: t('imports.kind'), dataIndex: 'kind', render: (k: ImportKind) => t(`imports.kinds.${k}`) },
    {
      title: t('imports.state'),
      dataIndex: 'state',
      render: (state: DataImport['state'], item) => (
        <Tag color={STATE_COLORS[state]}>
          {t(`imports.states.${state}`)}
          {state === 'running' && ` ${item.progress}%`}
        </Tag>
      ),
    },
    {
      title: t('imports.outcome'),
      key: 'outcome',
      render: (_, item) =>
        item.totalRows === null
          ? '—'
          : t('imports.outcomeText', { rows: item.totalRows, imported: item.imported, failed: item.failed }),
    },
    { title: t('imports.createdBy'), dataIndex: ['createdBy', 'name'] },
    { title: t('imports.createdAt'), dataIndex: 'createdAt', render: (at: string) => formatTime(at) },
  ];

  return (
    <>
      <PageHeader title={t('nav.imports')} description={t('imports.description')} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={10}>
          <Card title={t('imports.upload')}>
            <Flex vertical gap={12}>
              <Flex justify="space-between" align="center" gap={8} wrap>
                <Radio.Group
                  optionType="button"
                  buttonStyle="solid"
                  value={kind}
                  disabled={uploading !== null}
                  aria-label={t('imports.kind')}
                  onChange={(event) => show({ kind: event.target.value as ImportKind })}
                  options={KINDS.map((k) => ({ value: k, label: t(`imports.kinds.${k}`) }))}
                />
                <Button icon={<DownloadOutlined />} href={api.importTemplateUrl(kind)}>
                  {t('imports.template')}
                </Button>
              </Flex>
              <Typography.Text type="secondary">{t(`imports.hints.${kind}`)}</Typography.Text>
              <Upload.Dragger
                accept=".csv,.xlsx"
                multiple={false}
                showUploadList={false}
                disabled={uploading !== null}
                beforeUpload={(file) => {
                  void start(file);
                  return false;
                }}
              >
                <p className="ant-upload-drag-icon">
                  <InboxOutlined />
                </p>
                <p className="ant-upload-text">{t('imports.drop', { kind: t(`imports.kinds.${kind}`) })}</p>
                <p className="ant-upload-hint">{t('imports.dropHint', { size: MAX_MB })}</p>
              </Upload.Dragger>
            </Flex>
          </Card>
        </Col>
        <Col xs={24} xl={14}>
          <Card title={t('imports.result')}>
            {uploading ? (
              <div data-testid="import-upload">
                <Typography.Text>{t('imports.uploading', { name: uploading.name })}</Typography.Text>
                <Progress percent={uploading.percent} status="active" />
              </div>
            ) : current ? (
              <ImportResult item={current} />
            ) : (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('imports.noResult')} />
            )}
          </Card>
        </Col>
        <Col span={24}>
          <Card title={t('imports.recent')}>
            <Table<DataImport>
              rowKey="id"
              columns={columns}
              dataSource={recent.items.map((item) => (item.id === current?.id ? current : item))}
              loading={recent.loading}
              pagination={false}
              size="middle"
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: t('imports.noImports') }}
              rowClassName={(item) => (item.id === selectedId ? 'clickable-row import-selected' : 'clickable-row')}
              onRow={(item) => ({ onClick: () => show({ id: item.id, kind: item.kind }) })}
            />
            <LoadMore hasMore={recent.hasMore} loading={recent.loading} onClick={recent.loadMore} />
          </Card>
        </Col>
      </Row>
    </>
  );
}

/** One import: its progress while it runs; counts, ignored columns and the bad rows once it has finished. */
function ImportResult({ item }: { item: DataImport }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const finished = !isRunning(item);
  const errorsOf = finished ? item.id : null;
  const fetchErrors = useCallback(
    (cursor: string | undefined) =>
      errorsOf ? api.importErrors(errorsOf, { cursor, limit: 50 }) : Promise.resolve({ items: [], nextCursor: null }),
    [errorsOf],
  );
  const errors = useCursorList<ImportRowError>(fetchErrors, showError);
  const status = item.state === 'failed' ? 'exception' : item.state === 'succeeded' ? 'success' : 'active';

  const columns: TableColumnsType<ImportRowError> = [
    {
      title: t('imports.line'),
      dataIndex: 'line',
      width: 96,
      render: (line: number) => t('imports.lineNo', { line }),
    },
    { title: t('imports.reason'), dataIndex: 'message' },
  ];

  return (
    <Flex vertical gap={16} data-testid="import-result" data-state={item.state}>
      <Flex align="center" gap={8} wrap>
        <CloudUploadOutlined />
        <Typography.Text strong>{item.filename}</Typography.Text>
        <Tag>{t(`imports.kinds.${item.kind}`)}</Tag>
        <Tag color={STATE_COLORS[item.state]}>{t(`imports.states.${item.state}`)}</Tag>
      </Flex>
      <div data-testid="import-progress">
        <Progress percent={item.progress} status={status} />
        <Typography.Text type="secondary">
          {item.totalRows === null
            ? t(item.state === 'failed' ? 'imports.notRead' : 'imports.reading')
            : t('imports.progressRows', { done: item.doneRows, total: item.totalRows })}
        </Typography.Text>
      </div>
      <Row gutter={16}>
        <Col span={8}>
          <Statistic title={t('imports.totalRows')} value={item.totalRows ?? '—'} />
        </Col>
        <Col span={8}>
          <Statistic
            title={t(`imports.imported.${item.kind}`)}
            value={item.imported}
            styles={{ content: { color: '#08875a' } }}
          />
        </Col>
        <Col span={8}>
          <Statistic
            title={t('imports.failed')}
            value={item.failed}
            styles={item.failed > 0 ? { content: { color: '#cf1322' } } : undefined}
          />
        </Col>
      </Row>
      {item.error && <Alert type="error" showIcon title={t('imports.stopped')} description={item.error.message} />}
      {item.ignoredColumns.length > 0 && (
        <Alert
          type="warning"
          showIcon
          data-testid="import-ignored"
          title={t('imports.ignoredColumns', { columns: item.ignoredColumns.join('、') })}
        />
      )}
      {finished && (item.failed > 0 || errors.items.length > 0) && (
        <div>
          <Typography.Title level={5}>{t('imports.badRows')}</Typography.Title>
          <Table<ImportRowError>
            rowKey="line"
            columns={columns}
            dataSource={errors.items}
            loading={errors.loading}
            pagination={false}
            size="small"
            data-testid="import-errors"
          />
          <LoadMore hasMore={errors.hasMore} loading={errors.loading} onClick={errors.loadMore} />
        </div>
      )}
    </Flex>
  );
}
