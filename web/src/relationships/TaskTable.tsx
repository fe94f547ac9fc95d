// Follow-up tasks as a table: due time, customer, what to do and the script filled in for the customer (copied with
// one click), and finishing a task as done or skipped with a note.
import { CheckOutlined, CopyOutlined, StopOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Space, Table, type TableColumnsType, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Task } from '../../../src/contracts/relationships.ts';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { relationshipsApi } from './api.ts';
import { TASK_STATUS_COLORS } from './labels.ts';
import './relationships.css';

export function TaskTable({
  tasks,
  loading,
  onChanged,
  showGuide,
}: {
  tasks: Task[];
  loading: boolean;
  onChanged(task: Task): void;
  showGuide?: boolean;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const [finishing, setFinishing] = useState<{ task: Task; outcome: 'done' | 'skipped' } | null>(null);

  const copy = (text: string) => {
    navigator.clipboard.writeText(text).then(
      () => void message.success(t('common.copied')),
      () => void message.error(t('common.copyFailed')),
    );
  };

  const columns: TableColumnsType<Task> = [
    { title: t('relationships.tasks.dueAt'), dataIndex: 'dueAt', width: 170, render: (v: string) => formatTime(v) },
    {
      title: t('relationships.tasks.customer'),
      dataIndex: 'customerName',
      width: 140,
      render: (name: string | null, task) =>
        task.customerId ? (
          <Link to={`/customers/${task.customerId}`}>{name ?? t('customers.unnamed')}</Link>
        ) : (
          <Typography.Text type="secondary">{t('relationships.tasks.allCustomers')}</Typography.Text>
        ),
    },
    ...(showGuide ? [{ title: t('relationships.tasks.guide'), dataIndex: 'guideName', width: 120 } as const] : []),
    {
      title: t('relationships.tasks.what'),
      dataIndex: 'title',
      render: (title: string, task) => (
        <Space direction="vertical" size={2}>
          <Typography.Text strong>{title}</Typography.Text>
          <Typography.Text type="secondary">{task.planName}</Typography.Text>
          {task.script && (
            <Space align="start">
              <Typography.Paragraph className="task-script" ellipsis={{ rows: 3, expandable: true }}>
                {task.script}
              </Typography.Paragraph>
              <Tooltip title={t('relationships.tasks.copyScript')}>
                <Button
                  size="small"
                  icon={<CopyOutlined />}
                  aria-label={t('relationships.tasks.copyScript')}
                  onClick={() => copy(task.script as string)}
                />
              </Tooltip>
            </Space>
          )}
          {task.material?.kind === 'link' && (
            <Typography.Link href={task.material.url} target="_blank" rel="noreferrer">
              {task.material.title}
            </Typography.Link>
          )}
          {task.note && <Typography.Text type="secondary">{task.note}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('relationships.tasks.status'),
      dataIndex: 'status',
      width: 100,
      render: (status: Task['status']) => (
        <Tag color={TASK_STATUS_COLORS[status]}>{t(`relationships.taskStatus.${status}`)}</Tag>
      ),
    },
    {
      title: t('common.actions'),
      width: 170,
      render: (_: unknown, task) =>
        can('task.work') && (task.status === 'open' || task.status === 'overdue') ? (
          <Space>
            <Button
              size="small"
              type="primary"
              icon={<CheckOutlined />}
              onClick={() => setFinishing({ task, outcome: 'done' })}
            >
              {t('relationships.tasks.done')}
            </Button>
            <Button size="small" icon={<StopOutlined />} onClick={() => setFinishing({ task, outcome: 'skipped' })}>
              {t('relationships.tasks.skip')}
            </Button>
          </Space>
        ) : (
          task.completedAt && (
            <Typography.Text type="secondary">
              {task.completedByName ?? ''} {formatTime(task.completedAt)}
            </Typography.Text>
          )
        ),
    },
  ];

  return (
    <>
      <Table<Task>
        rowKey="id"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={tasks}
        pagination={false}
        locale={{ emptyText: t('relationships.tasks.empty') }}
        scroll={{ x: 900 }}
      />
      {finishing && (
        <FinishModal
          task={finishing.task}
          outcome={finishing.outcome}
          onClose={() => setFinishing(null)}
          onDone={(task) => {
            setFinishing(null);
            onChanged(task);
          }}
        />
      )}
    </>
  );
}

function FinishModal({
  task,
  outcome,
  onClose,
  onDone,
}: {
  task: Task;
  outcome: 'done' | 'skipped';
  onClose(): void;
  onDone(task: Task): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<{ note?: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async (values: { note?: string }) => {
    setSaving(true);
    try {
      const note = values.note?.trim();
      onDone(await relationshipsApi.completeTask(task.id, { outcome, ...(note ? { note } : {}) }));
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={t(outcome === 'done' ? 'relationships.tasks.doneTitle' : 'relationships.tasks.skipTitle', {
        title: task.title,
      })}
      okText={t(outcome === 'done' ? 'relationships.tasks.done' : 'relationships.tasks.skip')}
      onOk={() => form.submit()}
      confirmLoading={saving}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="note" label={t('relationships.tasks.note')}>
          <Input.TextArea maxLength={500} rows={3} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}
