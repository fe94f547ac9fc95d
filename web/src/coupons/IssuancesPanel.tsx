// A template's issuance history: each list or segment issuance with its progress (polled while a segment issuance
// runs), what it issued, skipped and was refused, and a re-run for a finished segment issuance (补发).
import { App, Button, Progress, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { CouponIssuance, IssuanceState } from '../../../src/contracts/coupons.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { couponApi } from './api.ts';
import { issuanceStateTag } from './labels.ts';

const POLL_MS = 1000;

/** `onSettled` is told when a running issuance finishes, so the page can refresh the template's counts. */
export function IssuancesPanel({ templateId, onSettled }: { templateId: string; onSettled(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const fetchPage = useCallback(
    (cursor: string | undefined) => couponApi.listIssuances({ templateId, cursor, limit: 20 }),
    [templateId],
  );
  const list = useCursorList(fetchPage, showError);
  const running = list.items.filter((i) => i.state === 'queued' || i.state === 'running');

  // The panel is mounted afresh after each issuance the page starts: a background issuance that finished before
  // this first page arrived was never seen running, so the first page counts as news too.
  const firstPage = useRef<'waiting' | 'loading' | 'told'>('waiting');
  useEffect(() => {
    if (list.loading && firstPage.current === 'waiting') firstPage.current = 'loading';
    if (!list.loading && firstPage.current === 'loading') {
      firstPage.current = 'told';
      onSettled();
    }
  }, [list.loading, onSettled]);

  useEffect(() => {
    if (running.length === 0) return;
    const timer = setTimeout(() => {
      for (const i of running) {
        couponApi.getIssuance(i.id).then((next) => {
          list.replace((x) => x.id === i.id, next);
          if (next.state === 'succeeded' || next.state === 'failed') onSettled();
        }, showError);
      }
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [running, list, showError, onSettled]);

  const rerun = async (issuance: CouponIssuance) => {
    try {
      const next = await couponApi.rerunIssuance(issuance.id);
      list.replace((x) => x.id === issuance.id, next);
      void message.success(t('coupons.issuances.rerunStarted'));
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<CouponIssuance> = [
    {
      title: t('coupons.issuances.target'),
      dataIndex: 'kind',
      render: (kind: CouponIssuance['kind'], i) =>
        kind === 'segment'
          ? t('coupons.issuances.segment', { name: i.segmentName ?? '' })
          : t('coupons.issuances.list'),
    },
    {
      title: t('coupons.issuances.state'),
      dataIndex: 'state',
      render: (state: IssuanceState, i) => (
        <div data-testid="issuance-progress" data-state={state}>
          <Tag color={issuanceStateTag(state)}>{t(`coupons.issuanceStates.${state}`)}</Tag>
          {(state === 'queued' || state === 'running') && <Progress percent={i.progress} size="small" />}
          {i.error && (
            <Typography.Text type="danger">
              {t(`coupons.refusals.${i.error.replace(/^coupon\./, '') as 'limit_reached'}`)}
            </Typography.Text>
          )}
        </div>
      ),
    },
    {
      title: t('coupons.issuances.done'),
      key: 'done',
      render: (_: unknown, i) => t('coupons.issuances.doneOf', { done: i.done, total: i.total }),
    },
    { title: t('coupons.issuances.issued'), dataIndex: 'issued', align: 'right' },
    { title: t('coupons.issuances.skipped'), dataIndex: 'skipped', align: 'right' },
    {
      title: t('coupons.issuances.refused'),
      key: 'refused',
      render: (_: unknown, i) =>
        i.refusedLimit + i.refusedStock + i.unmatched === 0
          ? '0'
          : t('coupons.issuances.refusedDetail', {
              limit: i.refusedLimit,
              stock: i.refusedStock,
              unmatched: i.unmatched,
            }),
    },
    { title: t('coupons.issuances.by'), dataIndex: 'createdBy', render: (v: string | null) => v ?? '—' },
    { title: t('coupons.issuances.at'), dataIndex: 'createdAt', render: (at: string) => formatTime(at) },
    ...(can('coupon.manage')
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, i: CouponIssuance) =>
              i.kind === 'segment' && (i.state === 'succeeded' || i.state === 'failed') ? (
                <Button type="link" size="small" onClick={() => void rerun(i)}>
                  {t('coupons.issuances.rerun')}
                </Button>
              ) : null,
          },
        ]
      : []),
  ];

  return (
    <>
      <Table<CouponIssuance>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading && list.items.length === 0}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('coupons.issuances.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
