// Follow-up SOP: plans (a trigger and dated steps that become guides' tasks), the shipped templates, the festival
// calendar plans can follow, and running the daily birthday/festival step or the overdue check now.
import { DeleteOutlined, EditOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
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
import type {
  Festival,
  Script,
  SopPlan,
  SopPlanBody,
  SopStepBody,
  SopTemplate,
  SopTrigger,
  SopTriggerType,
} from '../../../src/contracts/relationships.ts';
import { SOP_TRIGGER_TYPES } from '../../../src/contracts/relationships.ts';
import type { Segment } from '../../../src/contracts/segments.ts';
import { api } from '../api.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useTagGroups } from '../useTagGroups.ts';
import { relationshipsApi } from './api.ts';
import { RelationshipsNav } from './RelationshipsNav.tsx';
import { ScriptInput } from './ScriptsPage.tsx';

export default function SopPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [plans, setPlans] = useState<SopPlan[]>([]);
  const [festivals, setFestivals] = useState<Festival[]>([]);
  const [editing, setEditing] = useState<SopPlan | 'new' | null>(null);
  const load = useCallback(() => {
    relationshipsApi.plans().then((res) => setPlans(res.items), showError);
    relationshipsApi.festivals().then((res) => setFestivals(res.items), showError);
  }, [showError]);
  useEffect(() => load(), [load]);

  const run = async (action: () => Promise<unknown>, done: (result: never) => string) => {
    try {
      const result = await action();
      void message.success(done(result as never));
      load();
    } catch (error) {
      showError(error);
    }
  };

  const festivalName = (key: string) => festivals.find((f) => f.key === key)?.name ?? key;
  const describe = (trigger: SopTrigger) =>
    trigger.type === 'festival'
      ? `${t('relationships.sop.triggers.festival')}：${trigger.festivals.map(festivalName).join('、')}`
      : t(`relationships.sop.triggers.${trigger.type}`);

  const columns: TableColumnsType<SopPlan> = [
    { title: t('relationships.sop.name'), dataIndex: 'name' },
    { title: t('relationships.sop.trigger'), dataIndex: 'trigger', render: describe },
    {
      title: t('relationships.sop.steps'),
      dataIndex: 'steps',
      render: (steps: SopPlan['steps']) =>
        steps.map((s) => (
          <div key={s.id}>
            <Tag>
              {t('relationships.sop.offset', {
                days: s.offsetDays,
                time: s.timeOfDay ?? t('relationships.sop.atTrigger'),
              })}
            </Tag>
            {s.title}
          </div>
        )),
    },
    { title: t('relationships.sop.openTasks'), dataIndex: 'openTasks' },
    {
      title: t('relationships.sop.enabled'),
      dataIndex: 'enabled',
      render: (enabled: boolean, p) => (
        <Switch
          checked={enabled}
          onChange={(next) =>
            run(
              () => relationshipsApi.updatePlan(p.id, { enabled: next }),
              () => t('relationships.sop.saved'),
            )
          }
        />
      ),
    },
    {
      title: t('common.actions'),
      render: (_: unknown, p) => (
        <Space>
          <Button size="small" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => setEditing(p)} />
          <Popconfirm
            title={t('relationships.sop.deleteConfirm', { name: p.name })}
            onConfirm={() =>
              run(
                () => relationshipsApi.deletePlan(p.id),
                () => t('relationships.sop.deleted'),
              )
            }
          >
            <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title={t('relationships.sop.title')}
        description={t('relationships.sop.description')}
        extra={
          <Space wrap>
            <Button
              onClick={() =>
                run(relationshipsApi.dateTasks, (r: { created: number }) => t('relationships.sop.dateTasksDone', r))
              }
            >
              {t('relationships.sop.dateTasks')}
            </Button>
            <Button
              onClick={() =>
                run(relationshipsApi.overdueCheck, (r: { overdue: number; notified: number }) =>
                  t('relationships.sop.overdueDone', r),
                )
              }
            >
              {t('relationships.sop.overdueCheck')}
            </Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
              {t('relationships.sop.create')}
            </Button>
          </Space>
        }
      />
      <Flex vertical gap={16}>
        <RelationshipsNav />
        <Card>
          <Tabs
            items={[
              {
                key: 'plans',
                label: t('relationships.sop.plansTab'),
                children: (
                  <Table<SopPlan> rowKey="id" size="small" columns={columns} dataSource={plans} pagination={false} />
                ),
              },
              {
                key: 'templates',
                label: t('relationships.sop.templatesTab'),
                children: <Templates onInstalled={load} />,
              },
              {
                key: 'festivals',
                label: t('relationships.sop.festivalsTab'),
                children: <Festivals festivals={festivals} onSaved={setFestivals} />,
              },
            ]}
          />
        </Card>
      </Flex>
      {editing && (
        <PlanModal
          plan={editing === 'new' ? null : editing}
          festivals={festivals}
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

function Templates({ onInstalled }: { onInstalled(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [templates, setTemplates] = useState<SopTemplate[]>([]);
  const load = useCallback(() => {
    relationshipsApi.templates().then((res) => setTemplates(res.items), showError);
  }, [showError]);
  useEffect(() => load(), [load]);
  const install = async (key: string) => {
    try {
      const plan = await relationshipsApi.installTemplate(key);
      void message.success(t('relationships.sop.installed', { name: plan.name }));
      load();
      onInstalled();
    } catch (error) {
      showError(error);
    }
  };
  return (
    <Table<SopTemplate>
      rowKey="key"
      size="small"
      pagination={false}
      dataSource={templates}
      columns={[
        { title: t('relationships.sop.name'), dataIndex: 'name' },
        {
          title: t('relationships.sop.steps'),
          dataIndex: 'steps',
          render: (steps: SopStepBody[]) => steps.map((s) => <div key={s.title}>{s.title}</div>),
        },
        {
          title: t('common.actions'),
          render: (_: unknown, tpl) => (
            <Space>
              {tpl.installed && <Tag color="green">{t('relationships.sop.inUse')}</Tag>}
              <Button size="small" onClick={() => install(tpl.key)}>
                {t('relationships.sop.install')}
              </Button>
            </Space>
          ),
        },
      ]}
    />
  );
}

function Festivals({ festivals, onSaved }: { festivals: Festival[]; onSaved(next: Festival[]): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [editing, setEditing] = useState<Festival | 'new' | null>(null);
  const [form] = Form.useForm<{ key: string; name: string; monthDay?: string; dates?: string }>();
  const year = String(new Date().getFullYear());

  const save = async (values: { key: string; name: string; monthDay?: string; dates?: string }) => {
    const dates: Record<string, string> = {};
    for (const line of (values.dates ?? '').split(/[\n,，]+/)) {
      const m = /^\s*(20\d\d)-(\d\d-\d\d)\s*$/.exec(line);
      if (m?.[1] && m[2]) dates[m[1]] = m[2];
    }
    const next = festivals
      .filter((f) => f.key !== values.key)
      .map((f) => ({ key: f.key, name: f.name, monthDay: f.monthDay, dates: f.dates }));
    next.push({ key: values.key, name: values.name, monthDay: values.monthDay || null, dates });
    try {
      const saved = await relationshipsApi.saveFestivals({ festivals: next });
      onSaved(saved.items);
      setEditing(null);
      void message.success(t('relationships.sop.festivalSaved'));
    } catch (error) {
      showError(error);
    }
  };

  return (
    <Flex vertical gap={12}>
      <Flex justify="flex-end">
        <Button
          icon={<PlusOutlined />}
          onClick={() => {
            form.resetFields();
            setEditing('new');
          }}
        >
          {t('relationships.sop.addFestival')}
        </Button>
      </Flex>
      <Table<Festival>
        rowKey="key"
        size="small"
        pagination={false}
        dataSource={festivals}
        columns={[
          { title: t('relationships.sop.festivalName'), dataIndex: 'name' },
          {
            title: t('relationships.sop.festivalDate', { year }),
            render: (_: unknown, f) => f.dates[year] ?? f.monthDay ?? '—',
          },
          {
            title: t('relationships.sop.festivalKind'),
            render: (_: unknown, f) => (f.monthDay ? t('relationships.sop.fixedDay') : t('relationships.sop.perYear')),
          },
          {
            title: t('common.actions'),
            render: (_: unknown, f) => (
              <Button
                size="small"
                icon={<EditOutlined />}
                aria-label={t('common.edit')}
                onClick={() => {
                  form.setFieldsValue({
                    key: f.key,
                    name: f.name,
                    monthDay: f.monthDay ?? undefined,
                    dates: Object.entries(f.dates)
                      .map(([y, md]) => `${y}-${md}`)
                      .join('\n'),
                  });
                  setEditing(f);
                }}
              />
            ),
          },
        ]}
      />
      <Modal
        open={editing !== null}
        title={t('relationships.sop.festivalTitle')}
        onOk={() => form.submit()}
        onCancel={() => setEditing(null)}
      >
        <Form form={form} layout="vertical" onFinish={save}>
          <Form.Item
            name="key"
            label={t('relationships.sop.festivalKey')}
            rules={[
              { required: true, pattern: /^[a-z][a-z0-9_]{1,31}$/, message: t('relationships.sop.festivalKeyHint') },
            ]}
          >
            <Input disabled={editing !== 'new'} maxLength={32} />
          </Form.Item>
          <Form.Item name="name" label={t('relationships.sop.festivalName')} rules={[{ required: true, max: 32 }]}>
            <Input maxLength={32} />
          </Form.Item>
          <Form.Item
            name="monthDay"
            label={t('relationships.sop.fixedDay')}
            rules={[{ pattern: /^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, message: 'MM-DD' }]}
          >
            <Input placeholder="10-01" maxLength={5} />
          </Form.Item>
          <Form.Item name="dates" label={t('relationships.sop.perYear')} extra={t('relationships.sop.perYearHint')}>
            <Input.TextArea rows={4} placeholder="2027-02-06" />
          </Form.Item>
        </Form>
      </Modal>
    </Flex>
  );
}

interface PlanForm {
  name: string;
  enabled: boolean;
  triggerType: SopTriggerType;
  festivals?: string[];
  segmentId?: string;
  tagId?: string;
  steps: {
    id?: string;
    offsetDays: number;
    timeOfDay?: string;
    title: string;
    scriptId?: string;
    script?: string;
    linkTitle?: string;
    linkUrl?: string;
  }[];
}

function toForm(plan: SopPlan | null): PlanForm {
  if (!plan)
    return { name: '', enabled: true, triggerType: 'relationship_start', steps: [{ offsetDays: 0, title: '' }] };
  const trigger = plan.trigger;
  return {
    name: plan.name,
    enabled: plan.enabled,
    triggerType: trigger.type,
    ...(trigger.type === 'festival' ? { festivals: trigger.festivals } : {}),
    ...(trigger.type === 'segment_entered' ? { segmentId: trigger.segmentId } : {}),
    ...(trigger.type === 'tag_added' ? { tagId: trigger.tagId } : {}),
    steps: plan.steps.map((s) => ({
      id: s.id,
      offsetDays: s.offsetDays,
      timeOfDay: s.timeOfDay ?? undefined,
      title: s.title,
      scriptId: s.scriptId ?? undefined,
      script: s.script ?? undefined,
      ...(s.material?.kind === 'link' ? { linkTitle: s.material.title, linkUrl: s.material.url } : {}),
    })),
  };
}

function toBody(values: PlanForm): SopPlanBody {
  const trigger: SopTrigger =
    values.triggerType === 'festival'
      ? { type: 'festival', festivals: values.festivals ?? [] }
      : values.triggerType === 'segment_entered'
        ? { type: 'segment_entered', segmentId: values.segmentId ?? '' }
        : values.triggerType === 'tag_added'
          ? { type: 'tag_added', tagId: values.tagId ?? '' }
          : { type: values.triggerType };
  return {
    name: values.name.trim(),
    enabled: values.enabled,
    trigger,
    steps: values.steps.map((s) => ({
      ...(s.id ? { id: s.id } : {}),
      offsetDays: s.offsetDays,
      timeOfDay: s.timeOfDay?.trim() || null,
      title: s.title.trim(),
      scriptId: s.scriptId ?? null,
      script: s.scriptId ? null : s.script?.trim() || null,
      material: s.linkUrl?.trim()
        ? { kind: 'link', title: s.linkTitle?.trim() || s.title.trim(), url: s.linkUrl.trim() }
        : null,
    })),
  };
}

function PlanModal({
  plan,
  festivals,
  onClose,
  onSaved,
}: {
  plan: SopPlan | null;
  festivals: Festival[];
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const { can } = useSession();
  const [form] = Form.useForm<PlanForm>();
  const triggerType = Form.useWatch('triggerType', form);
  const [saving, setSaving] = useState(false);
  const [scripts, setScripts] = useState<Script[]>([]);
  const [segments, setSegments] = useState<Segment[]>([]);
  const tagGroups = useTagGroups(triggerType === 'tag_added');
  useEffect(() => {
    relationshipsApi.scripts({}).then((res) => setScripts(res.items), showError);
  }, [showError]);
  useEffect(() => {
    if (triggerType === 'segment_entered' && can('segment.read')) {
      api.listSegments({ limit: 200 }).then((res) => setSegments(res.items), showError);
    }
  }, [triggerType, can, showError]);

  const submit = async (values: PlanForm) => {
    setSaving(true);
    try {
      const body = toBody(values);
      if (plan) await relationshipsApi.updatePlan(plan.id, body);
      else await relationshipsApi.createPlan(body);
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
      width={760}
      title={t(plan ? 'relationships.sop.editTitle' : 'relationships.sop.create')}
      onOk={() => form.submit()}
      confirmLoading={saving}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" onFinish={submit} initialValues={toForm(plan)}>
        <Space wrap>
          <Form.Item name="name" label={t('relationships.sop.name')} rules={[{ required: true, max: 64 }]}>
            <Input maxLength={64} />
          </Form.Item>
          <Form.Item name="enabled" label={t('relationships.sop.enabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Space>
        <Form.Item name="triggerType" label={t('relationships.sop.trigger')} rules={[{ required: true }]}>
          <Select
            options={SOP_TRIGGER_TYPES.map((type) => ({ value: type, label: t(`relationships.sop.triggers.${type}`) }))}
          />
        </Form.Item>
        {triggerType === 'festival' && (
          <Form.Item
            name="festivals"
            label={t('relationships.sop.festivalsTab')}
            rules={[{ required: true, type: 'array', min: 1 }]}
          >
            <Select mode="multiple" options={festivals.map((f) => ({ value: f.key, label: f.name }))} />
          </Form.Item>
        )}
        {triggerType === 'segment_entered' && (
          <Form.Item name="segmentId" label={t('relationships.sop.segment')} rules={[{ required: true }]}>
            <Select
              showSearch
              optionFilterProp="label"
              options={segments.map((s) => ({ value: s.id, label: s.name }))}
            />
          </Form.Item>
        )}
        {triggerType === 'tag_added' && (
          <Form.Item name="tagId" label={t('relationships.sop.tag')} rules={[{ required: true }]}>
            <Select
              showSearch
              optionFilterProp="label"
              options={tagGroups.groups.map((g) => ({
                label: g.name,
                options: g.tags.map((tag) => ({ value: tag.id, label: tag.name })),
              }))}
            />
          </Form.Item>
        )}
        <Typography.Title level={5}>{t('relationships.sop.steps')}</Typography.Title>
        <Form.List name="steps">
          {(fields, { add, remove }) => (
            <Flex vertical gap={8}>
              {fields.map((field) => (
                <Card
                  key={field.key}
                  size="small"
                  extra={
                    fields.length > 1 && (
                      <Button
                        type="text"
                        icon={<MinusCircleOutlined />}
                        aria-label={t('common.delete')}
                        onClick={() => remove(field.name)}
                      />
                    )
                  }
                >
                  <Space wrap align="start">
                    <Form.Item
                      name={[field.name, 'offsetDays']}
                      label={t('relationships.sop.offsetDays')}
                      rules={[{ required: true }]}
                    >
                      <InputNumber min={-30} max={365} />
                    </Form.Item>
                    <Form.Item
                      name={[field.name, 'timeOfDay']}
                      label={t('relationships.sop.timeOfDay')}
                      extra={t('relationships.sop.timeOfDayHint')}
                      rules={[{ pattern: /^([01][0-9]|2[0-3]):[0-5][0-9]$/, message: 'HH:MM' }]}
                    >
                      <Input placeholder="10:00" maxLength={5} />
                    </Form.Item>
                    <Form.Item
                      name={[field.name, 'title']}
                      label={t('relationships.sop.stepTitle')}
                      rules={[{ required: true, max: 100 }]}
                    >
                      <Input maxLength={100} />
                    </Form.Item>
                  </Space>
                  <Form.Item name={[field.name, 'scriptId']} label={t('relationships.sop.libraryScript')}>
                    <Select
                      allowClear
                      showSearch
                      optionFilterProp="label"
                      options={scripts.map((s) => ({ value: s.id, label: s.title }))}
                    />
                  </Form.Item>
                  <Form.Item name={[field.name, 'script']} label={t('relationships.sop.ownScript')}>
                    <ScriptInput />
                  </Form.Item>
                  <Space wrap>
                    <Form.Item name={[field.name, 'linkTitle']} label={t('relationships.sop.linkTitle')}>
                      <Input maxLength={64} />
                    </Form.Item>
                    <Form.Item
                      name={[field.name, 'linkUrl']}
                      label={t('relationships.sop.linkUrl')}
                      rules={[{ type: 'url' }]}
                    >
                      <Input maxLength={1000} placeholder="https://" />
                    </Form.Item>
                  </Space>
                </Card>
              ))}
              {fields.length < 20 && (
                <Button icon={<PlusOutlined />} onClick={() => add({ offsetDays: 0, title: '' })}>
                  {t('relationships.sop.addStep')}
                </Button>
              )}
            </Flex>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}
