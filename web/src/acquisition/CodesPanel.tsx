// Channel live codes (渠道活码): each code's QR code once WeCom made it, its channel and rotation, the guides of its
// pool (the ones WeCom shows now in green, capped ones marked), today's and all adds, and whether WeCom has its latest
// guide list. Codes are created and edited in a drawer, paused, resumed, pushed again after a failure and deleted here.
import { PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Flex,
  Input,
  Popconfirm,
  Select,
  Table,
  type TableColumnsType,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelCode, CodeListQuery, CodeStatus } from '../../../src/contracts/acquisition.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { acquisitionApi } from './api.ts';
import { CodeDrawer } from './CodeDrawer.tsx';
import { CODE_STATUSES, exposureTag, statusTag, syncTag } from './labels.ts';
import { QrModal } from './QrModal.tsx';
import { channelOptions, useChannels } from './useChannels.ts';

/** While WeCom has not confirmed a code's contact ways, the list looks again this often. */
const PENDING_POLL_MS = 2000;

export function CodesPanel({ onStats, onChanged }: { onStats(codeId: string): void; onChanged(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const { channels } = useChannels();
  const [filters, setFilters] = useState<CodeListQuery>({});
  const [search, setSearch] = useState('');
  const [editing, setEditing] = useState<ChannelCode | 'new' | null>(null);
  const [showing, setShowing] = useState<ChannelCode | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const canManage = can('acquisition.manage');

  const fetchPage = useCallback(
    (cursor: string | undefined) => acquisitionApi.listCodes({ ...filters, cursor }),
    [filters],
  );
  const list = useCursorList(fetchPage, showError);
  const pending = list.items.filter((c) => c.syncState === 'pending').map((c) => c.id);
  const pendingKey = pending.join(',');
  // `list` changes with every answer, so each poll that still finds a code pending schedules the next one.
  useEffect(() => {
    if (!pendingKey) return;
    const timer = setTimeout(() => {
      for (const codeId of pendingKey.split(',')) {
        acquisitionApi.getCode(codeId).then((code) => list.replace((c) => c.id === code.id, code), showError);
      }
    }, PENDING_POLL_MS);
    return () => clearTimeout(timer);
  }, [pendingKey, list, showError]);

  const act = async (code: ChannelCode, action: 'pause' | 'resume' | 'sync' | 'delete') => {
    setBusy(`${code.id}:${action}`);
    try {
      if (action === 'delete') {
        await acquisitionApi.deleteCode(code.id);
        list.reload();
      } else {
        const next =
          action === 'pause'
            ? await acquisitionApi.pauseCode(code.id)
            : action === 'resume'
              ? await acquisitionApi.resumeCode(code.id)
              : await acquisitionApi.syncCode(code.id);
        list.replace((c) => c.id === code.id, next);
      }
      void message.success(t(`acquisition.codes.done.${action}`, { name: code.name }));
      onChanged();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(null);
    }
  };

  const columns: TableColumnsType<ChannelCode> = [
    {
      title: t('acquisition.codes.qrCode'),
      dataIndex: 'qrCode',
      width: 96,
      render: (qr: string | null, c) =>
        qr ? (
          <button type="button" className="acquisition-qr-button" onClick={() => setShowing(c)}>
            <img src={qr} alt={t('acquisition.qr.alt', { name: c.name })} className="acquisition-qr" />
          </button>
        ) : (
          <Typography.Text type="secondary">{t('acquisition.codes.noQr')}</Typography.Text>
        ),
    },
    {
      title: t('acquisition.codes.name'),
      dataIndex: 'name',
      render: (name: string, c) => (
        <Flex vertical>
          <Typography.Text strong>{name}</Typography.Text>
          {c.remark && <Typography.Text type="secondary">{c.remark}</Typography.Text>}
          <span>
            <Tag color="blue">{c.channel.name}</Tag>
            <Tag>{t(`acquisition.modes.${c.mode}`)}</Tag>
          </span>
          {c.expiresAt && (
            <Typography.Text type="secondary" className="small-text">
              {t('acquisition.codes.expiresAt', { time: formatTime(c.expiresAt) })}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('acquisition.codes.status'),
      dataIndex: 'status',
      render: (s: CodeStatus) => <Tag color={statusTag(s)}>{t(`acquisition.statuses.${s}`)}</Tag>,
    },
    {
      title: t('acquisition.codes.guides'),
      key: 'guides',
      render: (_: unknown, c) => (
        <Flex vertical gap={4} className="acquisition-guides">
          <span>
            {c.guides.map((g) => (
              <Tooltip
                key={g.staffId}
                title={t('acquisition.codes.guideHint', {
                  today: g.addsToday,
                  cap: c.dailyCap ?? t('acquisition.codes.noCap'),
                })}
              >
                <Tag color={!g.active ? 'default' : g.exposed ? 'green' : g.capped ? 'orange' : 'blue'}>
                  {g.name}
                  {c.mode === 'weighted' && ` ×${g.weight}`}
                  {g.capped && ` · ${t('acquisition.codes.capped')}`}
                  {!g.active && ` · ${t('acquisition.codes.inactive')}`}
                </Tag>
              </Tooltip>
            ))}
          </span>
          {c.backupName && (
            <Typography.Text type="secondary" className="small-text">
              {t('acquisition.codes.backupOf', { name: c.backupName })}
            </Typography.Text>
          )}
          {c.exposure !== 'pool' && (
            <span>
              <Tag color={exposureTag(c.exposure)}>{t(`acquisition.exposures.${c.exposure}`)}</Tag>
            </span>
          )}
        </Flex>
      ),
    },
    {
      title: t('acquisition.codes.addsToday'),
      dataIndex: 'addsToday',
      align: 'right',
    },
    {
      title: t('acquisition.codes.adds'),
      key: 'adds',
      align: 'right',
      render: (_: unknown, c) => t('acquisition.codes.addsOf', { adds: c.adds, lost: c.lost }),
    },
    {
      title: t('acquisition.codes.sync'),
      dataIndex: 'syncState',
      render: (s: ChannelCode['syncState'], c) => (
        <Flex vertical align="flex-start">
          <Tag color={syncTag(s)}>{t(`acquisition.syncStates.${s}`)}</Tag>
          {c.syncError && (
            <Typography.Text type="danger" className="small-text">
              {c.syncError}
            </Typography.Text>
          )}
          {s === 'failed' && canManage && (
            <Button type="link" size="small" loading={busy === `${c.id}:sync`} onClick={() => void act(c, 'sync')}>
              {t('acquisition.codes.retrySync')}
            </Button>
          )}
        </Flex>
      ),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_: unknown, c) => (
        <Flex gap={4} wrap>
          <Button type="link" size="small" onClick={() => onStats(c.id)}>
            {t('acquisition.codes.stats')}
          </Button>
          {canManage && c.status !== 'expired' && (
            <>
              <Button type="link" size="small" onClick={() => setEditing(c)}>
                {t('common.edit')}
              </Button>
              {c.status === 'active' ? (
                <Button
                  type="link"
                  size="small"
                  loading={busy === `${c.id}:pause`}
                  onClick={() => void act(c, 'pause')}
                >
                  {t('acquisition.codes.pause')}
                </Button>
              ) : (
                <Button
                  type="link"
                  size="small"
                  loading={busy === `${c.id}:resume`}
                  onClick={() => void act(c, 'resume')}
                >
                  {t('acquisition.codes.resume')}
                </Button>
              )}
            </>
          )}
          {canManage && (
            <Popconfirm
              title={t('acquisition.codes.deleteConfirm', { name: c.name })}
              description={t('acquisition.codes.deleteHint')}
              onConfirm={() => act(c, 'delete')}
            >
              <Button type="link" size="small" danger>
                {t('common.delete')}
              </Button>
            </Popconfirm>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" gap={12} wrap className="filters">
        <Flex gap={12} wrap>
          <Input.Search
            allowClear
            value={search}
            placeholder={t('acquisition.codes.search')}
            aria-label={t('acquisition.codes.search')}
            className="filter-search"
            onChange={(event) => setSearch(event.target.value)}
            onSearch={(value) => setFilters((f) => ({ ...f, q: value.trim() || undefined }))}
          />
          <Select<string>
            allowClear
            placeholder={t('acquisition.codes.allChannels')}
            aria-label={t('acquisition.codes.channel')}
            className="filter-select"
            options={channelOptions(channels)}
            onChange={(channelId) => setFilters((f) => ({ ...f, channelId }))}
          />
          <Select<CodeStatus>
            allowClear
            placeholder={t('acquisition.codes.allStatuses')}
            aria-label={t('acquisition.codes.status')}
            className="filter-select"
            options={CODE_STATUSES.map((s) => ({ value: s, label: t(`acquisition.statuses.${s}`) }))}
            onChange={(status) => setFilters((f) => ({ ...f, status }))}
          />
        </Flex>
        {canManage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('acquisition.codes.create')}
          </Button>
        )}
      </Flex>
      <Table<ChannelCode>
        rowKey="id"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('acquisition.codes.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      {editing && (
        <CodeDrawer
          code={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            if (editing === 'new') list.reload();
            else list.replace((c) => c.id === saved.id, saved);
            onChanged();
          }}
        />
      )}
      {showing?.qrCode && (
        <QrModal
          name={showing.name}
          qrCode={showing.qrCode}
          state={showing.state}
          configId={showing.configId}
          onClose={() => setShowing(null)}
        />
      )}
    </>
  );
}
