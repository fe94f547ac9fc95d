// Issuance rules: which event issues which template to whom (a member joins, reaches a tier, pays an order, enters
// a segment), how many each time, with what each rule has issued and refused so far; switch on and off, delete.
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
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { CouponRule, CouponRuleBody, CouponTemplate, RuleTrigger } from '../../../src/contracts/coupons.ts';
import type { Segment } from '../../../src/contracts/segments.ts';
import { api, newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { useSession, useSignedIn } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { couponApi, type TierChoice } from './api.ts';
import { RULE_TRIGGERS } from './labels.ts';

export function RulesPanel({ template }: { template?: CouponTemplate }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [rules, setRules] = useState<CouponRule[]>([]);
  const [loading, setLoading] = useState(false);
  const [creating, setCreating] = useState(false);
  const canManage = can('coupon.manage');

  const load = useCallback(() => {
    setLoading(true);
    couponApi
      .listRules({ templateId: template?.id })
      .then((page) => setRules(page.items), showError)
      .finally(() => setLoading(false));
  }, [template?.id, showError]);
  useEffect(() => load(), [load]);

  const update = async (rule: CouponRule, active: boolean) => {
    try {
      const saved = await couponApi.updateRule(rule.id, { active });
      setRules((previous) => previous.map((r) => (r.id === rule.id ? saved : r)));
    } catch (error) {
      showError(error);
    }
  };
  const remove = async (rule: CouponRule) => {
    try {
      await couponApi.deleteRule(rule.id);
      void message.success(t('coupons.rules.deleted', { name: rule.name }));
      load();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<CouponRule> = [
    { title: t('coupons.rules.name'), dataIndex: 'name' },
    {
      title: t('coupons.rules.trigger'),
      dataIndex: 'trigger',
      render: (tr: RuleTrigger) => t(`coupons.triggers.${tr}`),
    },
    ...(template
      ? []
      : [
          {
            title: t('coupons.coupons.template'),
            dataIndex: 'templateTitle',
            render: (title: string, r: CouponRule) => <Link to={`/coupons/templates/${r.templateId}`}>{title}</Link>,
          },
        ]),
    { title: t('coupons.rules.quantity'), dataIndex: 'quantity', align: 'right' },
    { title: t('coupons.rules.issued'), dataIndex: 'issued', align: 'right' },
    {
      title: t('coupons.rules.refused'),
      dataIndex: 'refused',
      align: 'right',
      render: (n: number, r) =>
        n > 0 && r.lastRefusal ? (
          <Typography.Text type="warning" title={t('coupons.rules.lastRefusal', { reason: r.lastRefusal })}>
            {n}
          </Typography.Text>
        ) : (
          n
        ),
    },
    { title: t('coupons.rules.lastFired'), dataIndex: 'lastFiredAt', render: (at: string | null) => formatTime(at) },
    {
      title: t('coupons.rules.active'),
      dataIndex: 'active',
      render: (active: boolean, r) => (
        <Switch
          size="small"
          checked={active}
          disabled={!canManage}
          aria-label={t('coupons.rules.toggle', { name: r.name })}
          onChange={(next) => void update(r, next)}
        />
      ),
    },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, r: CouponRule) => (
              <Popconfirm title={t('coupons.rules.deleteConfirm', { name: r.name })} onConfirm={() => remove(r)}>
                <Button type="link" size="small" danger>
                  {t('common.delete')}
                </Button>
              </Popconfirm>
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Flex justify="space-between" align="center" gap={12} wrap className="filters">
        <Typography.Text type="secondary">{t('coupons.rules.hint')}</Typography.Text>
        {canManage && template?.status !== 'ended' && (
          <Button icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('coupons.rules.create')}
          </Button>
        )}
      </Flex>
      <Table<CouponRule>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={rules}
        loading={loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('coupons.rules.empty') }}
      />
      <RuleModal
        open={creating}
        template={template}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setCreating(false);
          load();
        }}
      />
    </>
  );
}

interface RuleForm {
  name: string;
  templateId: string;
  trigger: RuleTrigger;
  segmentId?: string;
  tierIds?: string[];
  minPaidYuan?: number | null;
  quantity: number;
}

