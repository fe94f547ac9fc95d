// 渠道: the workspace's own list of acquisition channels (门店, 海报, 公众号 … seeded, plus the brand's own), with how
// many codes and links use each. Built-in channels can be renamed and archived; a custom one can be deleted while
// nothing uses it. An archived channel stays on its codes and in the statistics but is no longer offered.
import { PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Checkbox,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Channel } from '../../../src/contracts/acquisition.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { acquisitionApi } from './api.ts';
import { useChannels } from './useChannels.ts';

export function ChannelsPanel() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [showArchived, setShowArchived] = useState(false);
  const { channels, loading, reload } = useChannels(showArchived);
  const [editing, setEditing] = useState<Channel | 'new' | null>(null);
  const canManage = can('acquisition.manage');

  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      void message.success(done);
      reload();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Channel> = [
    {
      title: t('acquisition.channels.name'),
      dataIndex: 'name',
      render: (name: string, c) => (
        <span>
          {name}
          {c.builtin && <Tag className="acquisition-inline-tag">{t('acquisition.channels.builtin')}</Tag>}
          {c.archived && <Tag className="acquisition-inline-tag">{t('acquisition.channels.archived')}</Tag>}
        </span>
      ),
    },
    {
      title: t('acquisition.channels.key'),
      dataIndex: 'key',
      render: (key: string) => <Typography.Text code>{key}</Typography.Text>,
    },
    { title: t('acquisition.channels.sort'), dataIndex: 'sort', align: 'right' },
    { title: t('acquisition.channels.codeCount'), dataIndex: 'codeCount', align: 'right' },
    { title: t('acquisition.channels.linkCount'), dataIndex: 'linkCount', align: 'right' },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, c: Channel) => (
              <Flex gap={4}>
                <Button type="link" size="small" onClick={() => setEditing(c)}>
                  {t('common.edit')}
                </Button>
                <Button
                  type="link"
                  size="small"
                  onClick={() =>
                    void run(
                      () => acquisitionApi.updateChannel(c.id, { archived: !c.archived }),
                      t(c.archived ? 'acquisition.channels.restored' : 'acquisition.channels.archivedDone', {
                        name: c.name,
                      }),
                    )
                  }
                >
                  {c.archived ? t('acquisition.channels.restore') : t('acquisition.channels.archive')}
                </Button>
                {!c.builtin && c.codeCount === 0 && c.linkCount === 0 && (
                  <Popconfirm
                    title={t('acquisition.channels.deleteConfirm', { name: c.name })}
                    onConfirm={() =>
                      run(() => acquisitionApi.deleteChannel(c.id), t('acquisition.channels.deleted', { name: c.name }))
                    }
                  >
                    <Button type="link" size="small" danger>
                      {t('common.delete')}
                    </Button>
                  </Popconfirm>
                )}
              </Flex>
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Flex justify="space-between" align="center" gap={12} wrap className="filters">
        <Checkbox checked={showArchived} onChange={(event) => setShowArchived(event.target.checked)}>
          {t('acquisition.channels.showArchived')}
        </Checkbox>
        {canManage && (
          <Button icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('acquisition.channels.create')}
          </Button>
        )}
      </Flex>
      <Table<Channel>
        rowKey="id"
        columns={columns}
        dataSource={channels}
        loading={loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
      />
      {editing && (
        <ChannelModal
          channel={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
    </>
  );
}

interface ChannelFormValues {
  key: string;
  name: string;
  sort?: number | null;
}

function ChannelModal({ channel, onClose, onSaved }: { channel: Channel | null; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<ChannelFormValues>();
  const [saving, setSaving] = useState(false);

  const submit = async (v: ChannelFormValues) => {
    setSaving(true);
    try {
      const sort = v.sort ?? undefined;
      if (channel) await acquisitionApi.updateChannel(channel.id, { name: v.name.trim(), sort });
      else await acquisitionApi.createChannel({ key: v.key, name: v.name.trim(), sort });
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
      title={channel ? t('acquisition.channels.edit') : t('acquisition.channels.create')}
      okText={t('common.save')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form<ChannelFormValues>
        form={form}
        layout="vertical"
        initialValues={{ key: channel?.key ?? '', name: channel?.name ?? '', sort: channel?.sort ?? null }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="name" label={t('acquisition.channels.name')} rules={[{ required: true, max: 20 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="key"
          label={t('acquisition.channels.key')}
          extra={t('acquisition.channels.keyHint')}
          rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{1,31}$/, message: t('acquisition.channels.keyRule') }]}
        >
          <Input disabled={channel !== null} />
        </Form.Item>
        <Form.Item name="sort" label={t('acquisition.channels.sort')}>
          <InputNumber min={0} max={10_000} precision={0} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
