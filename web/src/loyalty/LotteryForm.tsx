// Creating and editing a lottery in a drawer: cost, daily limit, window, and the prize list with each prize's odds
// typed in percent (sent in parts per million) and its stock; what the prizes leave of 100 % is "nothing", shown
// as it is typed. Prizes keep their id through an edit (their draws stay linked); removed ones are retired.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  DatePicker,
  Drawer,
  Flex,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Switch,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CouponTemplate } from '../../../src/contracts/coupons.ts';
import type { Lottery, LotteryBody, PrizeBody, PrizeKind, Reward } from '../../../src/contracts/rewards.ts';
import { newIdempotencyKey } from '../api.ts';
import { couponApi } from '../coupons/api.ts';
import { useApiError } from '../useApiError.ts';
import { percentText, rewardsApi } from './RewardsApi.ts';

const PRIZE_KINDS: PrizeKind[] = ['points', 'coupon', 'reward', 'nothing'];
const PPM = 1_000_000;

interface PrizeValues {
  id?: string;
  kind: PrizeKind;
  name: string;
  percent: number;
  stock?: number | null;
  points?: number | null;
  couponTemplateId?: string;
  rewardId?: string;
  imageUrl?: string;
}

interface FormValues {
  name: string;
  description?: string;
  costPoints: number;
  dailyLimit: number;
  window?: [Dayjs | null, Dayjs | null] | null;
  active: boolean;
  prizes: PrizeValues[];
}

function valuesOf(l: Lottery | null): FormValues {
  if (!l) {
    return {
      name: '',
      costPoints: 20,
      dailyLimit: 3,
      active: true,
      prizes: [{ kind: 'points', name: '', percent: 10, points: 50 }],
    };
  }
  return {
    name: l.name,
    description: l.description ?? '',
    costPoints: l.costPoints,
    dailyLimit: l.dailyLimit,
    window: l.startsAt || l.endsAt ? [l.startsAt ? dayjs(l.startsAt) : null, l.endsAt ? dayjs(l.endsAt) : null] : null,
    active: l.active,
    prizes: l.prizes.map((p) => ({
      id: p.id,
      kind: p.kind,
      name: p.name,
      percent: p.probabilityPpm / 10_000,
      stock: p.stock,
      points: p.points,
      couponTemplateId: p.couponTemplate?.id,
      rewardId: p.reward?.id,
      imageUrl: p.imageUrl ?? '',
    })),
  };
}

function prizeBody(p: PrizeValues): PrizeBody {
  return {
    ...(p.id ? { id: p.id } : {}),
    kind: p.kind,
    name: p.name.trim(),
    imageUrl: p.imageUrl?.trim() || null,
    probabilityPpm: Math.round((p.percent ?? 0) * 10_000),
    ...(p.kind !== 'nothing' ? { stock: p.stock ?? null } : {}),
    ...(p.kind === 'points' && p.points ? { points: p.points } : {}),
    ...(p.kind === 'coupon' && p.couponTemplateId ? { couponTemplateId: p.couponTemplateId } : {}),
    ...(p.kind === 'reward' && p.rewardId ? { rewardId: p.rewardId } : {}),
  };
}

