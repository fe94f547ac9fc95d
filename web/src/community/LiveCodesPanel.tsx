// Group live codes (群活码): one QR code in front of several groups, each filled to the code's cap before the next.
// The list shows each code's groups (the one filling now marked, full ones greyed), its joins, its QR code once
// WeCom made it, and whether WeCom has its latest group list; codes are created, changed and deleted here.
import { PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Select,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveCode, LiveCodeBody, LiveCodeSyncState } from '../../../src/contracts/community.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { communityApi } from './api.ts';
import { syncTag } from './labels.ts';
import { groupOptions, useGroups } from './useGroups.ts';

/** While WeCom has not confirmed a code's groups, the list looks again this often. */
const PENDING_POLL_MS = 2000;

export function LiveCodesPanel() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [codes, setCodes] = useState<LiveCode[]>([]);
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<LiveCode | 'new' | null>(null);
  const canManage = can('community.manage');

  const load = useCallback(() => {
    setLoading(true);
    communityApi
      .listLiveCodes()
      .then((page) => setCodes(page.items), showError)
      .finally(() => setLoading(false));
  }, [showError]);
  useEffect(() => load(), [load]);
  const pending = codes.some((c) => c.syncState === 'pending');
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(
      () => communityApi.listLiveCodes().then((page) => setCodes(page.items), showError),
      PENDING_POLL_MS,
    );
    return () => clearTimeout(timer);
  }, [pending, showError]);

  const remove = async (code: LiveCode) => {
    try {
      await communityApi.deleteLiveCode(code.id);
      void message.success(t('community.liveCodes.deleted', { name: code.name }));
      load();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<LiveCode> = [
    {
      title: t('community.liveCodes.qrCode'),
      dataIndex: 'qrCode',
      render: (qr: string | null, c) =>
        qr ? (
          <a href={qr} target="_blank" rel="noreferrer">
            <img src={qr} alt={t('community.liveCodes.qrOf', { name: c.name })} className="community-qr" />
          </a>
        ) : (
          '—'
        ),
    },
    {
      title: t('community.liveCodes.name'),
      dataIndex: 'name',
      render: (name: string, c) => (
        <Flex vertical>
          <Typography.Text strong>{name}</Typography.Text>
          {c.remark && <Typography.Text type="secondary">{c.remark}</Typography.Text>}
          <Typography.Text type="secondary" className="small-text">
            {t('community.liveCodes.capOf', { cap: c.cap })}
            {c.autoCreate && ` · ${t('community.liveCodes.autoCreateOn', { name: c.roomBaseName ?? '' })}`}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.liveCodes.groups'),
      key: 'groups',
      render: (_: unknown, c) => (
        <Flex vertical className="community-code-groups">
          {c.full && <Alert type="warning" showIcon title={t('community.liveCodes.full')} />}
          <span>
            {c.groups.map((g) => (
              <Tag
                key={g.groupId}
                color={
                  g.groupId === c.currentGroupId ? 'green' : g.full || g.status === 'dismissed' ? 'default' : 'blue'
                }
              >
                {g.name} {g.memberCount}/{c.cap}
                {g.groupId === c.currentGroupId && ` · ${t('community.liveCodes.current')}`}
              </Tag>
            ))}
          </span>
        </Flex>
      ),
    },
    {
      title: t('community.liveCodes.joins'),
      key: 'joins',
      align: 'right',
      render: (_: unknown, c) => t('community.liveCodes.joinsOf', { joins: c.joins, today: c.joinsToday }),
    },
    {
      title: t('community.liveCodes.sync'),
      dataIndex: 'syncState',
      render: (s: LiveCodeSyncState, c) => (
        <Flex vertical>
          <Tag color={syncTag(s)}>{t(`community.syncStates.${s}`)}</Tag>
          {c.syncError && (
            <Typography.Text type="danger" className="small-text">
              {c.syncError}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, c: LiveCode) => (
              <Flex gap={4}>
                <Button type="link" size="small" onClick={() => setEditing(c)}>
                  {t('common.edit')}
                </Button>
                <Popconfirm
                  title={t('community.liveCodes.deleteConfirm', { name: c.name })}
                  onConfirm={() => remove(c)}
                >
                  <Button type="link" size="small" danger>
                    {t('common.delete')}
                  </Button>
                </Popconfirm>
              </Flex>
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Flex justify="space-between" align="center" gap={12} wrap className="filters">
        <Typography.Text type="secondary">{t('community.liveCodes.hint')}</Typography.Text>
        {canManage && (
          <Button icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('community.liveCodes.create')}
          </Button>
        )}
      </Flex>
      <Table<LiveCode>
        rowKey="id"
        columns={columns}
        dataSource={codes}
        loading={loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.liveCodes.empty') }}
      />
      {editing && (
        <LiveCodeModal
          code={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            load();
          }}
        />
      )}
    </>
  );
}

interface FormValues {
  name: string;
  remark?: string;
  groupIds: string[];
  cap: number;
  autoCreate: boolean;
  roomBaseName?: string;
  roomBaseId?: number;
}

function LiveCodeModal({ code, onClose, onSaved }: { code: LiveCode | null; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const { groups, loading } = useGroups();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);
  const autoCreate = Form.useWatch('autoCreate', form);

  const submit = async (values: FormValues) => {
    setSaving(true);
    const body: LiveCodeBody = {
      name: values.name,
      remark: values.remark ?? '',
      groupIds: values.groupIds,
      cap: values.cap,
      autoCreate: values.autoCreate,
      ...(values.autoCreate && values.roomBaseName ? { roomBaseName: values.roomBaseName } : {}),
      ...(values.autoCreate && values.roomBaseId ? { roomBaseId: values.roomBaseId } : {}),
    };
    try {
      if (code) await communityApi.updateLiveCode(code.id, body);
      else await communityApi.createLiveCode(body);
      onSaved();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={code ? t('community.liveCodes.edit') : t('community.liveCodes.create')}
      okText={t('common.save')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={{
          name: code?.name,
          remark: code?.remark,
          groupIds: code?.groups.map((g) => g.groupId) ?? [],
          cap: code?.cap ?? 200,
          autoCreate: code?.autoCreate ?? false,
          roomBaseName: code?.roomBaseName ?? undefined,
          roomBaseId: code?.roomBaseId ?? undefined,
        }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="name" label={t('community.liveCodes.name')} rules={[{ required: true, max: 60 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="remark" label={t('community.liveCodes.remark')} rules={[{ max: 200 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="groupIds"
          label={t('community.liveCodes.groups')}
          extra={t('community.liveCodes.groupsHint')}
          rules={[{ required: true, type: 'array', min: 1 }]}
        >
          <Select mode="multiple" loading={loading} optionFilterProp="label" options={groupOptions(groups)} />
        </Form.Item>
        <Form.Item name="cap" label={t('community.liveCodes.cap')} extra={t('community.liveCodes.capHint')}>
          <InputNumber min={2} max={200} precision={0} />
        </Form.Item>
        <Form.Item
          name="autoCreate"
          label={t('community.liveCodes.autoCreate')}
          extra={t('community.liveCodes.autoCreateHint')}
          valuePropName="checked"
        >
          <Switch />
        </Form.Item>
        {autoCreate && (
          <Flex gap={12}>
            <Form.Item
              name="roomBaseName"
              label={t('community.liveCodes.roomBaseName')}
              rules={[{ required: true, max: 40 }]}
            >
              <Input />
            </Form.Item>
            <Form.Item name="roomBaseId" label={t('community.liveCodes.roomBaseId')}>
              <InputNumber min={1} max={100000} precision={0} />
            </Form.Item>
          </Flex>
        )}
      </Form>
    </Modal>
  );
}
