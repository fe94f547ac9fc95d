// The workspace audit trail: who did what to which object, from where, with the request id to correlate with logs.
import { SearchOutlined } from '@ant-design/icons';
import {
  AutoComplete,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntry, AuditQuery } from '../../../src/contracts/foundation.ts';
import { api } from '../api.ts';
import { formatJson, formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';

const PAGE_SIZE = 50;
const KNOWN_ACTIONS = [
  'auth.login',
  'auth.logout',
  'staff.create',
  'staff.update',
  'api_key.create',
  'api_key.revoke',
  'job.retry',
] as const;
const TARGET_TYPES = ['staff', 'api_key', 'job'];
// AutoComplete sizes itself to its content inside an inline form; a fixed width keeps the filter row tidy.
const filterWidth = { width: 200 };

type KnownAction = (typeof KNOWN_ACTIONS)[number];
type AuditFilters = Omit<AuditQuery, 'cursor' | 'limit'>;

interface FilterForm {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  range?: [{ toISOString(): string } | null, { toISOString(): string } | null] | null;
}

function isKnownAction(action: string): action is KnownAction {
  return (KNOWN_ACTIONS as readonly string[]).includes(action);
}

function hasDetails(details: unknown): boolean {
  if (details === null || details === undefined) return false;
  return typeof details !== 'object' || Object.keys(details).length > 0;
}

export default function AuditPage() {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<FilterForm>();
  const [filters, setFilters] = useState<AuditFilters>({});

  const fetchPage = useCallback(
    (cursor: string | undefined) => api.listAudit({ ...filters, cursor, limit: PAGE_SIZE }),
    [filters],
  );
  const list = useCursorList(fetchPage, showError);

  const applyFilters = (values: FilterForm) => {
    const text = (value: string | undefined) => value?.trim() || undefined;
    setFilters({
      action: text(values.action),
      actorId: text(values.actorId),
      targetType: text(values.targetType),
      targetId: text(values.targetId),
      from: values.range?.[0]?.toISOString(),
      to: values.range?.[1]?.toISOString(),
    });
  };

  const actionLabel = (action: string) => (isKnownAction(action) ? t(`audit.actions.${action}`) : null);

  const columns: TableColumnsType<AuditEntry> = [
    { title: t('audit.at'), dataIndex: 'at', render: (at: string) => formatTime(at) },
    {
      title: t('audit.actor'),
      key: 'actor',
      render: (_, entry) => (
        <>
          <div>{entry.actorName ?? entry.actorId ?? '—'}</div>
          <Typography.Text type="secondary" className="audit-sub">
            {entry.actorType}
          </Typography.Text>
        </>
      ),
    },
    {
      title: t('audit.action'),
      dataIndex: 'action',
      render: (action: string) => (
        <>
          {actionLabel(action) && <div>{actionLabel(action)}</div>}
          <Tag className="audit-code">{action}</Tag>
        </>
      ),
    },
    {
      title: t('audit.target'),
      key: 'target',
      render: (_, entry) =>
        entry.targetType ? (
          <>
            <div>{entry.targetType}</div>
            <Typography.Text type="secondary" copyable={!!entry.targetId} className="audit-sub">
              {entry.targetId ?? '—'}
            </Typography.Text>
          </>
        ) : (
          '—'
        ),
    },
    { title: t('audit.ip'), dataIndex: 'ip', render: (ip: string | null) => ip ?? '—' },
    {
      title: t('audit.requestId'),
      dataIndex: 'requestId',
      render: (requestId: string | null) =>
        requestId ? (
          <Typography.Text copyable className="audit-sub">
            {requestId}
          </Typography.Text>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <>
      <PageHeader title={t('nav.audit')} description={t('audit.description')} />
      <Card>
        <Form<FilterForm> form={form} name="auditFilters" layout="inline" onFinish={applyFilters} className="filters">
          <Form.Item name="action" label={t('audit.action')}>
            <AutoComplete
              allowClear
              style={filterWidth}
              placeholder="staff.create"
              options={KNOWN_ACTIONS.map((action) => ({ value: action, label: `${action} · ${actionLabel(action)}` }))}
            />
          </Form.Item>
          <Form.Item name="actorId" label={t('audit.actorId')}>
            <Input allowClear className="filter-input" />
          </Form.Item>
          <Form.Item name="targetType" label={t('audit.targetType')}>
            <AutoComplete allowClear style={filterWidth} options={TARGET_TYPES.map((type) => ({ value: type }))} />
          </Form.Item>
          <Form.Item name="targetId" label={t('audit.targetId')}>
            <Input allowClear className="filter-input" />
          </Form.Item>
          <Form.Item name="range" label={t('audit.range')}>
            <DatePicker.RangePicker showTime allowEmpty={[true, true]} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
              {t('common.search')}
            </Button>
          </Form.Item>
          <Form.Item>
            <Button
              onClick={() => {
                form.resetFields();
                setFilters({});
              }}
            >
              {t('common.reset')}
            </Button>
          </Form.Item>
        </Form>
        <Table<AuditEntry>
          rowKey="id"
          columns={columns}
          dataSource={list.items}
          loading={list.loading}
          pagination={false}
          scroll={{ x: 'max-content' }}
          expandable={{
            rowExpandable: (entry) => hasDetails(entry.details),
            expandedRowRender: (entry) => <pre className="json-block">{formatJson(entry.details)}</pre>,
          }}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      </Card>
    </>
  );
}