export function LotteryForm({
  lottery,
  onClose,
  onSaved,
}: {
  lottery: Lottery | null;
  onClose(): void;
  onSaved(lottery: Lottery, created: boolean): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<FormValues>();
  const prizes = (Form.useWatch('prizes', form) ?? []) as (PrizeValues | undefined)[];
  const [templates, setTemplates] = useState<CouponTemplate[]>([]);
  const [rewards, setRewards] = useState<Reward[]>([]);
  const [saving, setSaving] = useState(false);
  const [key] = useState(newIdempotencyKey);

  useEffect(() => {
    couponApi.listTemplates({ limit: 200 }).then((page) => setTemplates(page.items), showError);
    rewardsApi.list({ kind: 'physical', limit: 200 }).then((page) => setRewards(page.items), showError);
  }, [showError]);

  const totalPpm = prizes.reduce((sum, p) => sum + Math.round((p?.percent ?? 0) * 10_000), 0);

  const submit = async (v: FormValues) => {
    setSaving(true);
    const [from, until] = v.window ?? [null, null];
    const body: LotteryBody = {
      name: v.name.trim(),
      description: v.description?.trim() || null,
      costPoints: v.costPoints,
      dailyLimit: v.dailyLimit,
      startsAt: from ? from.toISOString() : null,
      endsAt: until ? until.toISOString() : null,
      active: v.active,
      prizes: v.prizes.map(prizeBody),
    };
    try {
      if (lottery) onSaved(await rewardsApi.updateLottery(lottery.id, body), false);
      else onSaved(await rewardsApi.createLottery(body, key), true);
    } catch (error) {
      showError(error);
      setSaving(false);
    }
  };

  return (
    <Drawer
      open
      size={760}
      title={lottery ? t('lottery.editTitle', { name: lottery.name }) : t('lottery.create')}
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
        name="lottery"
        initialValues={valuesOf(lottery)}
        onFinish={(v) => void submit(v)}
      >
        <Form.Item
          name="name"
          label={t('lottery.name')}
          rules={[{ required: true, whitespace: true, message: t('lottery.nameRequired') }]}
        >
          <Input maxLength={40} showCount />
        </Form.Item>
        <Form.Item name="description" label={t('lottery.descriptionLabel')}>
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
        <Flex gap={16} wrap>
          <Form.Item name="costPoints" label={t('lottery.cost')} rules={[{ required: true }]}>
            <InputNumber min={1} max={1_000_000} precision={0} suffix={t('lottery.pointsUnit')} />
          </Form.Item>
          <Form.Item name="dailyLimit" label={t('lottery.dailyLimit')} rules={[{ required: true }]}>
            <InputNumber min={1} max={100} precision={0} />
          </Form.Item>
          <Form.Item name="active" label={t('lottery.active')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Flex>
        <Form.Item name="window" label={t('lottery.window')} extra={t('lottery.windowHint')}>
          <DatePicker.RangePicker showTime allowEmpty={[true, true]} />
        </Form.Item>
        <Typography.Title level={5}>{t('lottery.prizes')}</Typography.Title>
        <Form.List name="prizes">
          {(fields, { add, remove }) => (
            <Flex vertical gap={8}>
              {fields.map((field) => {
                const kind = prizes[field.name]?.kind ?? 'points';
                return (
                  <Flex key={field.key} gap={8} wrap align="flex-start" className="prize-row">
                    <Form.Item name={[field.name, 'kind']} rules={[{ required: true }]}>
                      <Select
                        aria-label={t('lottery.prizeKind')}
                        style={{ width: 110 }}
                        disabled={Boolean(prizes[field.name]?.id)}
                        options={PRIZE_KINDS.map((k) => ({ value: k, label: t(`lottery.kinds.${k}`) }))}
                      />
                    </Form.Item>
                    <Form.Item
                      name={[field.name, 'name']}
                      rules={[{ required: true, whitespace: true, message: t('lottery.prizeNameRequired') }]}
                    >
                      <Input
                        aria-label={t('lottery.prizeName')}
                        placeholder={t('lottery.prizeName')}
                        maxLength={40}
                        style={{ width: 150 }}
                      />
                    </Form.Item>
                    <Form.Item name={[field.name, 'percent']} rules={[{ required: true }]}>
                      <InputNumber
                        aria-label={t('lottery.odds')}
                        min={0}
                        max={100}
                        precision={4}
                        suffix="%"
                        style={{ width: 120 }}
                      />
                    </Form.Item>
                    {kind === 'points' && (
                      <Form.Item
                        name={[field.name, 'points']}
                        rules={[{ required: true, message: t('lottery.pointsRequired') }]}
                      >
                        <InputNumber
                          aria-label={t('lottery.prizePoints')}
                          min={1}
                          max={1_000_000}
                          precision={0}
                          suffix={t('lottery.pointsUnit')}
                          style={{ width: 120 }}
                        />
                      </Form.Item>
                    )}
                    {kind === 'coupon' && (
                      <Form.Item
                        name={[field.name, 'couponTemplateId']}
                        rules={[{ required: true, message: t('lottery.couponRequired') }]}
                      >
                        <Select
                          aria-label={t('lottery.couponTemplate')}
                          placeholder={t('lottery.couponTemplate')}
                          style={{ width: 180 }}
                          options={templates.map((tp) => ({ value: tp.id, label: tp.title }))}
                        />
                      </Form.Item>
                    )}
                    {kind === 'reward' && (
                      <Form.Item
                        name={[field.name, 'rewardId']}
                        rules={[{ required: true, message: t('lottery.rewardRequired') }]}
                      >
                        <Select
                          aria-label={t('lottery.reward')}
                          placeholder={t('lottery.reward')}
                          style={{ width: 180 }}
                          options={rewards.map((r) => ({ value: r.id, label: r.name }))}
                        />
                      </Form.Item>
                    )}
                    {kind !== 'nothing' && (
                      <Form.Item name={[field.name, 'stock']}>
                        <InputNumber
                          aria-label={t('lottery.stock')}
                          placeholder={t('lottery.unlimited')}
                          min={0}
                          max={1_000_000_000}
                          precision={0}
                          style={{ width: 110 }}
                        />
                      </Form.Item>
                    )}
                    <Button
                      type="text"
                      icon={<DeleteOutlined />}
                      aria-label={t('lottery.removePrize')}
                      disabled={fields.length <= 1}
                      onClick={() => remove(field.name)}
                    />
                  </Flex>
                );
              })}
              <Button
                icon={<PlusOutlined />}
                disabled={fields.length >= 12}
                onClick={() => add({ kind: 'points', name: '', percent: 0, points: 10 })}
              >
                {t('lottery.addPrize')}
              </Button>
            </Flex>
          )}
        </Form.List>
        <Alert
          style={{ marginTop: 16 }}
          type={totalPpm > PPM ? 'error' : 'info'}
          showIcon
          title={
            totalPpm > PPM
              ? t('lottery.oddsOver', { total: percentText(totalPpm) })
              : t('lottery.oddsSummary', { total: percentText(totalPpm), nothing: percentText(PPM - totalPpm) })
          }
          description={t('lottery.outOfStockRule')}
        />
      </Form>
    </Drawer>
  );
}
