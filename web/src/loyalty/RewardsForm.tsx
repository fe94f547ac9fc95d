// Creating and editing a reward in a drawer. The kind (and a coupon reward's template) is chosen once; cash is
// typed in yuan and sent in fen, and only physical rewards take it; a virtual reward's stock is its codes, uploaded
// separately; an empty stock or limit means none.
import {
  Button,
  DatePicker,
  Drawer,
  Flex,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Space,
  Switch,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CouponTemplate } from '../../../src/contracts/coupons.ts';
import type { Tier } from '../../../src/contracts/loyalty.ts';
import type { LimitPeriod, Reward, RewardBody, RewardKind, UpdateRewardBody } from '../../../src/contracts/rewards.ts';
import { newIdempotencyKey } from '../api.ts';
import { couponApi } from '../coupons/api.ts';
import { useApiError } from '../useApiError.ts';
import { membersApi } from './MembersApi.ts';
import { REWARD_KINDS, rewardsApi } from './RewardsApi.ts';

const PERIODS: LimitPeriod[] = ['day', 'week', 'month'];

interface FormValues {
  kind: RewardKind;
  name: string;
  description?: string;
  imageUrl?: string;
  pointsPrice: number;
  cashYuan?: number | null;
  couponTemplateId?: string;
  stock?: number | null;
  perMemberLimit?: number | null;
  periodCount?: number | null;
  period: LimitPeriod;
  minTierId?: string | null;
  window?: [Dayjs | null, Dayjs | null] | null;
  sort: number;
  active: boolean;
}

function valuesOf(r: Reward | null): FormValues {
  if (!r) return { kind: 'coupon', name: '', pointsPrice: 100, period: 'day', sort: 0, active: true };
  return {
    kind: r.kind,
    name: r.name,
    description: r.description ?? '',
    imageUrl: r.imageUrl ?? '',
    pointsPrice: r.pointsPrice,
    cashYuan: r.cashFen > 0 ? r.cashFen / 100 : null,
    couponTemplateId: r.couponTemplate?.id,
    stock: r.stock,
    perMemberLimit: r.perMemberLimit,
    periodCount: r.periodLimit?.count ?? null,
    period: r.periodLimit?.period ?? 'day',
    minTierId: r.minTier?.id ?? null,
    window:
      r.visibleFrom || r.visibleUntil
        ? [r.visibleFrom ? dayjs(r.visibleFrom) : null, r.visibleUntil ? dayjs(r.visibleUntil) : null]
        : null,
    sort: r.sort,
    active: r.active,
  };
}

