// Issuing a template's coupons from the console: to a pasted list of customer ids and phone numbers (done at once,
// with what matched nobody and who was refused), or to a whole segment (done in the background; its progress shows
// in the issuance history below).
import { Alert, App, Button, Flex, Input, InputNumber, List, Select, Tabs, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CouponTemplate, CreatedIssuance } from '../../../src/contracts/coupons.ts';
import type { Segment } from '../../../src/contracts/segments.ts';
import { api, newIdempotencyKey } from '../api.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { couponApi } from './api.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ENTRIES = 1000;

/** A pasted list (one per line, or separated by commas): UUIDs are customer ids, anything else a phone number. */
export function parseList(text: string): { customerIds: string[]; phones: string[] } {
  const entries = [
    ...new Set(
      text
        .split(/[\n,，;；]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  return {
    customerIds: entries.filter((e) => UUID_RE.test(e)),
    phones: entries.filter((e) => !UUID_RE.test(e)),
  };
}

export function IssuePanel({ template, onIssued }: { template: CouponTemplate; onIssued(): void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  return (
    <Tabs
      items={[
        {
          key: 'list',
          label: t('coupons.issue.toList'),
          children: <ListIssue template={template} onIssued={onIssued} />,
        },
        ...(can('segment.read')
          ? [
              {
                key: 'segment',
                label: t('coupons.issue.toSegment'),
                children: <SegmentIssue template={template} onIssued={onIssued} />,
              },
            ]
          : []),
      ]}
    />
  );
}

function ListIssue({ template, onIssued }: { template: CouponTemplate; onIssued(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [text, setText] = useState('');
  const [quantity, setQuantity] = useState(1);
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<CreatedIssuance | null>(null);
  // One key per list: pressing the button again after a lost answer issues nothing twice.
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const parsed = parseList(text);
  const count = parsed.customerIds.length + parsed.phones.length;

  const issue = async () => {
    setSending(true);
    try {
      const created = await couponApi.issue(
        {
          templateId: template.id,
          ...(parsed.customerIds.length > 0 ? { customerIds: parsed.customerIds } : {}),
          ...(parsed.phones.length > 0 ? { phones: parsed.phones } : {}),
          quantity,
        },
        idempotencyKey,
      );
      setResult(created);
      void message.success(t('coupons.issue.done', { count: created.issuance.issued }));
      onIssued();
    } catch (error) {
      showError(error);
    } finally {
      setSending(false);
    }
  };

  return (
    <Flex vertical gap={12}>
      <Typography.Text type="secondary">{t('coupons.issue.listHint', { max: MAX_ENTRIES })}</Typography.Text>
      <Input.TextArea
        rows={5}
        value={text}
        className="coupon-issue-list"
        placeholder={t('coupons.issue.listPlaceholder')}
        aria-label={t('coupons.issue.toList')}
        onChange={(e) => {
          setText(e.target.value);
          setResult(null);
          setIdempotencyKey(newIdempotencyKey());
        }}
      />
      <Flex gap={12} align="center" wrap>
        <QuantityInput
          value={quantity}
          onChange={(v) => {
            setQuantity(v);
            setIdempotencyKey(newIdempotencyKey());
          }}
        />
        <Button
          type="primary"
          loading={sending}
          disabled={count === 0 || count > MAX_ENTRIES}
          onClick={() => void issue()}
        >
          {t('coupons.issue.send', { count })}
        </Button>
      </Flex>
      {result && (
        <Alert
          type={result.unmatched.length + result.refused.length > 0 ? 'warning' : 'success'}
          showIcon
          title={t('coupons.issue.result', {
            issued: result.issuance.issued,
            people: result.issuance.total,
            skipped: result.issuance.skipped,
          })}
          description={
            <>
              {result.unmatched.length > 0 && (
                <List
                  size="small"
                  header={t('coupons.issue.unmatched', { count: result.issuance.unmatched })}
                  dataSource={result.unmatched}
                  renderItem={(entry) => <List.Item>{entry}</List.Item>}
                />
              )}
              {result.refused.length > 0 && (
                <List
                  size="small"
                  header={t('coupons.issue.refused', { count: result.refused.length })}
                  dataSource={result.refused}
                  renderItem={(r) => (
                    <List.Item>
                      {r.customerId} · {t(`coupons.refusals.${r.reason.replace(/^coupon\./, '') as 'limit_reached'}`)}
                    </List.Item>
                  )}
                />
              )}
            </>
          }
        />
      )}
    </Flex>
  );
}

function SegmentIssue({ template, onIssued }: { template: CouponTemplate; onIssued(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [segments, setSegments] = useState<Segment[]>([]);
  const [segmentId, setSegmentId] = useState<string | undefined>();
  const [quantity, setQuantity] = useState(1);
  const [sending, setSending] = useState(false);
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);

  useEffect(() => {
    api.listSegments({ limit: 200 }).then((page) => setSegments(page.items), showError);
  }, [showError]);
  const chosen = segments.find((s) => s.id === segmentId);

  const issue = async () => {
    if (!segmentId) return;
    setSending(true);
    try {
      await couponApi.issue({ templateId: template.id, segmentId, quantity }, idempotencyKey);
      void message.success(t('coupons.issue.started', { name: chosen?.name ?? '' }));
      setIdempotencyKey(newIdempotencyKey());
      onIssued();
    } catch (error) {
      showError(error);
    } finally {
      setSending(false);
    }
  };

  return (
    <Flex vertical gap={12}>
      <Typography.Text type="secondary">{t('coupons.issue.segmentHint')}</Typography.Text>
      <Flex gap={12} align="center" wrap>
        <Select
          showSearch={{ optionFilterProp: 'label' }}
          className="filter-select"
          placeholder={t('coupons.issue.pickSegment')}
          aria-label={t('coupons.issue.pickSegment')}
          value={segmentId}
          onChange={(v) => {
            setSegmentId(v);
            setIdempotencyKey(newIdempotencyKey());
          }}
          options={segments.map((s) => ({
            value: s.id,
            label: `${s.name}（${t('coupons.issue.members', { count: s.memberCount })}）`,
          }))}
        />
        <QuantityInput value={quantity} onChange={setQuantity} />
        <Button type="primary" loading={sending} disabled={!segmentId} onClick={() => void issue()}>
          {t('coupons.issue.sendSegment')}
        </Button>
      </Flex>
    </Flex>
  );
}

function QuantityInput({ value, onChange }: { value: number; onChange(quantity: number): void }) {
  const { t } = useTranslation();
  return (
    <Flex gap={8} align="center">
      <Typography.Text>{t('coupons.issue.quantity')}</Typography.Text>
      <InputNumber
        min={1}
        max={10}
        precision={0}
        value={value}
        aria-label={t('coupons.issue.quantity')}
        onChange={(v) => onChange(v ?? 1)}
      />
    </Flex>
  );
}
