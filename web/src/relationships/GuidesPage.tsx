// Guides (导购): staff linked to their WeCom member ids and managers, resignation with succession of all their
// customers, the guide–customer relationships, WeCom members nobody is linked to yet, syncs from WeCom, and the
// e-mail that carries notices (churn alerts) to managers.
import { LinkOutlined, SyncOutlined, UserSwitchOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type {
  EmailSettings,
  Guide,
  Relationship,
  RelationshipStatus,
  StaffChoice,
  SyncRun,
  UnlinkedWecomUser,
} from '../../../src/contracts/relationships.ts';
import { RELATIONSHIP_STATUSES } from '../../../src/contracts/relationships.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { relationshipsApi } from './api.ts';
import { RELATIONSHIP_STATUS_COLORS } from './labels.ts';
import { RelationshipsNav } from './RelationshipsNav.tsx';

export default function GuidesPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const manage = can('relationship.manage');
  const [guides, setGuides] = useState<Guide[]>([]);
  const showError = useApiError();
  const reload = useCallback(() => {
    relationshipsApi.guides().then((res) => setGuides(res.items), showError);
  }, [showError]);
  useEffect(() => reload(), [reload]);

  return (
    <>
      <PageHeader title={t('relationships.guides.title')} description={t('relationships.guides.description')} />
      <Flex vertical gap={16}>
        <RelationshipsNav />
        <Card>
          <Tabs
            items={[
              {
                key: 'guides',
                label: t('relationships.guides.tab'),
                children: <GuidesTab guides={guides} reload={reload} manage={manage} />,
              },
              {
                key: 'relationships',
                label: t('relationships.list.tab'),
                children: <RelationshipsTab guides={guides} />,
              },
              ...(manage
                ? [
                    {
                      key: 'unlinked',
                      label: t('relationships.unlinked.tab'),
                      children: <UnlinkedTab onLinked={reload} />,
                    },
                    { key: 'sync', label: t('relationships.sync.tab'), children: <SyncTab /> },
                    { key: 'email', label: t('relationships.email.tab'), children: <EmailTab /> },
                  ]
                : []),
            ]}
          />
        </Card>
      </Flex>
    </>
  );
}