export function RewardsForm({
  reward,
  onClose,
  onSaved,
}: {
  reward: Reward | null;
  onClose(): void;
  onSaved(reward: Reward, created: boolean): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<FormValues>();
  const kind = Form.useWatch('kind', form) ?? reward?.kind ?? 'coupon';
  const [templates, setTemplates] = useState<CouponTemplate[]>([]);
  const [tiers, setTiers] = useState<Tier[]>([]);
  const [saving, setSaving] = useState(false);
  // One key per drawer: a resend after a lost answer creates the reward once.
  const [key] = useState(newIdempotencyKey);

  useEffect(() => {
    couponApi.listTemplates({ limit: 200 }).then((page) => setTemplates(page.items), showError);
    membersApi.tiers().then((res) => setTiers(res.items), showError);
  }, [showError]);

  const submit = async (v: FormValues) => {
    setSaving(true);
    const [from, until] = v.window ?? [null, null];
    const common = {
      name: v.name.trim(),
      description: v.description?.trim() || null,
      imageUrl: v.imageUrl?.trim() || null,
      pointsPrice: v.pointsPrice,
      perMemberLimit: v.perMemberLimit ?? null,
      periodLimit: v.periodCount ? { count: v.periodCount, period: v.period } : null,
      minTierId: v.minTierId ?? null,
      visibleFrom: from ? from.toISOString() : null,
      visibleUntil: until ? until.toISOString() : null,
      sort: v.sort,
      active: v.active,
      ...(v.kind === 'physical' ? { cashFen: Math.round((v.cashYuan ?? 0) * 100) } : {}),
      ...(v.kind !== 'virtual' ? { stock: v.stock ?? null } : {}),
    };
    try {
      if (reward) {
        const body: UpdateRewardBody = common;
        onSaved(await rewardsApi.update(reward.id, body), false);
      } else {
        const body: RewardBody = {
          kind: v.kind,
          ...common,
          ...(v.kind === 'coupon' && v.couponTemplateId ? { couponTemplateId: v.couponTemplateId } : {}),
        };
        onSaved(await rewardsApi.create(body, key), true);
      }
    } catch (error) {
      showError(error);
      setSaving(false);
    }
  };

  const title = reward ? t('rewards.editTitle', { name: reward.name }) : t('rewards.create');
  return (
    <Drawer
      open
      title={title}
      size={640}
      onClose={onClose}
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => form.submit()}>
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      <Form<FormValues>
        form={form}
        layout="vertical"
        name="reward"
        initialValues={valuesOf(reward)}
        onFinish={(v) => void submit(v)}
      >
        <Form.Item name="kind" label={t('rewards.kind')}>
          <Radio.Group
            disabled={reward !== null}
            optionType="button"
            options={REWARD_KINDS.map((k) => ({ value: k, label: t(`rewards.kinds.${k}`) }))}
          />
        </Form.Item>
        <Typography.Paragraph type="secondary">{t(`rewards.kindHints.${kind}`)}</Typography.Paragraph>
        {kind === 'coupon' && (
          <Form.Item
            name="couponTemplateId"
            label={t('rewards.couponTemplate')}
            rules={[{ required: true, message: t('rewards.couponTemplateRequired') }]}
          >
            <Select
              disabled={reward !== null}
              showSearch={{ optionFilterProp: 'label' }}
              options={templates.map((tp) => ({ value: tp.id, label: tp.title }))}
            />
          </Form.Item>
        )}
        <Form.Item
          name="name"
          label={t('rewards.name')}
          rules={[{ required: true, whitespace: true, message: t('rewards.nameRequired') }]}
        >
          <Input maxLength={60} showCount />
        </Form.Item>
        <Form.Item name="description" label={t('rewards.descriptionLabel')}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
        <Form.Item
          name="imageUrl"
          label={t('rewards.imageUrl')}
          rules={[{ pattern: /^https?:\/\/\S+$/, message: t('rewards.imageUrlInvalid') }]}
        >
          <Input placeholder="https://" maxLength={1000} />
        </Form.Item>
        <Flex gap={16} wrap>
          <Form.Item name="pointsPrice" label={t('rewards.pointsPrice')} rules={[{ required: true }]}>
            <InputNumber min={1} max={1_000_000_000} precision={0} />
          </Form.Item>
          {kind === 'physical' && (
            <Form.Item name="cashYuan" label={t('rewards.cash')} extra={t('rewards.cashHint')}>
              <InputNumber min={0} max={1_000_000} precision={2} prefix="¥" />
            </Form.Item>
          )}
          {kind !== 'virtual' && (
            <Form.Item name="stock" label={t('rewards.stock')} extra={t('rewards.stockHint')}>
              <InputNumber min={0} max={1_000_000_000} precision={0} />
            </Form.Item>
          )}
        </Flex>
        <Flex gap={16} wrap>
          <Form.Item name="perMemberLimit" label={t('rewards.perMemberLimit')} extra={t('rewards.emptyNoLimit')}>
            <InputNumber min={1} max={1000} precision={0} />
          </Form.Item>
          <Form.Item label={t('rewards.periodLimit')} extra={t('rewards.emptyNoLimit')}>
            <Space.Compact>
              <Form.Item name="period" noStyle>
                <Select
                  aria-label={t('rewards.period')}
                  style={{ width: 96 }}
                  options={PERIODS.map((p) => ({ value: p, label: t(`rewards.periods.${p}`) }))}
                />
              </Form.Item>
              <Form.Item name="periodCount" noStyle>
                <InputNumber min={1} max={1000} precision={0} aria-label={t('rewards.periodCount')} />
              </Form.Item>
            </Space.Compact>
          </Form.Item>
        </Flex>
        <Form.Item name="minTierId" label={t('rewards.minTier')}>
          <Select
            allowClear
            placeholder={t('rewards.anyTier')}
            options={tiers.map((tier) => ({ value: tier.id, label: tier.name }))}
          />
        </Form.Item>
        <Form.Item name="window" label={t('rewards.window')} extra={t('rewards.windowHint')}>
          <DatePicker.RangePicker showTime allowEmpty={[true, true]} />
        </Form.Item>
        <Flex gap={16} wrap>
          <Form.Item name="sort" label={t('rewards.sort')} extra={t('rewards.sortHint')}>
            <InputNumber min={-1_000_000} max={1_000_000} precision={0} />
          </Form.Item>
          <Form.Item name="active" label={t('rewards.onSaleLabel')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Flex>
      </Form>
    </Drawer>
  );
}
