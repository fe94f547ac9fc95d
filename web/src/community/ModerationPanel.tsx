// Moderation: the rules (ad links, QR codes, sensitive words, flooding → warn, remove or blacklist), the log of
// violations with their evidence, the removal requests waiting for group owners (WeCom lets only them remove a
// customer), and the blacklist.
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
  Segmented,
  Select,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  BlacklistEntry,
  ModerationAction,
  ModerationKind,
  ModerationRule,
  ModerationRuleBody,
  Removal,
  RemovalStatus,
} from '../../../src/contracts/community.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { communityApi } from './api.ts';
import { actionTag, MODERATION_ACTIONS, MODERATION_KINDS, REMOVAL_STATUSES, removalTag } from './labels.ts';
import { groupOptions, useGroups } from './useGroups.ts';
import { ViolationsTable } from './ViolationsTable.tsx';

const VIEWS = ['rules', 'log', 'removals', 'blacklist'] as const;
type View = (typeof VIEWS)[number];

export function ModerationPanel() {
  const { t } = useTranslation();
  const [view, setView] = useState<View>('rules');
  return (
    <>
      <Segmented<View>
        className="community-section"
        value={view}
        onChange={setView}
        options={VIEWS.map((v) => ({ value: v, label: t(`community.moderation.views.${v}`) }))}
      />
      {view === 'rules' && <RulesView />}
      {view === 'log' && <ViolationsTable />}
      {view === 'removals' && <RemovalsView />}
      {view === 'blacklist' && <BlacklistView />}
    </>
  );
}

