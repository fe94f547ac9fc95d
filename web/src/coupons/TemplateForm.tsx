// Creating and editing a coupon template in a drawer, with a live preview of how the coupon will read. Amounts are
// typed in yuan and sent in fen; a discount is typed in 折 (8.5) and sent as basis points off (1500). Once a template
// has left its draft, its terms are shown but only title, description, stock, limit and reminder can change.
import {
  App,
  Button,
  DatePicker,
  Drawer,
  Flex,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Switch,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  CouponKind,
  CouponTemplate,
  CouponTemplateBody,
  UpdateCouponTemplateBody,
} from '../../../src/contracts/coupons.ts';
import { newIdempotencyKey } from '../api.ts';
import { useApiError } from '../useApiError.ts';
import { couponApi } from './api.ts';
import { CouponCard } from './CouponCard.tsx';
import type { CouponTerms } from './preview.ts';

const KINDS: CouponKind[] = ['amount_off', 'percent_off', 'gift', 'free_shipping'];

interface FormValues {
  title: string;
  description?: string;
  kind: CouponKind;
  amountOffYuan?: number | null;
  zhe?: number | null;
  maxDiscountYuan?: number | null;
  minSpendYuan?: number | null;
  giftSku?: string;
  giftName?: string;
  validityKind: 'fixed' | 'relative';
  range?: [Dayjs, Dayjs] | null;
  validDays?: number | null;
  totalStock?: number | null;
  perMemberLimit?: number | null;
  stackable: boolean;
  exclusiveGroup?: string;
  pointsOffset: boolean;
  skus: string[];
  categories: string[];
  channels: string[];
  stores: string[];
  expiryReminderDays: number;
}

const fen = (yuan: number | null | undefined) => (yuan == null ? null : Math.round(yuan * 100));
const yuan = (fenValue: number | null) => (fenValue === null ? null : fenValue / 100);
const bpOf = (zheValue: number | null | undefined) => (zheValue == null ? null : Math.round((10 - zheValue) * 1000));

function valuesOf(t: CouponTemplate | null): FormValues {
  if (!t) {
    return {
      title: '',
      kind: 'amount_off',
      validityKind: 'relative',
      validDays: 30,
      stackable: false,
      pointsOffset: true,
      skus: [],
      categories: [],
      channels: [],
      stores: [],
      expiryReminderDays: 3,
    };
  }
  return {
    title: t.title,
    description: t.description ?? undefined,
    kind: t.kind,
    amountOffYuan: yuan(t.amountOffFen),
    zhe: t.percentOffBp === null ? null : (10_000 - t.percentOffBp) / 1000,
    maxDiscountYuan: yuan(t.maxDiscountFen),
    minSpendYuan: yuan(t.minSpendFen),
    giftSku: t.giftSku ?? undefined,
    giftName: t.giftName ?? undefined,
    validityKind: t.validityKind,
    range: t.validFrom && t.validUntil ? [dayjs(t.validFrom), dayjs(t.validUntil).subtract(1, 'millisecond')] : null,
    validDays: t.validDays,
    totalStock: t.totalStock,
    perMemberLimit: t.perMemberLimit,
    stackable: t.stackable,
    exclusiveGroup: t.exclusiveGroup ?? undefined,
    pointsOffset: t.pointsOffset,
    skus: t.scope.skus,
    categories: t.scope.categories,
    channels: t.scope.channels,
    stores: t.scope.stores,
    expiryReminderDays: t.expiryReminderDays,
  };
}

/** The body for the API: only the chosen kind's fields, fixed dates as whole local days (the end exclusive). */
function bodyOf(v: FormValues): CouponTemplateBody {
  const [from, to] = v.range ?? [null, null];
  return {
    title: v.title.trim(),
    description: v.description?.trim() || null,
    kind: v.kind,
    amountOffFen: v.kind === 'amount_off' ? fen(v.amountOffYuan) : null,
    percentOffBp: v.kind === 'percent_off' ? bpOf(v.zhe) : null,
    maxDiscountFen: v.kind === 'percent_off' ? fen(v.maxDiscountYuan) : null,
    minSpendFen: fen(v.minSpendYuan) ?? 0,
    giftSku: v.kind === 'gift' ? v.giftSku?.trim() || null : null,
    giftName: v.kind === 'gift' ? v.giftName?.trim() || null : null,
    validityKind: v.validityKind,
    validFrom: v.validityKind === 'fixed' && from ? from.startOf('day').toISOString() : null,
    validUntil: v.validityKind === 'fixed' && to ? to.add(1, 'day').startOf('day').toISOString() : null,
    validDays: v.validityKind === 'relative' ? (v.validDays ?? null) : null,
    totalStock: v.totalStock ?? null,
    perMemberLimit: v.perMemberLimit ?? null,
    stackable: v.stackable,
    exclusiveGroup: v.stackable ? v.exclusiveGroup?.trim() || null : null,
    pointsOffset: v.pointsOffset,
    scope: { skus: v.skus, categories: v.categories, channels: v.channels, stores: v.stores },
    expiryReminderDays: v.expiryReminderDays,
  };
}

