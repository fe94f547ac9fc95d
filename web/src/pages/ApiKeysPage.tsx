// Workspace API keys for server-to-server calls: the secret is shown once at creation, then only its prefix.
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Radio, Table, type TableColumnsType, Tag } from 'antd';
import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiKey, Role } from '../../../src/contracts/foundation.ts';
import { ApiError, api, newIdempotencyKey } from '../api.ts';
import { ROLES } from '../choices.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { SecretModal } from '../layout/SecretModal.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';

const PAGE_SIZE = 20;
// The contract rules out owner keys, so the role is not offered.
const KEY_ROLES = ROLES.filter((role) => role !== 'owner');

export default function ApiKeysPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  const fetchPage = useCallback((cursor: string | undefined) => api.listApiKeys({ cursor, limit: PAGE_SIZE }), []);
  const list = useCursorList(fetchPage, showError);

  const revoke = async (key: ApiKey) => {
    try {
      const revoked = await api.revokeApiKey(key.id);
      list.replace((item) => item.id === key.id, revoked);
      void message.success(t('apiKeys.revoked', { name: key.name }));
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<ApiKey> = [
    { title: t('apiKeys.name'), dataIndex: 'name' },
    { title: t('apiKeys.prefix'), dataIndex: 'prefix', render: (prefix: string) => <code>{prefix}…</code> },
    { title: t('apiKeys.role'), dataIndex: 'role', render: (role: Role) => t(`role.${role}`) },
    { title: t('apiKeys.createdAt'), dataIndex: 'createdAt', render: (value: string) => formatTime(value) },
    { title: t('apiKeys.lastUsedAt'), dataIndex: 'lastUsedAt', render: (value: string | null) => formatTime(value) },
    {
      title: t('apiKeys.status'),
      dataIndex: 'revokedAt',
      render: (revokedAt: string | null) =>
        revokedAt ? (
          <Tag>{t('apiKeys.revokedAt', { time: formatTime(revokedAt) })}</Tag>
        ) : (
          <Tag color="success">{t('apiKeys.active')}</Tag>
        ),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, key) =>
        key.revokedAt ? null : (
          <Popconfirm
            title={t('apiKeys.revokeConfirm', { name: key.name })}
            okButtonProps={{ danger: true }}
            onConfirm={() => revoke(key)}
          >
            <Button type="link" size="small" danger>
              {t('apiKeys.revoke')}
            </Button>
          </Popconfirm>
        ),
    },
  ];

  return (
    <>
      <PageHeader
        title={t('nav.apiKeys')}
        description={t('apiKeys.description')}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('apiKeys.create')}
          </Button>
        }
      />
      <Card>
        <Table<ApiKey>
          rowKey="id"
          columns={columns}
          dataSource={list.items}
          loading={list.loading}
          pagination={false}
          scroll={{ x: 'max-content' }}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      </Card>
      <CreateApiKeyModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(createdSecret) => {
          setCreating(false);
          list.reload();
          setSecret(createdSecret);
        }}
      />
      <SecretModal
        title={t('apiKeys.secretTitle')}
        warning={t('apiKeys.secretWarning')}
        label={t('apiKeys.secretTitle')}
        secret={secret}
        onClose={() => setSecret(null)}
      />
    </>
  );
}

interface CreateApiKeyForm {
  name: string;
  role: Role;
}

function CreateApiKeyModal({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose(): void;
  onCreated(secret: string): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<CreateApiKeyForm>();
  const [submitting, setSubmitting] = useState(false);
  // See CreateStaffModal: reused only when the previous attempt never got an answer.
  const idempotencyKey = useRef(newIdempotencyKey());

  const submit = async (values: CreateApiKeyForm) => {
    setSubmitting(true);
    try {
      const result = await api.createApiKey({ name: values.name.trim(), role: values.role }, idempotencyKey.current);
      idempotencyKey.current = newIdempotencyKey();
      form.resetFields();
      onCreated(result.secret);
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.current = newIdempotencyKey();
      showError(error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('apiKeys.create')}
      okText={t('common.create')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={submitting}
      forceRender
    >
      <Form<CreateApiKeyForm>
        form={form}
        name="createApiKey"
        layout="vertical"
        initialValues={{ role: 'operator' }}
        onFinish={submit}
      >
        <Form.Item
          name="name"
          label={t('apiKeys.name')}
          extra={t('apiKeys.nameHelp')}
          rules={[{ required: true, whitespace: true, message: t('apiKeys.nameRequired') }]}
        >
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="role" label={t('apiKeys.role')} rules={[{ required: true }]}>
          <Radio.Group
            optionType="button"
            options={KEY_ROLES.map((role) => ({ value: role, label: t(`role.${role}`) }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
