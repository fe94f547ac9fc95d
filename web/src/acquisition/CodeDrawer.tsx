// Creating and editing a channel live code in a drawer: name and channel; the guide pool in rotation order with the
// rotation mode and, for the weighted mode, each guide's weight; a daily cap per guide, working hours and a backup
// guide for when nobody in the pool may take adds; tags given on every add; the code's own welcome message (or the
// workspace's default); and an expiry. Only linked, active guides can join a pool.
import {
  Button,
  Checkbox,
  DatePicker,
  Divider,
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
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelCode, ChannelCodeBody, RotationMode, WelcomeMessage } from '../../../src/contracts/acquisition.ts';
import type { Guide } from '../../../src/contracts/relationships.ts';
import { newIdempotencyKey } from '../api.ts';
import { TagPicker } from '../layout/TagPicker.tsx';
import { relationshipsApi } from '../relationships/api.ts';
import { useApiError } from '../useApiError.ts';
import { useTagGroups } from '../useTagGroups.ts';
import { acquisitionApi } from './api.ts';
import { ROTATION_MODES, TIMES_OF_DAY, WEEKDAYS, WELCOME_TEXT_MAX_BYTES } from './labels.ts';
import { channelOptions, useChannels } from './useChannels.ts';
import { byteLength, EMPTY_WELCOME, missingField, WelcomeEditor } from './WelcomeEditor.tsx';

interface FormValues {
  name: string;
  remark?: string;
  channelId?: string;
  mode: RotationMode;
  staffIds: string[];
  weights: Record<string, number | null>;
  dailyCap?: number | null;
  limitHours: boolean;
  days: number[];
  from: string;
  to: string;
  backupStaffId?: string | null;
  skipVerify: boolean;
  tagIds: string[];
  ownWelcome: boolean;
  welcome: WelcomeMessage;
  expiresAt?: Dayjs | null;
}

function valuesOf(code: ChannelCode | null): FormValues {
  return {
    name: code?.name ?? '',
    remark: code?.remark ?? '',
    channelId: code?.channel.id,
    mode: code?.mode ?? 'round_robin',
    staffIds: code?.guides.map((g) => g.staffId) ?? [],
    weights: Object.fromEntries(code?.guides.map((g) => [g.staffId, g.weight]) ?? []),
    dailyCap: code?.dailyCap ?? null,
    limitHours: code?.workingHours != null,
    days: code?.workingHours?.days ?? [1, 2, 3, 4, 5],
    from: code?.workingHours?.from ?? '09:00',
    to: code?.workingHours?.to ?? '21:00',
    backupStaffId: code?.backupStaffId ?? null,
    skipVerify: code?.skipVerify ?? true,
    tagIds: code?.tags.map((tag) => tag.id) ?? [],
    ownWelcome: code ? code.welcome !== null : true,
    welcome: code?.welcome ?? EMPTY_WELCOME,
    expiresAt: code?.expiresAt ? dayjs(code.expiresAt) : null,
  };
}

function bodyOf(v: FormValues): ChannelCodeBody {
  return {
    name: v.name.trim(),
    remark: v.remark?.trim() ?? '',
    channelId: v.channelId as string,
    mode: v.mode,
    guides: v.staffIds.map((staffId) => ({
      staffId,
      ...(v.mode === 'weighted' ? { weight: v.weights?.[staffId] ?? 1 } : {}),
    })),
    dailyCap: v.dailyCap ?? null,
    workingHours: v.limitHours ? { days: [...v.days].sort(), from: v.from, to: v.to } : null,
    backupStaffId: v.backupStaffId ?? null,
    skipVerify: v.skipVerify,
    tagIds: v.tagIds,
    welcome: v.ownWelcome ? v.welcome : null,
    expiresAt: v.expiresAt ? v.expiresAt.toISOString() : null,
  };
}

