// Points rules: the earn rules, redemption rate and expiry in force; changes scheduled at least 30 days ahead (shown
// to members until they start) and every past version; custom tasks. Before any points are issued the rules may
// be set at once.
import { CalendarOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Divider,
  Drawer,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Radio,
  Select,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PointsRules, RuleChange, RulesOverview, Task, TaskFrequency } from '../../../src/contracts/points.ts';
import { formatTime } from '../format.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { PointsNav } from './PointsNav.tsx';
import { pointsApi, yuan } from './pointsApi.ts';

const STATUS_COLORS: Record<RuleChange['status'], string> = {
  pending: 'gold',
  active: 'green',
  superseded: 'default',
  cancelled: 'default',
};
const FREQUENCIES: TaskFrequency[] = ['once', 'daily', 'repeatable'];

/** The rules as the form edits them: money in yuan, caps empty for none. */
type RulesForm = Omit<PointsRules, 'purchase' | 'redemption'> & {
  purchase: Omit<PointsRules['purchase'], 'fenPerPoint'> & { yuanPerPoint: number };
  redemption: Omit<PointsRules['redemption'], 'valueFen'> & { valueYuan: number };
};

const toForm = (r: PointsRules): RulesForm => {
  const { fenPerPoint, ...purchase } = r.purchase;
  const { valueFen, ...redemption } = r.redemption;
  return {
    ...r,
    purchase: { ...purchase, yuanPerPoint: fenPerPoint / 100 },
    redemption: { ...redemption, valueYuan: valueFen / 100 },
  };
};

const fromForm = (f: RulesForm): PointsRules => {
  const { yuanPerPoint, ...purchase } = f.purchase;
  const { valueYuan, ...redemption } = f.redemption;
  const cap = (n: number | null | undefined) => (n === undefined || n === null ? null : n);
  return {
    purchase: {
      ...purchase,
      fenPerPoint: Math.round(yuanPerPoint * 100),
      dailyCap: cap(purchase.dailyCap),
      monthlyCap: cap(purchase.monthlyCap),
    },
    checkIn: {
      ...f.checkIn,
      streakBonuses: [...(f.checkIn.streakBonuses ?? [])].sort((a, b) => a.day - b.day),
      monthlyCap: cap(f.checkIn.monthlyCap),
    },
    invite: { ...f.invite, monthlyCap: cap(f.invite.monthlyCap) },
    interaction: { ...f.interaction, dailyCap: cap(f.interaction.dailyCap), monthlyCap: cap(f.interaction.monthlyCap) },
    task: { dailyCap: cap(f.task.dailyCap), monthlyCap: cap(f.task.monthlyCap) },
    redemption: { ...redemption, valueFen: Math.round(valueYuan * 100) },
    expiry: f.expiry,
  };
};