function RuleModal({
  open,
  template,
  onClose,
  onCreated,
}: {
  open: boolean;
  template?: CouponTemplate;
  onClose(): void;
  onCreated(): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const session = useSignedIn();
  const { can } = useSession();
  const showError = useApiError();
  const [form] = Form.useForm<RuleForm>();
  const [saving, setSaving] = useState(false);
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const [templates, setTemplates] = useState<CouponTemplate[]>([]);
  const [segments, setSegments] = useState<Segment[]>([]);
  const [tiers, setTiers] = useState<TierChoice[]>([]);
  const trigger = Form.useWatch('trigger', form);
  // The tier ladder belongs to the loyalty module: offered when the caller may read it.
  const canReadTiers = session.permissions.includes('member.read');

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue({ trigger: 'member.joined', quantity: 1, ...(template ? { templateId: template.id } : {}) });
    setIdempotencyKey(newIdempotencyKey());
    if (!template) {
      couponApi
        .listTemplates({ limit: 200 })
        .then((page) => setTemplates(page.items.filter((x) => x.status !== 'ended')), showError);
    }
    if (can('segment.read')) api.listSegments({ limit: 200 }).then((page) => setSegments(page.items), showError);
    if (canReadTiers) couponApi.listTiers().then((page) => setTiers(page.items), showError);
  }, [open, template, form, can, canReadTiers, showError]);

  const save = async (v: RuleForm) => {
    setSaving(true);
    try {
      const body: CouponRuleBody = {
        name: v.name.trim(),
        templateId: v.templateId,
        trigger: v.trigger,
        quantity: v.quantity,
        ...(v.trigger === 'segment.entered' ? { segmentId: v.segmentId ?? null } : {}),
        ...(v.trigger === 'member.tier_changed' ? { tierIds: v.tierIds ?? [] } : {}),
        ...(v.trigger === 'order.paid' && v.minPaidYuan != null ? { minPaidFen: Math.round(v.minPaidYuan * 100) } : {}),
      };
      const rule = await couponApi.createRule(body, idempotencyKey);
      void message.success(t('coupons.rules.created', { name: rule.name }));
      onCreated();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('coupons.rules.create')}
      okText={t('common.create')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form<RuleForm> form={form} layout="vertical" onFinish={(v) => void save(v)}>
        <Form.Item
          name="name"
          label={t('coupons.rules.name')}
          rules={[{ required: true, whitespace: true, message: t('coupons.rules.nameRequired') }]}
        >
          <Input maxLength={64} placeholder={t('coupons.rules.namePlaceholder')} />
        </Form.Item>
        {!template && (
          <Form.Item
            name="templateId"
            label={t('coupons.coupons.template')}
            rules={[{ required: true, message: t('coupons.rules.templateRequired') }]}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              options={templates.map((x) => ({ value: x.id, label: x.title }))}
            />
          </Form.Item>
        )}
        <Form.Item name="trigger" label={t('coupons.rules.trigger')}>
          <Select options={RULE_TRIGGERS.map((tr) => ({ value: tr, label: t(`coupons.triggers.${tr}`) }))} />
        </Form.Item>
        {trigger === 'segment.entered' && (
          <Form.Item
            name="segmentId"
            label={t('coupons.rules.segment')}
            rules={[{ required: true, message: t('coupons.rules.segmentRequired') }]}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              options={segments.map((s) => ({ value: s.id, label: s.name }))}
            />
          </Form.Item>
        )}
        {trigger === 'member.tier_changed' && (
          <Form.Item name="tierIds" label={t('coupons.rules.tiers')} extra={t('coupons.rules.tiersHelp')}>
            <Select
              mode="multiple"
              allowClear
              disabled={!canReadTiers}
              placeholder={t('coupons.rules.anyUpgrade')}
              options={[...tiers].sort((a, b) => a.rank - b.rank).map((x) => ({ value: x.id, label: x.name }))}
            />
          </Form.Item>
        )}
        {trigger === 'order.paid' && (
          <Form.Item name="minPaidYuan" label={t('coupons.rules.minPaid')}>
            <InputNumber min={0} precision={2} suffix={t('coupons.form.yuan')} />
          </Form.Item>
        )}
        <Form.Item
          name="quantity"
          label={t('coupons.rules.quantity')}
          extra={t(`coupons.rules.once.${trigger ?? 'member.joined'}`)}
        >
          <InputNumber min={1} max={10} precision={0} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
