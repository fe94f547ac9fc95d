// Settings → custom fields: the profile fields this workspace adds to every customer (text, number, date, single
// and multi choice). Fields are created, relabelled, given more choices, archived and restored — never deleted,
// because customers keep the values they hold.
import { EditOutlined, InboxOutlined, PlusOutlined, RollbackOutlined } from '@ant-design/icons';
import {
  Tag as AntTag,
  App,
  Button,
  Card,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type CustomFieldDef, newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useApiError } from '../useApiError.ts';

const FIELD_TYPES = ['text', 'number', 'date', 'single_choice', 'multi_choice'] as const;
type FieldType = (typeof FIELD_TYPES)[number];
const isChoice = (type: string) => type === 'single_choice' || type === 'multi_choice';

type Dialog = { mode: 'create' } | { mode: 'edit'; field: CustomFieldDef };

export default function CustomFieldsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [fields, setFields] = useState<CustomFieldDef[] | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);

  const load = useCallback(() => {
    api.listCustomFields(true).then((page) => setFields(page.items), showError);
  }, [showError]);
  useEffect(() => load(), [load]);

  const archive = async (field: CustomFieldDef, archived: boolean) => {
    try {
      await api.archiveCustomField(field.key, archived);
      void message.success(t(archived ? 'customFields.archived' : 'customFields.restored', { label: field.label }));
      load();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<CustomFieldDef> = [
    {
      title: t('customFields.label'),
      dataIndex: 'label',
      render: (label: string, field) => (
        <Space>
          <Typography.Text strong={field.archivedAt === null} type={field.archivedAt ? 'secondary' : undefined}>
            {label}
          </Typography.Text>
          {field.required && <AntTag color="red">{t('customFields.required')}</AntTag>}
        </Space>
      ),
    },
    {
      title: t('customFields.key'),
      dataIndex: 'key',
      render: (key: string) => <Typography.Text code>{key}</Typography.Text>,
    },
    {
      title: t('customFields.type'),
      dataIndex: 'type',
      render: (type: string) => t(`customFields.types.${type as FieldType}`, { defaultValue: type }),
    },
    {
      title: t('customFields.options'),
      dataIndex: 'options',
      render: (options: string[]) => (options.length ? options.map((o) => <AntTag key={o}>{o}</AntTag>) : '—'),
    },
    {
      title: t('customFields.status'),
      dataIndex: 'archivedAt',
      render: (at: string | null) =>
        at ? (
          <AntTag>{t('customFields.archivedAt', { time: formatTime(at) })}</AntTag>
        ) : (
          <AntTag color="green">{t('customFields.active')}</AntTag>
        ),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, field) => (
        <Space size={0}>
          <Button
            type="link"
            size="small"
            icon={<EditOutlined />}
            onClick={() => setDialog({ mode: 'edit', field })}
            aria-label={t('customFields.editNamed', { label: field.label })}
          >
            {t('common.edit')}
          </Button>
          {field.archivedAt === null ? (
            <Popconfirm
              title={t('customFields.archiveConfirm', { label: field.label })}
              onConfirm={() => archive(field, true)}
            >
              <Button type="link" size="small" icon={<InboxOutlined />}>
                {t('customFields.archive')}
              </Button>
            </Popconfirm>
          ) : (
            <Button type="link" size="small" icon={<RollbackOutlined />} onClick={() => void archive(field, false)}>
              {t('customFields.restore')}
            </Button>
          )}
        </Space>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title={t('nav.customFields')}
        description={t('customFields.description')}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ mode: 'create' })}>
            {t('customFields.create')}
          </Button>
        }
      />
      <Card>
        <Table<CustomFieldDef>
          rowKey="key"
          columns={columns}
          dataSource={fields ?? []}
          loading={fields === null}
          pagination={false}
          rowClassName={(field) => (field.archivedAt ? 'archived-row' : '')}
          locale={{ emptyText: t('customFields.empty') }}
        />
      </Card>
      {dialog && (
        <FieldModal
          dialog={dialog}
          onClose={() => setDialog(null)}
          onSaved={(field) => {
            setDialog(null);
            void message.success(t('customFields.saved', { label: field.label }));
            load();
          }}
        />
      )}
    </>
  );
}

interface FieldForm {
  key: string;
  label: string;
  type: FieldType;
  options: string[];
  required: boolean;
}

/** Creating sets everything; editing leaves key and type as they are and existing choices in place. */
function FieldModal({
  dialog,
  onClose,
  onSaved,
}: {
  dialog: Dialog;
  onClose(): void;
  onSaved(field: CustomFieldDef): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<FieldForm>();
  const [saving, setSaving] = useState(false);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const editing = dialog.mode === 'edit' ? dialog.field : null;
  const type = Form.useWatch('type', form) ?? editing?.type ?? 'text';
  const initial: FieldForm = editing
    ? {
        key: editing.key,
        label: editing.label,
        type: editing.type as FieldType,
        options: editing.options,
        required: editing.required,
      }
    : { key: '', label: '', type: 'text', options: [], required: false };

  const submit = async (values: FieldForm) => {
    setSaving(true);
    try {
      const options = isChoice(values.type) ? values.options.map((o) => o.trim()).filter(Boolean) : undefined;
      const saved = editing
        ? await api.updateCustomField(editing.key, {
            label: values.label.trim(),
            required: values.required,
            ...(options ? { options } : {}),
          })
        : await api.createCustomField(
            {
              key: values.key.trim(),
              label: values.label.trim(),
              type: values.type,
              required: values.required,
              ...(options ? { options } : {}),
            },
            idempotencyKey,
          );
      onSaved(saved);
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={editing ? t('customFields.editTitle', { label: editing.label }) : t('customFields.create')}
      okText={t('common.save')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={saving}
    >
      <Form<FieldForm> form={form} layout="vertical" name="customField" initialValues={initial} onFinish={submit}>
        <Form.Item
          name="label"
          label={t('customFields.label')}
          rules={[{ required: true, whitespace: true, message: t('customFields.labelRequired') }]}
        >
          <Input maxLength={64} autoFocus />
        </Form.Item>
        <Form.Item
          name="key"
          label={t('customFields.key')}
          extra={t('customFields.keyHelp')}
          rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{0,39}$/, message: t('customFields.keyInvalid') }]}
        >
          <Input maxLength={40} disabled={editing !== null} />
        </Form.Item>
        <Form.Item name="type" label={t('customFields.type')}>
          <Select
            disabled={editing !== null}
            options={FIELD_TYPES.map((value) => ({ value, label: t(`customFields.types.${value}`) }))}
          />
        </Form.Item>
        {isChoice(type) && (
          <Form.Item
            name="options"
            label={t('customFields.options')}
            extra={editing ? t('customFields.optionsEditHelp') : t('customFields.optionsHelp')}
            rules={[{ required: true, type: 'array', min: 1, message: t('customFields.optionsRequired') }]}
          >
            <Select
              mode="tags"
              open={false}
              suffixIcon={null}
              aria-label={t('customFields.options')}
              tokenSeparators={[',', '，']}
              maxCount={100}
              tagRender={({ label, value, closable, onClose }) => (
                <AntTag closable={closable && !editing?.options.includes(String(value))} onClose={onClose}>
                  {label}
                </AntTag>
              )}
            />
          </Form.Item>
        )}
        <Form.Item name="required" label={t('customFields.required')} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