export default function PointsRulesPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const showError = useApiError();
  const { can } = useSession();
  const [overview, setOverview] = useState<RulesOverview | null>(null);
  const [versions, setVersions] = useState<RuleChange[]>([]);
  const [editing, setEditing] = useState(false);

  const load = useCallback(() => {
    pointsApi.rules().then(setOverview, showError);
    pointsApi.ruleChanges().then((res) => setVersions(res.items), showError);
  }, [showError]);
  useEffect(load, [load]);

  const cancelChange = (change: RuleChange) =>
    modal.confirm({
      title: t('points.rules.cancelTitle', { date: change.effectiveOn }),
      content: t('points.rules.cancelHint'),
      okText: t('points.rules.cancelOk'),
      okButtonProps: { danger: true },
      onOk: () =>
        pointsApi.cancelChange(change.id).then(() => {
          void message.success(t('points.rules.cancelled'));
          load();
        }, showError),
    });

  const columns: TableColumnsType<RuleChange> = [
    { title: t('points.rules.effectiveOn'), dataIndex: 'effectiveOn' },
    {
      title: t('points.rules.status'),
      dataIndex: 'status',
      render: (status: RuleChange['status']) => (
        <Tag color={STATUS_COLORS[status]}>{t(`points.rules.statuses.${status}`)}</Tag>
      ),
    },
    { title: t('points.rules.note'), dataIndex: 'note', render: (note: string | null) => note ?? '—' },
    { title: t('points.rules.createdBy'), dataIndex: 'createdBy', render: (by: string | null) => by ?? '—' },
    { title: t('points.rules.createdAt'), dataIndex: 'createdAt', render: (at: string) => formatTime(at) },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, change) =>
        change.status === 'pending' && can('points.configure') ? (
          <Button size="small" danger onClick={() => cancelChange(change)}>
            {t('points.rules.cancel')}
          </Button>
        ) : null,
    },
  ];

  return (
    <>
      <PageHeader
        title={t('points.title')}
        description={t('points.rules.description')}
        extra={
          <Space wrap>
            <PointsNav />
            {can('points.configure') && overview && (
              <Button type="primary" icon={<EditOutlined />} onClick={() => setEditing(true)}>
                {overview.locked ? t('points.rules.schedule') : t('points.rules.edit')}
              </Button>
            )}
          </Space>
        }
      />
      <Tabs
        items={[
          {
            key: 'rules',
            label: t('points.rules.tab'),
            children: overview && (
              <Flex vertical gap={16}>
                {overview.pending.map((change) => (
                  <Alert
                    key={change.id}
                    type="warning"
                    showIcon
                    icon={<CalendarOutlined />}
                    title={t('points.rules.pendingTitle', { date: change.effectiveOn })}
                    description={change.note ?? t('points.rules.pendingHint')}
                    action={
                      can('points.configure') && (
                        <Button size="small" danger onClick={() => cancelChange(change)}>
                          {t('points.rules.cancel')}
                        </Button>
                      )
                    }
                  />
                ))}
                <RulesView rules={overview.current} since={overview.effectiveAt} />
              </Flex>
            ),
          },
          {
            key: 'versions',
            label: t('points.rules.versions'),
            children: (
              <Card>
                <Table<RuleChange>
                  rowKey="id"
                  columns={columns}
                  dataSource={[...versions].reverse()}
                  pagination={false}
                  locale={{ emptyText: t('points.rules.noVersions') }}
                  expandable={{ expandedRowRender: (change) => <RulesView rules={change.rules} since={null} /> }}
                />
              </Card>
            ),
          },
          { key: 'tasks', label: t('points.tasks.tab'), children: <TasksPanel /> },
        ]}
      />
      {editing && overview && (
        <RulesEditor
          overview={overview}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            load();
          }}
        />
      )}
    </>
  );
}