export function CodeDrawer({
  code,
  onClose,
  onSaved,
}: {
  code: ChannelCode | null;
  onClose(): void;
  onSaved(code: ChannelCode): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<FormValues>();
  const { channels, loading: channelsLoading } = useChannels();
  const { groups: tagGroups, loading: tagsLoading } = useTagGroups();
  const [guides, setGuides] = useState<Guide[]>([]);
  const [saving, setSaving] = useState(false);
  // One key per drawer: a retried save after a network failure is recognised by the server as the same create.
  const [idempotencyKey] = useState(newIdempotencyKey);
  const mode = Form.useWatch('mode', form);
  const staffIds = Form.useWatch('staffIds', form) ?? [];
  const limitHours = Form.useWatch('limitHours', form);
  const ownWelcome = Form.useWatch('ownWelcome', form);

  useEffect(() => {
    relationshipsApi.guides().then((page) => setGuides(page.items), showError);
  }, [showError]);

  const guideOptions = useMemo(
    () =>
      guides
        .filter((g) => g.status === 'active' || code?.guides.some((p) => p.staffId === g.staffId))
        .map((g) => ({
          value: g.staffId,
          label: g.department ? `${g.name}（${g.department}）` : g.name,
          disabled: g.status !== 'active',
        })),
    [guides, code],
  );
  const nameOf = (staffId: string) => guides.find((g) => g.staffId === staffId)?.name ?? staffId;

  const submit = async (values: FormValues) => {
    setSaving(true);
    try {
      const body = bodyOf(values);
      onSaved(
        code ? await acquisitionApi.updateCode(code.id, body) : await acquisitionApi.createCode(body, idempotencyKey),
      );
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open
      onClose={onClose}
      size={720}
      destroyOnHidden
      title={code ? t('acquisition.form.editTitle', { name: code.name }) : t('acquisition.form.newTitle')}
      extra={
        <Flex gap={8}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => form.submit()}>
            {t('common.save')}
          </Button>
        </Flex>
      }
    >
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={valuesOf(code)}
        onFinish={(values) => void submit(values)}
      >
        <Flex gap={12}>
          <Form.Item
            name="name"
            label={t('acquisition.form.name')}
            rules={[{ required: true, max: 60 }]}
            className="acquisition-grow"
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="channelId"
            label={t('acquisition.form.channel')}
            rules={[{ required: true }]}
            className="acquisition-grow"
          >
            <Select loading={channelsLoading} options={channelOptions(channels)} />
          </Form.Item>
        </Flex>
        <Form.Item name="remark" label={t('acquisition.form.remark')} rules={[{ max: 200 }]}>
          <Input />
        </Form.Item>

        <Divider titlePlacement="start">{t('acquisition.form.poolSection')}</Divider>
        <Form.Item
          name="mode"
          label={t('acquisition.form.mode')}
          extra={t(`acquisition.modeHints.${mode ?? 'round_robin'}`)}
        >
          <Radio.Group
            optionType="button"
            options={ROTATION_MODES.map((m) => ({ value: m, label: t(`acquisition.modes.${m}`) }))}
          />
        </Form.Item>
        <Form.Item
          name="staffIds"
          label={t('acquisition.form.guides')}
          extra={t('acquisition.form.guidesHint')}
          rules={[{ required: true, type: 'array', min: 1, max: 100 }]}
        >
          <Select mode="multiple" optionFilterProp="label" options={guideOptions} />
        </Form.Item>
        {mode === 'weighted' && staffIds.length > 0 && (
          <Flex gap={12} wrap className="acquisition-weights">
            {staffIds.map((staffId) => (
              <Form.Item
                key={staffId}
                name={['weights', staffId]}
                label={t('acquisition.form.weightOf', { name: nameOf(staffId) })}
                initialValue={1}
              >
                <InputNumber min={1} max={100} precision={0} />
              </Form.Item>
            ))}
          </Flex>
        )}
        <Flex gap={12} wrap>
          <Form.Item name="dailyCap" label={t('acquisition.form.dailyCap')} extra={t('acquisition.form.dailyCapHint')}>
            <InputNumber min={1} max={10_000} precision={0} placeholder={t('acquisition.codes.noCap')} />
          </Form.Item>
          <Form.Item
            name="backupStaffId"
            label={t('acquisition.form.backup')}
            extra={t('acquisition.form.backupHint')}
            className="acquisition-grow"
          >
            <Select allowClear optionFilterProp="label" options={guideOptions} />
          </Form.Item>
        </Flex>
        <Form.Item name="limitHours" label={t('acquisition.form.workingHours')} valuePropName="checked">
          <Switch />
        </Form.Item>
        {limitHours && (
          <Flex gap={12} wrap align="flex-start">
            <Form.Item
              name="days"
              label={t('acquisition.form.days')}
              rules={[{ required: true, type: 'array', min: 1 }]}
            >
              <Checkbox.Group options={WEEKDAYS.map((d) => ({ value: d, label: t(`acquisition.weekdays.${d}`) }))} />
            </Form.Item>
            <Form.Item name="from" label={t('acquisition.form.from')}>
              <Select
                options={TIMES_OF_DAY.slice(0, -1).map((v) => ({ value: v, label: v }))}
                className="acquisition-time"
              />
            </Form.Item>
            <Form.Item
              name="to"
              label={t('acquisition.form.to')}
              dependencies={['from']}
              rules={[
                ({ getFieldValue }) => ({
                  validator: (_, to: string) =>
                    to > getFieldValue('from')
                      ? Promise.resolve()
                      : Promise.reject(new Error(t('acquisition.form.toAfterFrom'))),
                }),
              ]}
            >
              <Select
                options={TIMES_OF_DAY.slice(1).map((v) => ({ value: v, label: v }))}
                className="acquisition-time"
              />
            </Form.Item>
          </Flex>
        )}
        <Form.Item
          name="skipVerify"
          label={t('acquisition.form.skipVerify')}
          extra={t('acquisition.form.skipVerifyHint')}
          valuePropName="checked"
        >
          <Switch />
        </Form.Item>

        <Divider titlePlacement="start">{t('acquisition.form.afterAddSection')}</Divider>
        <Form.Item name="tagIds" label={t('acquisition.form.tags')} extra={t('acquisition.form.tagsHint')}>
          <TagPickerField groups={tagGroups} loading={tagsLoading} ariaLabel={t('acquisition.form.tags')} />
        </Form.Item>
        <Form.Item
          name="ownWelcome"
          label={t('acquisition.form.ownWelcome')}
          extra={t('acquisition.form.ownWelcomeHint')}
          valuePropName="checked"
        >
          <Switch />
        </Form.Item>
        {ownWelcome && (
          <Form.Item
            name="welcome"
            label={t('acquisition.form.welcome')}
            rules={[
              {
                validator: (_, welcome: WelcomeMessage) => {
                  if (!welcome.text.trim() && welcome.attachments.length === 0) {
                    return Promise.reject(new Error(t('acquisition.welcome.empty')));
                  }
                  if (byteLength(welcome.text) > WELCOME_TEXT_MAX_BYTES) {
                    return Promise.reject(new Error(t('acquisition.welcome.tooLong')));
                  }
                  const missing = welcome.attachments.map(missingField).find((kind) => kind !== null);
                  return missing
                    ? Promise.reject(
                        new Error(
                          t('acquisition.welcome.incomplete', { kind: t(`acquisition.welcome.kinds.${missing}`) }),
                        ),
                      )
                    : Promise.resolve();
                },
              },
            ]}
          >
            <WelcomeEditor staffId={staffIds[0]} />
          </Form.Item>
        )}
        <Form.Item name="expiresAt" label={t('acquisition.form.expiresAt')} extra={t('acquisition.form.expiresAtHint')}>
          <DatePicker
            showTime={{ format: 'HH:mm' }}
            format="YYYY-MM-DD HH:mm"
            disabledDate={(day) => day.isBefore(dayjs().startOf('day'))}
          />
        </Form.Item>
        {code && (
          <Typography.Text type="secondary" className="small-text">
            {t('acquisition.form.state', { state: code.state })}
          </Typography.Text>
        )}
      </Form>
    </Drawer>
  );
}

/** TagPicker speaks string | string[]; the form field holds the chosen ids. */
function TagPickerField({
  value,
  onChange,
  ...props
}: {
  value?: string[];
  onChange?(next: string[]): void;
  groups: Parameters<typeof TagPicker>[0]['groups'];
  loading: boolean;
  ariaLabel: string;
}) {
  return (
    <TagPicker
      {...props}
      multiple
      value={value ?? []}
      onChange={(next) => onChange?.(next === undefined ? [] : Array.isArray(next) ? next : [next])}
    />
  );
}
