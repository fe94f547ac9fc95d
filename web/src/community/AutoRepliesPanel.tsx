// Keyword auto-reply rules: how a customer's message is matched (exactly, by a keyword it contains, or a regular
// expression), the reply, the groups, the hours and the cooldown; with how often each rule answered. The first
// enabled rule that matches answers, through a group message from the group's owner.
import { PlusOutlined } from '@ant-design/icons';
import {
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
import type { AutoReplyBody, AutoReplyRule, MatchKind } from '../../../src/contracts/community.ts';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { communityApi } from './api.ts';
import { MATCH_KINDS } from './labels.ts';
import { groupOptions, useGroups } from './useGroups.ts';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function AutoRepliesPanel() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const { groups } = useGroups();
  const [rules, setRules] = useState<AutoReplyRule[]>([]);
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<AutoReplyRule | 'new' | null>(null);
  const canManage = can('community.manage');

  const load = useCallback(() => {
    setLoading(true);
    communityApi
      .listAutoReplies()
      .then((page) => setRules(page.items), showError)
      .finally(() => setLoading(false));
  }, [showError]);
  useEffect(() => load(), [load]);

  const toggle = async (rule: AutoReplyRule, enabled: boolean) => {
    try {
      const saved = await communityApi.updateAutoReply(rule.id, { enabled });
      setRules((previous) => previous.map((r) => (r.id === rule.id ? saved : r)));
    } catch (error) {
      showError(error);
    }
  };
  const remove = async (rule: AutoReplyRule) => {
    try {
      await communityApi.deleteAutoReply(rule.id);
      void message.success(t('community.autoReplies.deleted', { name: rule.name }));
      load();
    } catch (error) {
      showError(error);
    }
  };
  const groupName = (id: string) => groups.find((g) => g.id === id)?.name ?? id;

  const columns: TableColumnsType<AutoReplyRule> = [
    { title: t('community.autoReplies.name'), dataIndex: 'name' },
    {
      title: t('community.autoReplies.keywords'),
      key: 'keywords',
      render: (_: unknown, r) => (
        <Flex vertical gap={4}>
          <Typography.Text type="secondary">{t(`community.matchKinds.${r.match}`)}</Typography.Text>
          <span>
            {r.keywords.map((k) => (
              <Tag key={k}>{k}</Tag>
            ))}
          </span>
        </Flex>
      ),
    },
    {
      title: t('community.autoReplies.reply'),
      dataIndex: 'reply',
      render: (reply: string) => <Typography.Text className="community-message">{reply}</Typography.Text>,
    },
    {
      title: t('community.autoReplies.scope'),
      key: 'scope',
      render: (_: unknown, r) => (
        <Flex vertical>
          <span>{r.groupIds ? r.groupIds.map(groupName).join('、') : t('community.allGroups')}</span>
          <Typography.Text type="secondary" className="small-text">
            {r.window ? t('community.autoReplies.windowOf', r.window) : t('community.autoReplies.always')}
            {' · '}
            {t('community.autoReplies.cooldownOf', { seconds: r.cooldownSeconds })}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.autoReplies.replies'),
      key: 'replies',
      align: 'right',
      render: (_: unknown, r) => (
        <Flex vertical align="flex-end">
          <span>{r.replies}</span>
          <Typography.Text type="secondary" className="small-text">
            {formatTime(r.lastReplyAt)}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.enabled'),
      dataIndex: 'enabled',
      render: (enabled: boolean, r) => (
        <Switch
          size="small"
          checked={enabled}
          disabled={!canManage}
          aria-label={t('community.toggle', { name: r.name })}
          onChange={(next) => void toggle(r, next)}
        />
      ),
    },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, r: AutoReplyRule) => (
              <Flex gap={4}>
                <Button type="link" size="small" onClick={() => setEditing(r)}>
                  {t('common.edit')}
                </Button>
                <Popconfirm title={t('community.deleteConfirm', { name: r.name })} onConfirm={() => remove(r)}>
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
        <Typography.Text type="secondary">{t('community.autoReplies.hint')}</Typography.Text>
        {canManage && (
          <Button icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('community.autoReplies.create')}
          </Button>
        )}
      </Flex>
      <Table<AutoReplyRule>
        rowKey="id"
        columns={columns}
        dataSource={rules}
        loading={loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.autoReplies.empty') }}
      />
      {editing && (
        <AutoReplyModal
          rule={editing === 'new' ? null : editing}
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
  match: MatchKind;
  keywords: string[];
  reply: string;
  groupIds: string[];
  start?: string;
  end?: string;
  cooldownSeconds: number;
}

function AutoReplyModal({ rule, onClose, onSaved }: { rule: AutoReplyRule | null; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const { groups, loading } = useGroups();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);

  const submit = async (values: FormValues) => {
    setSaving(true);
    const body: AutoReplyBody = {
      name: values.name,
      match: values.match,
      keywords: values.keywords,
      reply: values.reply,
      groupIds: values.groupIds.length > 0 ? values.groupIds : null,
      window: values.start && values.end ? { start: values.start, end: values.end } : null,
      cooldownSeconds: values.cooldownSeconds,
    };
    try {
      if (rule) await communityApi.updateAutoReply(rule.id, body);
      else await communityApi.createAutoReply(body);
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
      title={rule ? t('community.autoReplies.edit') : t('community.autoReplies.create')}
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
          name: rule?.name,
          match: rule?.match ?? 'contains',
          keywords: rule?.keywords ?? [],
          reply: rule?.reply,
          groupIds: rule?.groupIds ?? [],
          start: rule?.window?.start,
          end: rule?.window?.end,
          cooldownSeconds: rule?.cooldownSeconds ?? 60,
        }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="name" label={t('community.autoReplies.name')} rules={[{ required: true, max: 60 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="match" label={t('community.autoReplies.match')}>
          <Select options={MATCH_KINDS.map((m) => ({ value: m, label: t(`community.matchKinds.${m}`) }))} />
        </Form.Item>
        <Form.Item
          name="keywords"
          label={t('community.autoReplies.keywords')}
          extra={t('community.autoReplies.keywordsHint')}
          rules={[{ required: true, type: 'array', min: 1 }]}
        >
          <Select mode="tags" open={false} tokenSeparators={[',', '，']} />
        </Form.Item>
        <Form.Item name="reply" label={t('community.autoReplies.reply')} rules={[{ required: true, max: 1000 }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        <Form.Item name="groupIds" label={t('community.autoReplies.scope')} extra={t('community.scopeHint')}>
          <Select mode="multiple" loading={loading} optionFilterProp="label" options={groupOptions(groups)} />
        </Form.Item>
        <Flex gap={12}>
          <Form.Item
            name="start"
            label={t('community.autoReplies.start')}
            rules={[{ pattern: TIME, message: t('community.timeFormat') }]}
          >
            <Input placeholder="09:00" />
          </Form.Item>
          <Form.Item
            name="end"
            label={t('community.autoReplies.end')}
            rules={[{ pattern: TIME, message: t('community.timeFormat') }]}
          >
            <Input placeholder="22:00" />
          </Form.Item>
          <Form.Item name="cooldownSeconds" label={t('community.autoReplies.cooldown')}>
            <InputNumber min={0} max={86400} precision={0} />
          </Form.Item>
        </Flex>
      </Form>
    </Modal>
  );
}