function GuidesTab({ guides, reload, manage }: { guides: Guide[]; reload(): void; manage: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [linking, setLinking] = useState<{ guide?: Guide; wecomUserId?: string } | null>(null);
  const [resigning, setResigning] = useState<Guide | null>(null);

  const act = async (run: () => Promise<unknown>, done: string) => {
    try {
      await run();
      void message.success(done);
      reload();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Guide> = [
    { title: t('relationships.guides.name'), dataIndex: 'name' },
    { title: t('relationships.guides.department'), dataIndex: 'department', render: (v: string | null) => v ?? '—' },
    { title: t('relationships.guides.wecomUserId'), dataIndex: 'wecomUserId' },
    { title: t('relationships.guides.manager'), dataIndex: 'managerName', render: (v: string | null) => v ?? '—' },
    { title: t('relationships.guides.customers'), dataIndex: 'customerCount' },
    {
      title: t('relationships.guides.status'),
      dataIndex: 'status',
      render: (status: Guide['status'], g) => (
        <Tag color={status === 'active' ? 'green' : 'default'}>
          {t(`relationships.guideStatus.${status}`)}
          {g.resignedAt ? ` ${formatTime(g.resignedAt)}` : ''}
        </Tag>
      ),
    },
    ...(manage
      ? [
          {
            title: t('common.actions'),
            render: (_: unknown, g: Guide) => (
              <Space wrap>
                <Button size="small" onClick={() => setLinking({ guide: g })}>
                  {t('common.edit')}
                </Button>
                {g.status === 'active' ? (
                  <Button size="small" danger onClick={() => setResigning(g)}>
                    {t('relationships.guides.resign')}
                  </Button>
                ) : (
                  <Button
                    size="small"
                    onClick={() =>
                      act(() => relationshipsApi.reinstate(g.staffId), t('relationships.guides.reinstated'))
                    }
                  >
                    {t('relationships.guides.reinstate')}
                  </Button>
                )}
                <Popconfirm
                  title={t('relationships.guides.unlinkConfirm', { name: g.name })}
                  onConfirm={() =>
                    act(() => relationshipsApi.unlinkGuide(g.staffId), t('relationships.guides.unlinked'))
                  }
                >
                  <Button size="small">{t('relationships.guides.unlink')}</Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <Flex vertical gap={12}>
      {manage && (
        <Flex justify="flex-end">
          <Button type="primary" icon={<LinkOutlined />} onClick={() => setLinking({})}>
            {t('relationships.guides.link')}
          </Button>
        </Flex>
      )}
      <Table<Guide> rowKey="staffId" size="small" columns={columns} dataSource={guides} pagination={false} />
      {linking && (
        <LinkModal
          guide={linking.guide}
          wecomUserId={linking.wecomUserId}
          onClose={() => setLinking(null)}
          onSaved={() => {
            setLinking(null);
            reload();
          }}
        />
      )}
      {resigning && (
        <ResignModal
          guide={resigning}
          guides={guides}
          onClose={() => setResigning(null)}
          onDone={() => {
            setResigning(null);
            reload();
          }}
        />
      )}
    </Flex>
  );
}

export function LinkModal({
  guide,
  wecomUserId,
  onClose,
  onSaved,
}: {
  guide?: Guide;
  wecomUserId?: string;
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [staff, setStaff] = useState<StaffChoice[]>([]);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<{ staffId: string; wecomUserId: string; managerStaffId?: string }>();
  useEffect(() => {
    relationshipsApi.staffChoices().then((res) => setStaff(res.items), showError);
  }, [showError]);
  const submit = async (values: { staffId: string; wecomUserId: string; managerStaffId?: string }) => {
    setSaving(true);
    try {
      await relationshipsApi.linkGuide(values.staffId, {
        wecomUserId: values.wecomUserId.trim(),
        managerStaffId: values.managerStaffId ?? null,
      });
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
      title={t(guide ? 'relationships.guides.editTitle' : 'relationships.guides.linkTitle')}
      onOk={() => form.submit()}
      confirmLoading={saving}
      onCancel={onClose}
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{
          staffId: guide?.staffId,
          wecomUserId: guide?.wecomUserId ?? wecomUserId,
          managerStaffId: guide?.managerStaffId ?? undefined,
        }}
      >
        <Form.Item name="staffId" label={t('relationships.guides.staff')} rules={[{ required: true }]}>
          <Select
            showSearch
            disabled={Boolean(guide)}
            optionFilterProp="label"
            options={staff
              .filter((s) => !s.linked || s.staffId === guide?.staffId)
              .map((s) => ({ value: s.staffId, label: `${s.name}（${t(`role.${s.role}` as 'role.guide')}）` }))}
          />
        </Form.Item>
        <Form.Item
          name="wecomUserId"
          label={t('relationships.guides.wecomUserId')}
          extra={t('relationships.guides.wecomUserIdHint')}
          rules={[
            {
              required: true,
              pattern: /^[A-Za-z0-9_.@-]{1,64}$/,
              message: t('relationships.guides.wecomUserIdInvalid'),
            },
          ]}
        >
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item
          name="managerStaffId"
          label={t('relationships.guides.manager')}
          extra={t('relationships.guides.managerHint')}
        >
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            options={staff
              .filter((s) => s.staffId !== guide?.staffId)
              .map((s) => ({ value: s.staffId, label: s.name }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ResignModal({
  guide,
  guides,
  onClose,
  onDone,
}: {
  guide: Guide;
  guides: Guide[];
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [takeover, setTakeover] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    setSaving(true);
    try {
      const result = await relationshipsApi.resign(guide.staffId, takeover);
      void message.success(
        result.succession
          ? t('relationships.guides.resignedWithSuccession', {
              waiting: result.succession.requested,
              failed: result.succession.rejected,
            })
          : t('relationships.guides.resigned'),
      );
      onDone();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={t('relationships.guides.resignTitle', { name: guide.name })}
      okText={t('relationships.guides.resign')}
      okButtonProps={{ danger: true }}
      onOk={submit}
      confirmLoading={saving}
      onCancel={onClose}
    >
      <Typography.Paragraph>
        {t('relationships.guides.resignHint', { count: guide.customerCount })}
      </Typography.Paragraph>
      <Select
        allowClear
        className="full-width"
        placeholder={t('relationships.guides.takeoverPlaceholder')}
        value={takeover}
        onChange={setTakeover}
        options={guides
          .filter((g) => g.status === 'active' && g.staffId !== guide.staffId)
          .map((g) => ({ value: g.staffId, label: `${g.name}（${g.customerCount}）` }))}
      />
    </Modal>
  );
}

function RelationshipsTab({ guides }: { guides: Guide[] }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [guideStaffId, setGuideStaffId] = useState<string | undefined>();
  const [status, setStatus] = useState<RelationshipStatus | undefined>('active');
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      relationshipsApi.relationships({
        ...(guideStaffId ? { guideStaffId } : {}),
        ...(status ? { status } : {}),
        cursor,
        limit: 50,
      }),
    [guideStaffId, status],
  );
  const list = useCursorList(fetchPage, showError);
  return (
    <Flex vertical gap={12}>
      <Flex gap={12} wrap className="filters">
        <Select
          allowClear
          className="filter-select"
          placeholder={t('relationships.tasks.allGuides')}
          value={guideStaffId}
          onChange={setGuideStaffId}
          options={guides.map((g) => ({ value: g.staffId, label: g.name }))}
        />
        <Select
          allowClear
          className="filter-select"
          placeholder={t('relationships.list.allStatuses')}
          value={status}
          onChange={setStatus}
          options={RELATIONSHIP_STATUSES.map((s) => ({ value: s, label: t(`relationships.status.${s}`) }))}
        />
      </Flex>
      <RelationshipTable items={list.items} loading={list.loading} showCustomer />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </Flex>
  );
}

export function RelationshipTable({
  items,
  loading,
  showCustomer,
}: {
  items: Relationship[];
  loading: boolean;
  showCustomer?: boolean;
}) {
  const { t } = useTranslation();
  const columns: TableColumnsType<Relationship> = [
    ...(showCustomer
      ? [
          {
            title: t('relationships.list.customer'),
            dataIndex: 'customerName',
            render: (name: string | null, r: Relationship) => (
              <Link to={`/customers/${r.customerId}`}>{name ?? r.contactName ?? t('customers.unnamed')}</Link>
            ),
          },
        ]
      : []),
    {
      title: t('relationships.list.guide'),
      dataIndex: 'guideName',
      render: (name: string | null, r) => name ?? <Typography.Text type="secondary">{r.wecomUserId}</Typography.Text>,
    },
    {
      title: t('relationships.list.status'),
      dataIndex: 'status',
      render: (s: RelationshipStatus, r) => (
        <Space size={4}>
          <Tag color={RELATIONSHIP_STATUS_COLORS[s]}>{t(`relationships.status.${s}`)}</Tag>
          {r.pending && <Tag>{t('relationships.list.pending')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('relationships.list.origin'),
      dataIndex: 'origin',
      render: (o: Relationship['origin']) => t(`relationships.origin.${o}`),
    },
    { title: t('relationships.list.state'), dataIndex: 'state', render: (v: string | null) => v ?? '—' },
    { title: t('relationships.list.remark'), dataIndex: 'remark', render: (v: string) => v || '—' },
    {
      title: t('relationships.list.wecomTags'),
      dataIndex: 'wecomTags',
      render: (tags: Relationship['wecomTags']) =>
        tags.map((tag) => <Tag key={`${tag.groupName}/${tag.tagName}`}>{tag.tagName}</Tag>),
    },
    { title: t('relationships.list.addedAt'), dataIndex: 'addedAt', render: (v: string | null) => formatTime(v) },
    { title: t('relationships.list.endedAt'), dataIndex: 'endedAt', render: (v: string | null) => formatTime(v) },
  ];
  return (
    <Table<Relationship>
      rowKey="id"
      size="small"
      loading={loading}
      columns={columns}
      dataSource={items}
      pagination={false}
      scroll={{ x: 900 }}
      locale={{ emptyText: t('relationships.list.empty') }}
    />
  );
}

function UnlinkedTab({ onLinked }: { onLinked(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [items, setItems] = useState<UnlinkedWecomUser[]>([]);
  const [linking, setLinking] = useState<string | null>(null);
  const load = useCallback(() => {
    relationshipsApi.unlinked().then((res) => setItems(res.items), showError);
  }, [showError]);
  useEffect(() => load(), [load]);
  const columns: TableColumnsType<UnlinkedWecomUser> = [
    { title: t('relationships.guides.wecomUserId'), dataIndex: 'wecomUserId' },
    { title: t('relationships.unlinked.activeCustomers'), dataIndex: 'activeCustomers' },
    {
      title: t('relationships.unlinked.lastAddedAt'),
      dataIndex: 'lastAddedAt',
      render: (v: string | null) => formatTime(v),
    },
    {
      title: t('common.actions'),
      render: (_: unknown, u) => (
        <Button size="small" icon={<LinkOutlined />} onClick={() => setLinking(u.wecomUserId)}>
          {t('relationships.unlinked.link')}
        </Button>
      ),
    },
  ];
  return (
    <>
      <Typography.Paragraph type="secondary">{t('relationships.unlinked.hint')}</Typography.Paragraph>
      <Table<UnlinkedWecomUser>
        rowKey="wecomUserId"
        size="small"
        columns={columns}
        dataSource={items}
        pagination={false}
        locale={{ emptyText: t('relationships.unlinked.empty') }}
      />
      {linking && (
        <LinkModal
          wecomUserId={linking}
          onClose={() => setLinking(null)}
          onSaved={() => {
            setLinking(null);
            load();
            onLinked();
          }}
        />
      )}
    </>
  );
}

function SyncTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [runs, setRuns] = useState<SyncRun[]>([]);
  const load = useCallback(() => {
    relationshipsApi.syncRuns().then((res) => setRuns(res.items), showError);
  }, [showError]);
  useEffect(() => load(), [load]);
  // While a sync runs, its counts are refreshed every two seconds.
  const running = runs.some((r) => r.status === 'running');
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, [running, load]);
  const start = async () => {
    try {
      await relationshipsApi.sync();
      void message.success(t('relationships.sync.started'));
      load();
    } catch (error) {
      showError(error);
    }
  };
  const columns: TableColumnsType<SyncRun> = [
    { title: t('relationships.sync.startedAt'), dataIndex: 'startedAt', render: (v: string) => formatTime(v) },
    {
      title: t('relationships.sync.trigger'),
      dataIndex: 'trigger',
      render: (v: SyncRun['trigger']) => t(`relationships.sync.triggers.${v}`),
    },
    {
      title: t('relationships.sync.status'),
      dataIndex: 'status',
      render: (s: SyncRun['status'], r) => (
        <Tag color={s === 'succeeded' ? 'green' : s === 'failed' ? 'red' : 'processing'}>
          {t(`relationships.sync.statuses.${s}`)} {r.guidesDone}/{r.guides}
        </Tag>
      ),
    },
    { title: t('relationships.sync.contacts'), dataIndex: 'contacts' },
    { title: t('relationships.sync.created'), dataIndex: 'created' },
    { title: t('relationships.sync.ended'), dataIndex: 'ended' },
    { title: t('relationships.sync.updated'), dataIndex: 'updated' },
    {
      title: t('relationships.sync.errors'),
      dataIndex: 'errors',
      render: (errors: SyncRun['errors']) =>
        errors.map((e) => (
          <Typography.Text key={e.wecomUserId} type="danger">
            {e.wecomUserId}: {e.message}
          </Typography.Text>
        )),
    },
  ];
  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">{t('relationships.sync.hint')}</Typography.Text>
        <Button type="primary" icon={<SyncOutlined />} onClick={start} loading={running}>
          {t('relationships.sync.start')}
        </Button>
      </Flex>
      <Table<SyncRun> rowKey="id" size="small" columns={columns} dataSource={runs} pagination={false} />
    </Flex>
  );
}

interface EmailForm {
  enabled: boolean;
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
}

function EmailTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [settings, setSettings] = useState<EmailSettings | null>(null);
  const [saving, setSaving] = useState(false);
  const [testTo, setTestTo] = useState('');
  const [form] = Form.useForm<EmailForm>();
  useEffect(() => {
    relationshipsApi.settings().then((s) => {
      setSettings(s.email);
      form.setFieldsValue({
        enabled: s.email.source === 'workspace' ? s.email.enabled : true,
        host: s.email.source === 'workspace' ? (s.email.host ?? '') : '',
        port: s.email.port ?? 587,
        secure: s.email.secure,
        user: s.email.source === 'workspace' ? (s.email.user ?? undefined) : undefined,
        from: s.email.source === 'workspace' ? (s.email.from ?? '') : '',
      });
    }, showError);
  }, [form, showError]);
  const save = async (values: EmailForm) => {
    setSaving(true);
    try {
      const next = await relationshipsApi.saveEmail({
        enabled: values.enabled,
        host: values.host.trim(),
        port: values.port,
        secure: values.secure,
        user: values.user?.trim() || null,
        ...(values.password ? { password: values.password } : {}),
        from: values.from.trim(),
      });
      setSettings(next);
      form.setFieldValue('password', undefined);
      void message.success(t('relationships.email.saved'));
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  const test = async () => {
    try {
      const result = await relationshipsApi.testEmail(testTo.trim());
      if (result.sent) void message.success(t('relationships.email.testSent', { to: testTo.trim() }));
      else void message.error(result.error ?? '');
    } catch (error) {
      showError(error);
    }
  };
  return (
    <Flex vertical gap={12} className="email-settings">
      {settings && (
        <Typography.Paragraph type="secondary">
          {t(`relationships.email.source.${settings.source}`)}
        </Typography.Paragraph>
      )}
      <Form form={form} layout="vertical" onFinish={save}>
        <Form.Item name="enabled" label={t('relationships.email.enabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Space wrap>
          <Form.Item name="host" label={t('relationships.email.host')} rules={[{ required: true }]}>
            <Input maxLength={253} />
          </Form.Item>
          <Form.Item name="port" label={t('relationships.email.port')} rules={[{ required: true }]}>
            <InputNumber min={1} max={65535} />
          </Form.Item>
          <Form.Item name="secure" label={t('relationships.email.secure')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Space>
        <Space wrap>
          <Form.Item name="user" label={t('relationships.email.user')}>
            <Input maxLength={254} autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('relationships.email.password')}
            extra={settings?.hasPassword ? t('relationships.email.passwordKept') : undefined}
          >
            <Input.Password maxLength={256} autoComplete="new-password" />
          </Form.Item>
        </Space>
        <Form.Item name="from" label={t('relationships.email.from')} rules={[{ required: true, type: 'email' }]}>
          <Input maxLength={254} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={saving}>
          {t('common.save')}
        </Button>
      </Form>
      <Space.Compact>
        <Input
          placeholder={t('relationships.email.testTo')}
          value={testTo}
          onChange={(e) => setTestTo(e.target.value)}
          maxLength={254}
        />
        <Button icon={<UserSwitchOutlined />} onClick={test} disabled={!testTo.includes('@')}>
          {t('relationships.email.test')}
        </Button>
      </Space.Compact>
    </Flex>
  );
}