function termsOf(v: Partial<FormValues>): CouponTerms {
  const body = bodyOf({ ...valuesOf(null), ...v } as FormValues);
  return {
    ...body,
    minSpendFen: body.minSpendFen ?? 0,
    scope: body.scope ?? {},
  };
}

export function TemplateForm({
  open,
  template,
  onClose,
  onSaved,
}: {
  open: boolean;
  template: CouponTemplate | null;
  onClose(): void;
  onSaved(saved: CouponTemplate): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);
  // One key per drawer opening: a double click or a retried request creates one template, not two.
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const watched = Form.useWatch([], form) as Partial<FormValues> | undefined;
  const locked = template !== null && template.status !== 'draft';
  const kind = Form.useWatch('kind', form) ?? template?.kind ?? 'amount_off';
  const validityKind = Form.useWatch('validityKind', form) ?? template?.validityKind ?? 'relative';
  const stackable = Form.useWatch('stackable', form) ?? false;

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(valuesOf(template));
    setIdempotencyKey(newIdempotencyKey());
  }, [open, template, form]);

  const save = async (values: FormValues) => {
    setSaving(true);
    try {
      const body = bodyOf(values);
      let saved: CouponTemplate;
      if (!template) {
        saved = await couponApi.createTemplate(body, idempotencyKey);
      } else {
        const patch: UpdateCouponTemplateBody = locked
          ? {
              title: body.title,
              description: body.description ?? null,
              totalStock: body.totalStock ?? null,
              perMemberLimit: body.perMemberLimit ?? null,
              expiryReminderDays: body.expiryReminderDays ?? 3,
            }
          : body;
        saved = await couponApi.updateTemplate(template.id, patch);
      }
      void message.success(t(template ? 'coupons.form.saved' : 'coupons.form.created', { title: saved.title }));
      onSaved(saved);
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  const yuanInput = (label: string) => (
    <InputNumber min={0} max={100_000_000} precision={2} suffix={t('coupons.form.yuan')} aria-label={label} />
  );

  return (
    <Drawer
      open={open}
      onClose={onClose}
      size={720}
      destroyOnHidden
      title={template ? t('coupons.form.editTitle', { title: template.title }) : t('coupons.form.newTitle')}
      extra={
        <Flex gap={8}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => form.submit()}>
            {t('common.save')}
          </Button>
        </Flex>
      }
    >
      <Flex vertical gap={16}>
        <div>
          <Typography.Text type="secondary">{t('coupons.form.previewLabel')}</Typography.Text>
          <CouponCard terms={termsOf(watched ?? {})} title={watched?.title ?? ''} />
        </div>
        {locked && <Typography.Text type="warning">{t('coupons.form.lockedHint')}</Typography.Text>}
        <Form<FormValues> form={form} layout="vertical" onFinish={(values) => void save(values)} requiredMark>
          <Form.Item
            name="title"
            label={t('coupons.form.title')}
            rules={[{ required: true, whitespace: true, message: t('coupons.form.titleRequired') }]}
          >
            <Input maxLength={40} showCount placeholder={t('coupons.form.titlePlaceholder')} />
          </Form.Item>
          <Form.Item name="description" label={t('coupons.form.description')}>
            <Input.TextArea maxLength={500} rows={2} placeholder={t('coupons.form.descriptionPlaceholder')} />
          </Form.Item>
          <Form.Item name="kind" label={t('coupons.form.kind')}>
            <Radio.Group
              disabled={locked}
              optionType="button"
              options={KINDS.map((k) => ({ value: k, label: t(`coupons.kinds.${k}`) }))}
            />
          </Form.Item>
          <Flex gap={16} wrap>
            {kind === 'amount_off' && (
              <Form.Item
                name="amountOffYuan"
                label={t('coupons.form.amountOff')}
                rules={[{ required: true, message: t('coupons.form.amountRequired') }]}
              >
                {yuanInput(t('coupons.form.amountOff'))}
              </Form.Item>
            )}
            {kind === 'percent_off' && (
              <>
                <Form.Item
                  name="zhe"
                  label={t('coupons.form.zhe')}
                  tooltip={t('coupons.form.zheHelp')}
                  rules={[{ required: true, message: t('coupons.form.zheRequired') }]}
                >
                  <InputNumber
                    min={0.01}
                    max={9.99}
                    step={0.5}
                    precision={2}
                    suffix={t('coupons.form.zheUnit')}
                    aria-label={t('coupons.form.zhe')}
                    disabled={locked}
                  />
                </Form.Item>
                <Form.Item name="maxDiscountYuan" label={t('coupons.form.cap')}>
                  {yuanInput(t('coupons.form.cap'))}
                </Form.Item>
              </>
            )}
            {kind === 'gift' && (
              <>
                <Form.Item
                  name="giftSku"
                  label={t('coupons.form.giftSku')}
                  rules={[{ required: true, whitespace: true, message: t('coupons.form.giftRequired') }]}
                >
                  <Input maxLength={64} disabled={locked} />
                </Form.Item>
                <Form.Item
                  name="giftName"
                  label={t('coupons.form.giftName')}
                  rules={[{ required: true, whitespace: true, message: t('coupons.form.giftRequired') }]}
                >
                  <Input maxLength={64} disabled={locked} />
                </Form.Item>
              </>
            )}
            <Form.Item name="minSpendYuan" label={t('coupons.form.minSpend')} tooltip={t('coupons.form.minSpendHelp')}>
              {yuanInput(t('coupons.form.minSpend'))}
            </Form.Item>
          </Flex>
          <Form.Item name="validityKind" label={t('coupons.form.validity')}>
            <Radio.Group
              disabled={locked}
              options={[
                { value: 'relative', label: t('coupons.form.validityRelative') },
                { value: 'fixed', label: t('coupons.form.validityFixed') },
              ]}
            />
          </Form.Item>
          {validityKind === 'relative' ? (
            <Form.Item
              name="validDays"
              label={t('coupons.form.validDays')}
              rules={[{ required: true, message: t('coupons.form.validDaysRequired') }]}
            >
              <InputNumber min={1} max={3650} precision={0} suffix={t('coupons.form.days')} disabled={locked} />
            </Form.Item>
          ) : (
            <Form.Item
              name="range"
              label={t('coupons.form.validRange')}
              rules={[{ required: true, message: t('coupons.form.validRangeRequired') }]}
            >
              <DatePicker.RangePicker disabled={locked} />
            </Form.Item>
          )}
          <Flex gap={16} wrap>
            <Form.Item name="totalStock" label={t('coupons.form.totalStock')} tooltip={t('coupons.form.unlimitedHelp')}>
              <InputNumber min={1} max={1_000_000_000} precision={0} placeholder={t('coupons.form.unlimited')} />
            </Form.Item>
            <Form.Item name="perMemberLimit" label={t('coupons.form.perMemberLimit')}>
              <InputNumber min={1} max={1000} precision={0} placeholder={t('coupons.form.unlimited')} />
            </Form.Item>
            <Form.Item
              name="expiryReminderDays"
              label={t('coupons.form.reminder')}
              tooltip={t('coupons.form.reminderHelp')}
            >
              <InputNumber min={0} max={30} precision={0} suffix={t('coupons.form.days')} />
            </Form.Item>
          </Flex>
          <Flex gap={24} wrap>
            <Form.Item name="stackable" label={t('coupons.form.stackable')} valuePropName="checked">
              <Switch disabled={locked} />
            </Form.Item>
            {stackable && (
              <Form.Item
                name="exclusiveGroup"
                label={t('coupons.form.exclusiveGroup')}
                tooltip={t('coupons.form.exclusiveHelp')}
              >
                <Input maxLength={32} disabled={locked} />
              </Form.Item>
            )}
            <Form.Item name="pointsOffset" label={t('coupons.form.pointsOffset')} valuePropName="checked">
              <Switch disabled={locked} />
            </Form.Item>
          </Flex>
          <Typography.Text type="secondary">{t('coupons.form.scopeHelp')}</Typography.Text>
          <Flex gap={16} wrap className="coupon-scope">
            {(['categories', 'skus', 'channels', 'stores'] as const).map((field) => (
              <Form.Item
                key={field}
                name={field}
                label={t(`coupons.form.scope.${field}`)}
                className="coupon-scope-item"
              >
                <Select
                  mode="tags"
                  open={false}
                  disabled={locked}
                  tokenSeparators={[',', '，', ' ']}
                  placeholder={t('coupons.form.scopeAny')}
                  aria-label={t(`coupons.form.scope.${field}`)}
                />
              </Form.Item>
            ))}
          </Flex>
        </Form>
      </Flex>
    </Drawer>
  );
}