function RulesView({ rules, since }: { rules: PointsRules; since: string | null }) {
  const { t } = useTranslation();
  const cap = (n: number | null) => (n === null ? t('points.rules.noCap') : n.toLocaleString());
  const onOff = (on: boolean) => (
    <Tag color={on ? 'green' : 'default'}>{on ? t('points.rules.on') : t('points.rules.off')}</Tag>
  );
  const bonuses = rules.checkIn.streakBonuses
    .map((b) => t('points.rules.bonus', { day: b.day, points: b.points }))
    .join('，');
  return (
    <Card
      title={t('points.rules.current')}
      extra={
        <Typography.Text type="secondary">
          {since ? t('points.rules.since', { at: formatTime(since) }) : t('points.rules.defaults')}
        </Typography.Text>
      }
    >
      <Descriptions bordered size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('points.rules.purchase')}>
          {onOff(rules.purchase.enabled)} {t('points.rules.purchaseRate', { yuan: yuan(rules.purchase.fenPerPoint) })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.caps')}>
          {t('points.rules.dailyMonthly', {
            daily: cap(rules.purchase.dailyCap),
            monthly: cap(rules.purchase.monthlyCap),
          })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.checkIn')}>
          {onOff(rules.checkIn.enabled)} {t('points.rules.checkInPoints', { points: rules.checkIn.points })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.streak')}>
          {bonuses || '—'}
          {rules.checkIn.cycleDays > 0 && ` (${t('points.rules.cycle', { days: rules.checkIn.cycleDays })})`}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.invite')}>
          {onOff(rules.invite.enabled)} {t('points.rules.invitePoints', { points: rules.invite.points })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.caps')}>
          {t('points.rules.monthly', { monthly: cap(rules.invite.monthlyCap) })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.interaction')}>
          {onOff(rules.interaction.enabled)} {t('points.rules.interactionPoints', { points: rules.interaction.points })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.caps')}>
          {t('points.rules.dailyMonthly', {
            daily: cap(rules.interaction.dailyCap),
            monthly: cap(rules.interaction.monthlyCap),
          })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.task')}>
          {t('points.rules.dailyMonthly', { daily: cap(rules.task.dailyCap), monthly: cap(rules.task.monthlyCap) })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.expiry')}>
          {t('points.rules.expiryMonths', { months: rules.expiry.months })}
        </Descriptions.Item>
        <Descriptions.Item label={t('points.rules.redemption')} span={2}>
          {onOff(rules.redemption.enabled)}{' '}
          {t('points.rules.redemptionRate', {
            points: rules.redemption.points,
            yuan: yuan(rules.redemption.valueFen),
            pct: rules.redemption.maxOrderSharePct,
            min: rules.redemption.minPoints,
          })}
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

interface EditorForm {
  rules: RulesForm;
  mode: 'now' | 'scheduled';
  effectiveOn?: Dayjs;
  note?: string;
}

function RulesEditor({ overview, onClose, onSaved }: { overview: RulesOverview; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [form] = Form.useForm<EditorForm>();
  const [saving, setSaving] = useState(false);
  const mode = Form.useWatch('mode', form);
  const earliest = dayjs(overview.earliestEffectiveOn);
  const latestPending = overview.pending[overview.pending.length - 1];

  const save = async (values: EditorForm) => {
    setSaving(true);
    try {
      const rules = fromForm(values.rules);
      if (values.mode === 'now') {
        await pointsApi.setRules(rules);
        void message.success(t('points.rules.saved'));
      } else {
        const effectiveOn = (values.effectiveOn ?? earliest).format('YYYY-MM-DD');
        await pointsApi.scheduleChange({ rules, effectiveOn, ...(values.note ? { note: values.note } : {}) });
        void message.success(t('points.rules.scheduled', { date: effectiveOn }));
      }
      onSaved();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  const capInput = (name: (string | number)[], label: string) => (
    <Form.Item name={name} label={label}>
      <InputNumber min={1} precision={0} placeholder={t('points.rules.noCap')} className="points-number" />
    </Form.Item>
  );
  const pointsInput = (name: (string | number)[], label: string, min = 0) => (
    <Form.Item name={name} label={label} rules={[{ required: true }]}>
      <InputNumber min={min} precision={0} className="points-number" />
    </Form.Item>
  );

  return (
    <Drawer
      open
      width={640}
      title={overview.locked ? t('points.rules.schedule') : t('points.rules.edit')}
      onClose={onClose}
      extra={
        <Button type="primary" loading={saving} onClick={() => form.submit()}>
          {t('common.save')}
        </Button>
      }
    >
      <Form<EditorForm>
        form={form}
        layout="vertical"
        name="pointsRules"
        initialValues={{
          rules: toForm(latestPending?.rules ?? overview.current),
          mode: overview.locked ? 'scheduled' : 'now',
          effectiveOn: earliest,
        }}
        onFinish={save}
      >
        {overview.locked ? (
          <Alert type="info" showIcon title={t('points.rules.lockedHint', { days: overview.noticeDays })} />
        ) : (
          <Form.Item name="mode" label={t('points.rules.when')}>
            <Radio.Group
              options={[
                { value: 'now', label: t('points.rules.now') },
                { value: 'scheduled', label: t('points.rules.later') },
              ]}
            />
          </Form.Item>
        )}
        {(overview.locked || mode === 'scheduled') && (
          <Flex gap={16} wrap>
            <Form.Item name="effectiveOn" label={t('points.rules.effectiveOn')} rules={[{ required: true }]}>
              <DatePicker disabledDate={(d) => d.isBefore(earliest, 'day')} allowClear={false} />
            </Form.Item>
            <Form.Item name="note" label={t('points.rules.note')} className="points-note">
              <Input maxLength={500} placeholder={t('points.rules.notePlaceholder')} />
            </Form.Item>
          </Flex>
        )}

        <Divider titlePlacement="start">{t('points.rules.purchase')}</Divider>
        <Flex gap={16} wrap>
          <Form.Item name={['rules', 'purchase', 'enabled']} label={t('points.rules.enabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item
            name={['rules', 'purchase', 'yuanPerPoint']}
            label={t('points.rules.yuanPerPoint')}
            rules={[{ required: true }]}
          >
            <InputNumber min={0.01} step={0.01} precision={2} suffix="元" className="points-number" />
          </Form.Item>
          {capInput(['rules', 'purchase', 'dailyCap'], t('points.rules.dailyCap'))}
          {capInput(['rules', 'purchase', 'monthlyCap'], t('points.rules.monthlyCap'))}
        </Flex>

        <Divider titlePlacement="start">{t('points.rules.checkIn')}</Divider>
        <Flex gap={16} wrap>
          <Form.Item name={['rules', 'checkIn', 'enabled']} label={t('points.rules.enabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
          {pointsInput(['rules', 'checkIn', 'points'], t('points.rules.dailyPoints'))}
          {pointsInput(['rules', 'checkIn', 'cycleDays'], t('points.rules.cycleDays'))}
          {capInput(['rules', 'checkIn', 'monthlyCap'], t('points.rules.monthlyCap'))}
        </Flex>
        <Form.List name={['rules', 'checkIn', 'streakBonuses']}>
          {(fields, { add, remove }) => (
            <>
              {fields.map((field) => (
                <Space key={field.key} align="baseline">
                  <Form.Item
                    name={[field.name, 'day']}
                    label={t('points.rules.streakDay')}
                    rules={[{ required: true }]}
                  >
                    <InputNumber min={2} max={366} precision={0} />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'points']}
                    label={t('points.rules.bonusPoints')}
                    rules={[{ required: true }]}
                  >
                    <InputNumber min={1} precision={0} />
                  </Form.Item>
                  <Button type="link" danger onClick={() => remove(field.name)}>
                    {t('common.delete')}
                  </Button>
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({ day: 3, points: 5 })}>
                {t('points.rules.addBonus')}
              </Button>
            </>
          )}
        </Form.List>

        <Divider titlePlacement="start">{t('points.rules.invite')}</Divider>
        <Flex gap={16} wrap>
          <Form.Item name={['rules', 'invite', 'enabled']} label={t('points.rules.enabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
          {pointsInput(['rules', 'invite', 'points'], t('points.rules.invitePointsLabel'))}
          {capInput(['rules', 'invite', 'monthlyCap'], t('points.rules.monthlyCap'))}
        </Flex>

        <Divider titlePlacement="start">{t('points.rules.interaction')}</Divider>
        <Flex gap={16} wrap>
          <Form.Item
            name={['rules', 'interaction', 'enabled']}
            label={t('points.rules.enabled')}
            valuePropName="checked"
          >
            <Switch />
          </Form.Item>
          {pointsInput(['rules', 'interaction', 'points'], t('points.rules.perInteraction'))}
          {capInput(['rules', 'interaction', 'dailyCap'], t('points.rules.dailyCap'))}
          {capInput(['rules', 'interaction', 'monthlyCap'], t('points.rules.monthlyCap'))}
        </Flex>

        <Divider titlePlacement="start">{t('points.rules.task')}</Divider>
        <Flex gap={16} wrap>
          {capInput(['rules', 'task', 'dailyCap'], t('points.rules.dailyCap'))}
          {capInput(['rules', 'task', 'monthlyCap'], t('points.rules.monthlyCap'))}
        </Flex>

        <Divider titlePlacement="start">{t('points.rules.redemption')}</Divider>
        <Flex gap={16} wrap>
          <Form.Item
            name={['rules', 'redemption', 'enabled']}
            label={t('points.rules.enabled')}
            valuePropName="checked"
          >
            <Switch />
          </Form.Item>
          {pointsInput(['rules', 'redemption', 'points'], t('points.rules.ratePoints'), 1)}
          <Form.Item
            name={['rules', 'redemption', 'valueYuan']}
            label={t('points.rules.rateValue')}
            rules={[{ required: true }]}
          >
            <InputNumber min={0.01} step={0.01} precision={2} suffix="元" className="points-number" />
          </Form.Item>
          <Form.Item
            name={['rules', 'redemption', 'maxOrderSharePct']}
            label={t('points.rules.maxShare')}
            rules={[{ required: true }]}
          >
            <InputNumber min={1} max={100} precision={0} suffix="%" className="points-number" />
          </Form.Item>
          {pointsInput(['rules', 'redemption', 'minPoints'], t('points.rules.minPoints'))}
        </Flex>

        <Divider titlePlacement="start">{t('points.rules.expiry')}</Divider>
        <Form.Item
          name={['rules', 'expiry', 'months']}
          label={t('points.rules.expiryMonthsLabel')}
          rules={[{ required: true }]}
        >
          <InputNumber min={1} max={120} precision={0} className="points-number" />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

interface TaskForm {
  name: string;
  description?: string;
  points: number;
  frequency: TaskFrequency;
  window?: [Dayjs | null, Dayjs | null] | null;
}

function TasksPanel() {
  const { t } = useTranslation();
  const showError = useApiError();
  const { can } = useSession();
  const [tasks, setTasks] = useState<Task[]>([]);
  const [showArchived, setShowArchived] = useState(false);
  const [creating, setCreating] = useState(false);
  const load = useCallback(() => {
    pointsApi.tasks(showArchived).then((res) => setTasks(res.items), showError);
  }, [showArchived, showError]);
  useEffect(load, [load]);

  const setArchived = (task: Task, archived: boolean) =>
    pointsApi.updateTask(task.id, { archived }).then(load, showError);
  const columns: TableColumnsType<Task> = [
    {
      title: t('points.tasks.name'),
      dataIndex: 'name',
      render: (name: string, task) => (
        <>
          <div>{name}</div>
          {task.description && <Typography.Text type="secondary">{task.description}</Typography.Text>}
        </>
      ),
    },
    { title: t('points.tasks.points'), dataIndex: 'points', align: 'right' },
    {
      title: t('points.tasks.frequency'),
      dataIndex: 'frequency',
      render: (f: TaskFrequency) => t(`points.tasks.frequencies.${f}`),
    },
    {
      title: t('points.tasks.window'),
      key: 'window',
      render: (_, task) =>
        task.startsAt || task.endsAt
          ? `${formatTime(task.startsAt)} ~ ${formatTime(task.endsAt)}`
          : t('points.tasks.always'),
    },
    { title: t('points.tasks.completions'), dataIndex: 'completions', align: 'right' },
    {
      title: t('points.tasks.id'),
      dataIndex: 'id',
      render: (id: string) => <Typography.Text copyable>{id}</Typography.Text>,
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, task) =>
        can('points.configure') &&
        (task.archived ? (
          <Button size="small" onClick={() => setArchived(task, false)}>
            {t('points.tasks.restore')}
          </Button>
        ) : (
          <Button size="small" danger onClick={() => setArchived(task, true)}>
            {t('points.tasks.archive')}
          </Button>
        )),
    },
  ];
  return (
    <Card
      title={t('points.tasks.title')}
      extra={
        <Space>
          <Switch checked={showArchived} onChange={setShowArchived} /> {t('points.tasks.showArchived')}
          {can('points.configure') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('points.tasks.create')}
            </Button>
          )}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('points.tasks.hint')}</Typography.Paragraph>
      <Table<Task>
        rowKey="id"
        columns={columns}
        dataSource={tasks}
        pagination={false}
        scroll={{ x: 'max-content' }}
        rowClassName={(task) => (task.archived ? 'points-row-muted' : '')}
        locale={{ emptyText: t('points.tasks.empty') }}
      />
      {creating && (
        <TaskModal
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            load();
          }}
        />
      )}
    </Card>
  );
}

function TaskModal({ onClose, onCreated }: { onClose(): void; onCreated(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<TaskForm>();
  const [saving, setSaving] = useState(false);
  const submit = async (values: TaskForm) => {
    setSaving(true);
    try {
      await pointsApi.createTask({
        name: values.name,
        points: values.points,
        frequency: values.frequency,
        ...(values.description ? { description: values.description } : {}),
        startsAt: values.window?.[0]?.toISOString() ?? null,
        endsAt: values.window?.[1]?.toISOString() ?? null,
      });
      onCreated();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('points.tasks.create')} onCancel={onClose} onOk={() => form.submit()} confirmLoading={saving}>
      <Form<TaskForm>
        form={form}
        layout="vertical"
        name="pointsTask"
        initialValues={{ frequency: 'once', points: 10 }}
        onFinish={submit}
      >
        <Form.Item name="name" label={t('points.tasks.name')} rules={[{ required: true, max: 64 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="description" label={t('points.tasks.description')} rules={[{ max: 500 }]}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Flex gap={16}>
          <Form.Item name="points" label={t('points.tasks.points')} rules={[{ required: true }]}>
            <InputNumber min={1} precision={0} />
          </Form.Item>
          <Form.Item name="frequency" label={t('points.tasks.frequency')} rules={[{ required: true }]}>
            <Select
              className="filter-select"
              options={FREQUENCIES.map((f) => ({ value: f, label: t(`points.tasks.frequencies.${f}`) }))}
            />
          </Form.Item>
        </Flex>
        <Form.Item name="window" label={t('points.tasks.window')}>
          <DatePicker.RangePicker showTime allowEmpty={[true, true]} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
