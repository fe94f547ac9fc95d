// Group SOP: planned group messages, once or every day or week at a time, to some groups or all, with a link card;
// each plan's next run and the messages it sent, whose send results say which groups the owner has sent to.
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Checkbox,
  DatePicker,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Radio,
  Select,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Send, SendState, SopPlan, SopPlanBody, SopSchedule } from '../../../src/contracts/community.ts';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { communityApi } from './api.ts';
import { SOP_SCHEDULES, sendTag, WEEKDAYS } from './labels.ts';
import { groupOptions, useGroups } from './useGroups.ts';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function SopPanel() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const { groups } = useGroups();
  const [plans, setPlans] = useState<SopPlan[]>([]);
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<SopPlan | 'new' | null>(null);
  const canManage = can('community.manage');

  const load = useCallback(() => {
    setLoading(true);
    communityApi
      .listSopPlans()
      .then((page) => setPlans(page.items), showError)
      .finally(() => setLoading(false));
  }, [showError]);
  useEffect(() => load(), [load]);

  const toggle = async (plan: SopPlan, enabled: boolean) => {
    try {
      const saved = await communityApi.updateSopPlan(plan.id, { enabled });
      setPlans((previous) => previous.map((p) => (p.id === plan.id ? saved : p)));
    } catch (error) {
      showError(error);
    }
  };
  const run = async (plan: SopPlan) => {
    try {
      const result = await communityApi.runSopPlan(plan.id);
      void message.success(t('community.sop.ran', { count: result.sends.length }));
      load();
    } catch (error) {
      showError(error);
    }
  };
  const remove = async (plan: SopPlan) => {
    try {
      await communityApi.deleteSopPlan(plan.id);
      load();
    } catch (error) {
      showError(error);
    }
  };

  const when = (p: SopPlan) => {
    if (p.schedule === 'once') return t('community.sop.onceAt', { at: formatTime(p.runAt) });
    if (p.schedule === 'daily') return t('community.sop.dailyAt', { time: p.time });
    return t('community.sop.weeklyAt', {
      days: p.weekdays.map((d) => t(`community.weekdays.${d as 1}`)).join('、'),
      time: p.time,
    });
  };

  const columns: TableColumnsType<SopPlan> = [
    {
      title: t('community.sop.name'),
      dataIndex: 'name',
      render: (name: string, p) => (
        <Flex vertical>
          <Typography.Text strong>{name}</Typography.Text>
          <Typography.Text className="community-message">{p.text}</Typography.Text>
          {p.link && (
            <Typography.Text type="secondary" className="small-text">
              🔗 {p.link.title}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('community.sop.when'),
      key: 'when',
      render: (_: unknown, p) => (
        <Flex vertical>
          <span>{when(p)}</span>
          {(p.startsOn || p.endsOn) && (
            <Typography.Text type="secondary" className="small-text">
              {t('community.sop.between', { from: p.startsOn ?? '…', to: p.endsOn ?? '…' })}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('community.sop.groups'),
      dataIndex: 'groupIds',
      render: (ids: string[] | null) =>
        ids ? ids.map((id) => groups.find((g) => g.id === id)?.name ?? id).join('、') : t('community.allGroups'),
    },
    { title: t('community.sop.nextRun'), dataIndex: 'nextRunAt', render: (at: string | null) => formatTime(at) },
    {
      title: t('community.sop.runs'),
      key: 'runs',
      align: 'right',
      render: (_: unknown, p) => (
        <Flex vertical align="flex-end">
          <span>{p.runs}</span>
          <Typography.Text type="secondary" className="small-text">
            {formatTime(p.lastRunAt)}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('community.enabled'),
      dataIndex: 'enabled',
      render: (enabled: boolean, p) => (
        <Switch
          size="small"
          checked={enabled}
          disabled={!canManage}
          aria-label={t('community.toggle', { name: p.name })}
          onChange={(next) => void toggle(p, next)}
        />
      ),
    },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, p: SopPlan) => (
              <Flex gap={4}>
                <Popconfirm title={t('community.sop.runConfirm', { name: p.name })} onConfirm={() => run(p)}>
                  <Button type="link" size="small">
                    {t('community.sop.runNow')}
                  </Button>
                </Popconfirm>
                <Button type="link" size="small" onClick={() => setEditing(p)}>
                  {t('common.edit')}
                </Button>
                <Popconfirm title={t('community.deleteConfirm', { name: p.name })} onConfirm={() => remove(p)}>
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
        <Typography.Text type="secondary">{t('community.sop.hint')}</Typography.Text>
        {canManage && (
          <Button icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('community.sop.create')}
          </Button>
        )}
      </Flex>
      <Table<SopPlan>
        rowKey="id"
        columns={columns}
        dataSource={plans}
        loading={loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        expandable={{ expandedRowRender: (p) => <PlanSends planId={p.id} /> }}
        locale={{ emptyText: t('community.sop.empty') }}
      />
      {editing && (
        <PlanModal
          plan={editing === 'new' ? null : editing}
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

/** The group messages a plan sent, newest first, with WeCom's send results per group. */
function PlanSends({ planId }: { planId: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const [sends, setSends] = useState<Send[]>([]);
  useEffect(() => {
    communityApi
      .listSends({ kind: 'sop', sourceId: planId, limit: 20 })
      .then((page) => setSends(page.items), showError);
  }, [planId, showError]);

  const refresh = async (send: Send) => {
    try {
      const next = await communityApi.refreshSend(send.id);
      setSends((previous) => previous.map((s) => (s.id === send.id ? next : s)));
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Send> = [
    { title: t('community.sends.createdAt'), dataIndex: 'createdAt', render: (at: string) => formatTime(at) },
    { title: t('community.sends.sender'), dataIndex: 'sender' },
    {
      title: t('community.sends.state'),
      dataIndex: 'state',
      render: (s: SendState, send) => (
        <Flex vertical>
          <Tag color={sendTag(s)}>{t(`community.sendStates.${s}`)}</Tag>
          {send.error && (
            <Typography.Text type="danger" className="small-text">
              {send.error}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('community.sends.results'),
      key: 'results',
      render: (_: unknown, send) => {
        const sent = send.results.filter((r) => r.status === 1).length;
        return t('community.sends.resultsOf', { sent, total: send.results.length });
      },
    },
    ...(can('community.manage')
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, send: Send) =>
              send.state === 'sent' && (
                <Button size="small" icon={<ReloadOutlined />} onClick={() => void refresh(send)}>
                  {t('community.sends.refresh')}
                </Button>
              ),
          },
        ]
      : []),
  ];
  return (
    <Table<Send>
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={sends}
      pagination={false}
      locale={{ emptyText: t('community.sends.empty') }}
    />
  );
}

interface PlanForm {
  name: string;
  schedule: SopSchedule;
  runAt?: Dayjs;
  time?: string;
  weekdays: number[];
  text: string;
  linkTitle?: string;
  linkUrl?: string;
  days?: [Dayjs | null, Dayjs | null];
  groupIds: string[];
}

function PlanModal({ plan, onClose, onSaved }: { plan: SopPlan | null; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const { groups, loading } = useGroups();
  const [form] = Form.useForm<PlanForm>();
  const [saving, setSaving] = useState(false);
  const schedule = Form.useWatch('schedule', form);

  const submit = async (values: PlanForm) => {
    setSaving(true);
    const body: SopPlanBody = {
      name: values.name,
      schedule: values.schedule,
      text: values.text,
      groupIds: values.groupIds.length > 0 ? values.groupIds : null,
      link: values.linkTitle && values.linkUrl ? { title: values.linkTitle, url: values.linkUrl } : null,
      startsOn: values.days?.[0]?.format('YYYY-MM-DD') ?? null,
      endsOn: values.days?.[1]?.format('YYYY-MM-DD') ?? null,
      ...(values.schedule === 'once' && values.runAt ? { runAt: values.runAt.toISOString() } : {}),
      ...(values.schedule !== 'once' && values.time ? { time: values.time } : {}),
      ...(values.schedule === 'weekly' ? { weekdays: values.weekdays } : {}),
    };
    try {
      if (plan) await communityApi.updateSopPlan(plan.id, body);
      else await communityApi.createSopPlan(body);
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
      width={620}
      title={plan ? t('community.sop.edit') : t('community.sop.create')}
      okText={t('common.save')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form<PlanForm>
        form={form}
        layout="vertical"
        initialValues={{
          name: plan?.name,
          schedule: plan?.schedule ?? 'daily',
          runAt: plan?.runAt ? dayjs(plan.runAt) : undefined,
          time: plan?.time ?? '09:00',
          weekdays: plan?.weekdays ?? [1],
          text: plan?.text,
          linkTitle: plan?.link?.title,
          linkUrl: plan?.link?.url,
          days: [plan?.startsOn ? dayjs(plan.startsOn) : null, plan?.endsOn ? dayjs(plan.endsOn) : null],
          groupIds: plan?.groupIds ?? [],
        }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="name" label={t('community.sop.name')} rules={[{ required: true, max: 60 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="schedule" label={t('community.sop.schedule')}>
          <Radio.Group
            optionType="button"
            options={SOP_SCHEDULES.map((s) => ({ value: s, label: t(`community.sopSchedules.${s}`) }))}
          />
        </Form.Item>
        {schedule === 'once' ? (
          <Form.Item name="runAt" label={t('community.sop.runAt')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
          </Form.Item>
        ) : (
          <Form.Item
            name="time"
            label={t('community.sop.time')}
            rules={[{ required: true, pattern: TIME, message: t('community.timeFormat') }]}
          >
            <Input placeholder="09:00" className="filter-select" />
          </Form.Item>
        )}
        {schedule === 'weekly' && (
          <Form.Item
            name="weekdays"
            label={t('community.sop.weekdays')}
            rules={[{ required: true, type: 'array', min: 1 }]}
          >
            <Checkbox.Group options={WEEKDAYS.map((d) => ({ value: d, label: t(`community.weekdays.${d}`) }))} />
          </Form.Item>
        )}
        {schedule !== 'once' && (
          <Form.Item name="days" label={t('community.sop.days')}>
            <DatePicker.RangePicker allowEmpty={[true, true]} />
          </Form.Item>
        )}
        <Form.Item name="text" label={t('community.sop.text')} rules={[{ required: true, max: 2000 }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        <Flex gap={12}>
          <Form.Item name="linkTitle" label={t('community.sop.linkTitle')} className="full-width">
            <Input />
          </Form.Item>
          <Form.Item
            name="linkUrl"
            label={t('community.sop.linkUrl')}
            className="full-width"
            rules={[{ pattern: /^https?:\/\//, message: t('community.sop.linkUrlFormat') }]}
          >
            <Input placeholder="https://" />
          </Form.Item>
        </Flex>
        <Form.Item name="groupIds" label={t('community.sop.groups')} extra={t('community.scopeHint')}>
          <Select mode="multiple" loading={loading} optionFilterProp="label" options={groupOptions(groups)} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
