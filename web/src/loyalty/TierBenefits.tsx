// A tier's benefits: their one-line reading (9.5 折, 满 99 元包邮 …) and the editor of the typed list inside the tier
// form, with the fields each kind of benefit needs.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Flex, Form, Input, InputNumber, Select, Tag, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Benefit, BenefitType, TierBenefit } from '../../../src/contracts/loyalty.ts';

/** Every configurable kind, in the order the editor offers them; a kind added to the contract must be listed. */
export const BENEFIT_TYPES = [
  'discount',
  'free_shipping',
  'birthday_gift',
  'exclusive_service',
  'early_access',
  'custom',
] as const satisfies readonly BenefitType[];

/** The benefit as staff and members read it. */
export function benefitText(t: TFunction, benefit: TierBenefit): string {
  switch (benefit.type) {
    case 'points_multiplier':
      return `${t('tiers.benefitTypes.points_multiplier')} ${benefit.pct / 100}×`;
    case 'discount':
      return t('tiers.benefitSummary.discount', {
        discount: (100 - benefit.percentOff) / 10,
        percent: benefit.percentOff,
      });
    case 'free_shipping':
      return benefit.minOrderFen === 0
        ? t('tiers.benefitSummary.free_shipping_all')
        : t('tiers.benefitSummary.free_shipping_min', { yuan: benefit.minOrderFen / 100 });
    case 'early_access':
      return `${t('tiers.benefitTypes.early_access')} · ${t('tiers.benefitSummary.early_access', { hours: benefit.hours })}`;
    case 'custom':
      return benefit.name;
    default:
      return t(`tiers.benefitTypes.${benefit.type}`);
  }
}

export function TierBenefitTags({ benefits }: { benefits: readonly Benefit[] }) {
  const { t } = useTranslation();
  if (benefits.length === 0) return <Typography.Text type="secondary">{t('tiers.noBenefits')}</Typography.Text>;
  return (
    <Flex gap={4} wrap>
      {benefits.map((b, i) => (
        // Benefits have no ids: their place in the list is what tells them apart.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Tag key={i} title={'description' in b ? b.description : undefined}>
          {benefitText(t, b)}
        </Tag>
      ))}
    </Flex>
  );
}

/** What the form holds for a benefit: money in yuan for people, turned into fen when saved. */
export interface BenefitField {
  type: BenefitType;
  percentOff?: number;
  minOrderYuan?: number;
  hours?: number;
  name?: string;
  description?: string;
}

export function toField(b: Benefit): BenefitField {
  if (b.type === 'free_shipping') {
    return {
      type: b.type,
      minOrderYuan: b.minOrderFen / 100,
      ...(b.description ? { description: b.description } : {}),
    };
  }
  return { ...b };
}

export function fromField(f: BenefitField): Benefit {
  const description = f.description?.trim() ?? '';
  switch (f.type) {
    case 'discount':
      return { type: 'discount', percentOff: f.percentOff ?? 1, ...(description ? { description } : {}) };
    case 'free_shipping':
      return {
        type: 'free_shipping',
        minOrderFen: Math.round((f.minOrderYuan ?? 0) * 100),
        ...(description ? { description } : {}),
      };
    case 'early_access':
      return { type: 'early_access', hours: f.hours ?? 24, ...(description ? { description } : {}) };
    case 'custom':
      return { type: 'custom', name: f.name?.trim() ?? '', description };
    default:
      return { type: f.type, description };
  }
}

/** The benefits list inside the tier form (`Form.List` named `benefits`). */
export function TierBenefitsEditor() {
  const { t } = useTranslation();
  return (
    <Form.List name="benefits">
      {(fields, { add, remove }) => (
        <Flex vertical gap={8}>
          {fields.map((field) => (
            <Flex key={field.key} gap={8} align="flex-start" wrap>
              <Form.Item name={[field.name, 'type']} noStyle>
                <Select
                  aria-label={t('tiers.benefitType')}
                  style={{ width: 140 }}
                  options={BENEFIT_TYPES.map((type) => ({ value: type, label: t(`tiers.benefitTypes.${type}`) }))}
                />
              </Form.Item>
              <Form.Item noStyle shouldUpdate>
                {({ getFieldValue }) => (
                  <BenefitFields name={field.name} type={getFieldValue(['benefits', field.name, 'type'])} />
                )}
              </Form.Item>
              <Button
                type="text"
                danger
                icon={<DeleteOutlined />}
                aria-label={t('common.delete')}
                onClick={() => remove(field.name)}
              />
            </Flex>
          ))}
          <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ type: 'discount', percentOff: 5 })}>
            {t('tiers.addBenefit')}
          </Button>
        </Flex>
      )}
    </Form.List>
  );
}

function BenefitFields({ name, type }: { name: number; type: BenefitType }) {
  const { t } = useTranslation();
  const description = (required: boolean) => (
    <Form.Item
      name={[name, 'description']}
      style={{ flex: 1, minWidth: 180, marginBottom: 0 }}
      rules={required ? [{ required: true, whitespace: true, message: t('tiers.descriptionRequired') }] : []}
    >
      <Input maxLength={200} placeholder={t('tiers.benefitDescription')} aria-label={t('tiers.benefitDescription')} />
    </Form.Item>
  );
  switch (type) {
    case 'discount':
      return (
        <>
          <Form.Item name={[name, 'percentOff']} style={{ marginBottom: 0 }} rules={[{ required: true }]}>
            <InputNumber min={1} max={90} precision={0} addonAfter="%" aria-label={t('tiers.percentOff')} />
          </Form.Item>
          {description(false)}
        </>
      );
    case 'free_shipping':
      return (
        <>
          <Form.Item name={[name, 'minOrderYuan']} style={{ marginBottom: 0 }} rules={[{ required: true }]}>
            <InputNumber min={0} max={1_000_000} precision={2} addonBefore="¥" aria-label={t('tiers.minOrderYuan')} />
          </Form.Item>
          {description(false)}
        </>
      );
    case 'early_access':
      return (
        <>
          <Form.Item name={[name, 'hours']} style={{ marginBottom: 0 }} rules={[{ required: true }]}>
            <InputNumber min={1} max={720} precision={0} addonAfter="h" aria-label={t('tiers.hours')} />
          </Form.Item>
          {description(false)}
        </>
      );
    case 'custom':
      return (
        <>
          <Form.Item
            name={[name, 'name']}
            style={{ marginBottom: 0 }}
            rules={[{ required: true, whitespace: true, message: t('tiers.nameRequired') }]}
          >
            <Input maxLength={32} placeholder={t('tiers.benefitName')} aria-label={t('tiers.benefitName')} />
          </Form.Item>
          {description(false)}
        </>
      );
    default:
      return description(true);
  }
}