function RulesView() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const { groups } = useGroups();
  const [rules, setRules] = useState<ModerationRule[]>([]);
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<ModerationRule | 'new' | null>(null);
  const canManage = can('community.manage');

  const load = useCallback(() => {
    setLoading(true);
    communityApi
      .listModerationRules()
      .then((page) => setRules(page.items), showError)
      .finally(() => setLoading(false));
  }, [showError]);
  useEffect(() => load(), [load]);

  const toggle = async (rule: ModerationRule, enabled: boolean) => {
    try {
      const saved = await communityApi.updateModerationRule(rule.id, { enabled });
      setRules((previous) => previous.map((r) => (r.id === rule.id ? saved : r)));
    } catch (error) {
      showError(error);
    }
  };
  const remove = async (rule: ModerationRule) => {
    try {
      await communityApi.deleteModerationRule(rule.id);
      void message.success(t('community.moderation.deleted', { name: rule.name }));
      load();
    } catch (error) {
      showError(error);
    }
  };

  const settings = (r: ModerationRule) => {
    if (r.kind === 'ad_link')
      return r.allowDomains.length > 0
        ? t('community.moderation.allowOf', { domains: r.allowDomains.join('、') })
        : t('community.moderation.noLinks');
    if (r.kind === 'sensitive_words') return t('community.moderation.wordsOf', { count: r.words.length });
    if (r.kind === 'flood')
      return t('community.moderation.floodOf', { max: r.maxMessages ?? 0, seconds: r.windowSeconds ?? 0 });
    return [
      r.flagImages && t('community.moderation.flagImages'),
      r.flagMiniPrograms && t('community.moderation.flagMiniPrograms'),
      r.flagCards && t('community.moderation.flagCards'),
    ]
      .filter(Boolean)
      .join('、');
  };

  const columns: TableColumnsType<ModerationRule> = [
    { title: t('community.moderation.name'), dataIndex: 'name' },
    {
      title: t('community.moderation.kind'),
      dataIndex: 'kind',
      render: (kind: ModerationKind, r) => (
        <Flex vertical>
          <span>{t(`community.moderationKinds.${kind}`)}</span>
          <Typography.Text type="secondary" className="small-text">
            {settings(r)}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.moderation.action'),
      dataIndex: 'action',
      render: (a: ModerationAction) => <Tag color={actionTag(a)}>{t(`community.moderationActions.${a}`)}</Tag>,
    },
    {
      title: t('community.moderation.scope'),
      dataIndex: 'groupIds',
      render: (ids: string[] | null) =>
        ids ? ids.map((id) => groups.find((g) => g.id === id)?.name ?? id).join('、') : t('community.allGroups'),
    },
    { title: t('community.moderation.violations'), dataIndex: 'violations', align: 'right' },
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
            render: (_: unknown, r: ModerationRule) => (
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
        <Typography.Text type="secondary">{t('community.moderation.hint')}</Typography.Text>
        {canManage && (
          <Button icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('community.moderation.create')}
          </Button>
        )}
      </Flex>
      <Table<ModerationRule>
        rowKey="id"
        columns={columns}
        dataSource={rules}
        loading={loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.moderation.empty') }}
      />
      {editing && (
        <RuleModal
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

interface RuleForm {
  name: string;
  kind: ModerationKind;
  action: ModerationAction;
  groupIds: string[];
  allowDomains: string[];
  words: string;
  flags: ('images' | 'miniPrograms' | 'cards')[];
  maxMessages?: number;
  windowSeconds?: number;
  warningText?: string;
}

function RuleModal({ rule, onClose, onSaved }: { rule: ModerationRule | null; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const { groups, loading } = useGroups();
  const [form] = Form.useForm<RuleForm>();
  const [saving, setSaving] = useState(false);
  const kind = Form.useWatch('kind', form);
  const action = Form.useWatch('action', form);

  const submit = async (values: RuleForm) => {
    setSaving(true);
    const words = values.words
      .split(/[\n,，、]/)
      .map((w) => w.trim())
      .filter((w) => w !== '');
    const body: ModerationRuleBody = {
      name: values.name,
      kind: values.kind,
      action: values.action,
      groupIds: values.groupIds.length > 0 ? values.groupIds : null,
      allowDomains: values.allowDomains,
      words: [...new Set(words)],
      flagImages: values.flags.includes('images'),
      flagMiniPrograms: values.flags.includes('miniPrograms'),
      flagCards: values.flags.includes('cards'),
      ...(values.maxMessages ? { maxMessages: values.maxMessages } : {}),
      ...(values.windowSeconds ? { windowSeconds: values.windowSeconds } : {}),
      warningText: values.warningText?.trim() ? values.warningText.trim() : null,
    };
    try {
      if (rule) await communityApi.updateModerationRule(rule.id, body);
      else await communityApi.createModerationRule(body);
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
      width={600}
      title={rule ? t('community.moderation.edit') : t('community.moderation.create')}
      okText={t('common.save')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form<RuleForm>
        form={form}
        layout="vertical"
        initialValues={{
          name: rule?.name,
          kind: rule?.kind ?? 'ad_link',
          action: rule?.action ?? 'warn',
          groupIds: rule?.groupIds ?? [],
          allowDomains: rule?.allowDomains ?? [],
          words: rule?.words.join('\n') ?? '',
          flags: rule
            ? [
                ...(rule.flagImages ? (['images'] as const) : []),
                ...(rule.flagMiniPrograms ? (['miniPrograms'] as const) : []),
                ...(rule.flagCards ? (['cards'] as const) : []),
              ]
            : ['images', 'miniPrograms', 'cards'],
          maxMessages: rule?.maxMessages ?? 5,
          windowSeconds: rule?.windowSeconds ?? 60,
          warningText: rule?.warningText ?? '',
        }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="name" label={t('community.moderation.name')} rules={[{ required: true, max: 60 }]}>
          <Input />
        </Form.Item>
        <Flex gap={12}>
          <Form.Item name="kind" label={t('community.moderation.kind')} className="full-width">
            <Select options={MODERATION_KINDS.map((k) => ({ value: k, label: t(`community.moderationKinds.${k}`) }))} />
          </Form.Item>
          <Form.Item name="action" label={t('community.moderation.action')} className="full-width">
            <Select
              options={MODERATION_ACTIONS.map((a) => ({ value: a, label: t(`community.moderationActions.${a}`) }))}
            />
          </Form.Item>
        </Flex>
        {kind === 'ad_link' && (
          <Form.Item
            name="allowDomains"
            label={t('community.moderation.allowDomains')}
            extra={t('community.moderation.allowDomainsHint')}
          >
            <Select mode="tags" open={false} tokenSeparators={[',', '，', ' ']} />
          </Form.Item>
        )}
        {kind === 'sensitive_words' && (
          <Form.Item
            name="words"
            label={t('community.moderation.words')}
            extra={t('community.moderation.wordsHint')}
            rules={[{ required: true }]}
          >
            <Input.TextArea rows={5} />
          </Form.Item>
        )}
        {kind === 'qr_code' && (
          <Form.Item name="flags" label={t('community.moderation.flags')} extra={t('community.moderation.flagsHint')}>
            <Checkbox.Group
              options={[
                { value: 'images', label: t('community.moderation.flagImages') },
                { value: 'miniPrograms', label: t('community.moderation.flagMiniPrograms') },
                { value: 'cards', label: t('community.moderation.flagCards') },
              ]}
            />
          </Form.Item>
        )}
        {kind === 'flood' && (
          <Flex gap={12}>
            <Form.Item name="maxMessages" label={t('community.moderation.maxMessages')} rules={[{ required: true }]}>
              <InputNumber min={2} max={1000} precision={0} />
            </Form.Item>
            <Form.Item
              name="windowSeconds"
              label={t('community.moderation.windowSeconds')}
              rules={[{ required: true }]}
            >
              <InputNumber min={1} max={3600} precision={0} />
            </Form.Item>
          </Flex>
        )}
        <Form.Item name="groupIds" label={t('community.moderation.scope')} extra={t('community.scopeHint')}>
          <Select mode="multiple" loading={loading} optionFilterProp="label" options={groupOptions(groups)} />
        </Form.Item>
        {action === 'warn' && (
          <Form.Item
            name="warningText"
            label={t('community.moderation.warningText')}
            extra={t('community.moderation.warningTextHint')}
            rules={[{ max: 500 }]}
          >
            <Input.TextArea rows={2} />
          </Form.Item>
        )}
        {action !== 'warn' && (
          <Typography.Paragraph type="secondary">{t('community.moderation.removalHint')}</Typography.Paragraph>
        )}
      </Form>
    </Modal>
  );
}

function RemovalsView() {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const [status, setStatus] = useState<RemovalStatus | undefined>('requested');
  const fetchPage = useCallback(
    (cursor: string | undefined) => communityApi.listRemovals({ status, cursor, limit: 50 }),
    [status],
  );
  const list = useCursorList(fetchPage, showError);

  const cancel = async (removal: Removal) => {
    try {
      list.replace((r) => r.id === removal.id, await communityApi.cancelRemoval(removal.id));
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Removal> = [
    { title: t('community.removals.requestedAt'), dataIndex: 'requestedAt', render: (at: string) => formatTime(at) },
    { title: t('community.removals.group'), dataIndex: 'groupName' },
    {
      title: t('community.removals.member'),
      dataIndex: 'memberName',
      render: (name: string, r) => (
        <Flex vertical>
          <span>{name}</span>
          <Typography.Text type="secondary" className="small-text">
            {r.memberId}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.removals.reason'),
      dataIndex: 'reason',
      render: (r: Removal['reason']) => t(`community.removalReasons.${r}`),
    },
    {
      title: t('community.removals.assignees'),
      key: 'assignees',
      render: (_: unknown, r) => (
        <Flex vertical>
          <span>{r.assignees.join('、')}</span>
          <Typography.Text type={r.notifyError ? 'danger' : 'secondary'} className="small-text">
            {r.notifiedAt
              ? t('community.removals.notifiedAt', { at: formatTime(r.notifiedAt) })
              : r.notifyError
                ? t('community.removals.notifyFailed', { code: r.notifyError })
                : t('community.removals.consoleOnly')}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.removals.status'),
      dataIndex: 'status',
      render: (s: RemovalStatus, r) => (
        <Flex vertical>
          <Tag color={removalTag(s)}>{t(`community.removalStatuses.${s}`)}</Tag>
          {r.doneAt && (
            <Typography.Text type="secondary" className="small-text">
              {formatTime(r.doneAt)}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    ...(can('community.manage')
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, r: Removal) =>
              r.status === 'requested' && (
                <Popconfirm title={t('community.removals.cancelConfirm')} onConfirm={() => cancel(r)}>
                  <Button type="link" size="small">
                    {t('community.removals.cancel')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Flex justify="space-between" gap={12} wrap className="filters">
        <Select<RemovalStatus>
          allowClear
          value={status}
          placeholder={t('community.removals.status')}
          aria-label={t('community.removals.status')}
          className="filter-select"
          options={REMOVAL_STATUSES.map((s) => ({ value: s, label: t(`community.removalStatuses.${s}`) }))}
          onChange={setStatus}
        />
        <Typography.Text type="secondary">{t('community.removals.hint')}</Typography.Text>
      </Flex>
      <Table<Removal>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.removals.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}

function BlacklistView() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<{ memberId: string; reason: string }>();
  const fetchPage = useCallback((cursor: string | undefined) => communityApi.listBlacklist({ cursor, limit: 50 }), []);
  const list = useCursorList(fetchPage, showError);

  const add = async (values: { memberId: string; reason: string }) => {
    try {
      await communityApi.addToBlacklist({ memberId: values.memberId.trim(), reason: values.reason });
      setAdding(false);
      form.resetFields();
      list.reload();
    } catch (error) {
      showError(error);
    }
  };
  const remove = async (entry: BlacklistEntry) => {
    try {
      await communityApi.removeFromBlacklist(entry.memberId);
      void message.success(t('community.blacklist.removed', { name: entry.name }));
      list.reload();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<BlacklistEntry> = [
    {
      title: t('community.blacklist.member'),
      dataIndex: 'name',
      render: (name: string, e) => (
        <Flex vertical>
          <span>{name}</span>
          <Typography.Text type="secondary" className="small-text">
            {e.memberId}
          </Typography.Text>
        </Flex>
      ),
    },
    { title: t('community.blacklist.reason'), dataIndex: 'reason' },
    {
      title: t('community.blacklist.by'),
      dataIndex: 'createdBy',
      render: (by: string) => (by === 'moderation' ? t('community.blacklist.byModeration') : by),
    },
    { title: t('community.blacklist.at'), dataIndex: 'createdAt', render: (at: string) => formatTime(at) },
    ...(can('community.manage')
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, e: BlacklistEntry) => (
              <Popconfirm title={t('community.blacklist.removeConfirm', { name: e.name })} onConfirm={() => remove(e)}>
                <Button type="link" size="small">
                  {t('community.blacklist.remove')}
                </Button>
              </Popconfirm>
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Flex justify="space-between" gap={12} wrap className="filters">
        <Typography.Text type="secondary">{t('community.blacklist.hint')}</Typography.Text>
        {can('community.manage') && (
          <Button icon={<PlusOutlined />} onClick={() => setAdding(true)}>
            {t('community.blacklist.add')}
          </Button>
        )}
      </Flex>
      <Table<BlacklistEntry>
        rowKey="memberId"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.blacklist.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      <Modal
        open={adding}
        title={t('community.blacklist.add')}
        okText={t('common.save')}
        onOk={() => form.submit()}
        onCancel={() => setAdding(false)}
      >
        <Form form={form} layout="vertical" onFinish={(values) => void add(values)}>
          <Form.Item
            name="memberId"
            label={t('community.blacklist.memberId')}
            extra={t('community.blacklist.memberIdHint')}
            rules={[{ required: true, max: 64 }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="reason" label={t('community.blacklist.reason')} rules={[{ required: true, max: 200 }]}>
            <Input />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
