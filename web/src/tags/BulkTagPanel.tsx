// Pick a tag, then add it to or remove it from a set of customers (a selection, a whole segment, an uploaded list)
// and show what happened: how many customers the set named, how many actually changed, what matched nobody.
// Tags kept by an auto-tag rule are left out: the server refuses to change them by hand.
import { MinusCircleOutlined, PlusCircleOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkTagResult, TagGroup } from '../../../src/contracts/tags.ts';
import { TagPicker } from '../layout/TagPicker.tsx';
import { useApiError } from '../useApiError.ts';

export type TagAction = 'add' | 'remove';

export function BulkTagPanel({
  groups,
  loading,
  disabled,
  run,
  onDone,
}: {
  groups: TagGroup[];
  loading?: boolean;
  /** Nothing to act on yet (an empty selection, no list). */
  disabled?: boolean;
  run(tagId: string, action: TagAction): Promise<BulkTagResult>;
  onDone?(result: BulkTagResult): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [tagId, setTagId] = useState<string | undefined>();
  const [busy, setBusy] = useState<TagAction | null>(null);
  const [outcome, setOutcome] = useState<{ action: TagAction; result: BulkTagResult } | null>(null);
  const manual = groups.map((group) => ({ ...group, tags: group.tags.filter((tag) => tag.rule === null) }));

  const act = async (action: TagAction) => {
    if (!tagId) return;
    setBusy(action);
    try {
      const result = await run(tagId, action);
      setOutcome({ action, result });
      onDone?.(result);
    } catch (error) {
      showError(error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Flex vertical gap={8} data-testid="bulk-tag">
      <Flex gap={8} wrap>
        <TagPicker
          groups={manual}
          loading={loading}
          value={tagId}
          onChange={(value) => setTagId(typeof value === 'string' ? value : undefined)}
          className="bulk-tag-picker"
          ariaLabel={t('bulkTag.pickTag')}
        />
        <Button
          icon={<PlusCircleOutlined />}
          disabled={disabled || !tagId || busy !== null}
          loading={busy === 'add'}
          onClick={() => void act('add')}
        >
          {t('bulkTag.add')}
        </Button>
        <Button
          danger
          icon={<MinusCircleOutlined />}
          disabled={disabled || !tagId || busy !== null}
          loading={busy === 'remove'}
          onClick={() => void act('remove')}
        >
          {t('bulkTag.remove')}
        </Button>
      </Flex>
      {outcome && <BulkTagOutcome action={outcome.action} result={outcome.result} />}
    </Flex>
  );
}

/** What a bulk tagging did, with a sample of the entries that matched no customer. */
export function BulkTagOutcome({ action, result }: { action: TagAction; result: BulkTagResult }) {
  const { t } = useTranslation();
  return (
    <Alert
      type={result.unmatchedCount > 0 ? 'warning' : 'success'}
      showIcon
      data-testid="bulk-tag-result"
      title={t(action === 'add' ? 'bulkTag.addedResult' : 'bulkTag.removedResult', {
        matched: result.matched,
        changed: result.changed,
      })}
      description={
        result.unmatchedCount > 0 && (
          <Typography.Text type="secondary" className="small-text">
            {t('bulkTag.unmatched', { count: result.unmatchedCount, sample: result.unmatched.slice(0, 5).join('、') })}
          </Typography.Text>
        )
      }
    />
  );
}
