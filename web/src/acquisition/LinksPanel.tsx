// 追踪链接: trackable links for H5 landing pages and ads. A code link opens a landing page with the QR code of its own
// contact way (the code's guides and welcome, its own state, so adds through it are told apart); a URL link records
// the click and redirects. Each row shows the public URL to copy, clicks, unique visitors, adds and conversion; a
// link's daily figures, devices and referrers open in a dialog.
import { CopyOutlined, PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Col,
  DatePicker,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Radio,
  Row,
  Select,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelCode, Link, LinkBody, LinkStats, UpdateLinkBody } from '../../../src/contracts/acquisition.ts';
import { newIdempotencyKey } from '../api.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { acquisitionApi } from './api.ts';
import { percent, syncTag } from './labels.ts';
import { QrModal } from './QrModal.tsx';
import { channelOptions, useChannels } from './useChannels.ts';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
type ChartOption = echarts.ComposeOption<
  LineSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption
>;

const DAY = 'YYYY-MM-DD';
/** While WeCom has not confirmed a code link's contact way, the list looks again this often. */
const PENDING_POLL_MS = 2000;

/** The public URL of a link on this server (the console and the landing pages share an origin). */
const urlOf = (link: Link) => `${window.location.origin}${link.path}`;

export function LinksPanel() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [editing, setEditing] = useState<Link | 'new' | null>(null);
  const [showingQr, setShowingQr] = useState<Link | null>(null);
  const [showingStats, setShowingStats] = useState<Link | null>(null);
  const canManage = can('acquisition.manage');

  const fetchPage = useCallback((cursor: string | undefined) => acquisitionApi.listLinks({ cursor }), []);
  const list = useCursorList(fetchPage, showError);
  const pendingKey = list.items
    .filter((l) => l.way?.syncState === 'pending')
    .map((l) => l.id)
    .join(',');
  // `list` changes with every answer, so each poll that still finds a link pending schedules the next one.
  useEffect(() => {
    if (!pendingKey) return;
    const timer = setTimeout(() => {
      for (const linkId of pendingKey.split(',')) {
        acquisitionApi.getLink(linkId).then((link) => list.replace((l) => l.id === link.id, link), showError);
      }
    }, PENDING_POLL_MS);
    return () => clearTimeout(timer);
  }, [pendingKey, list, showError]);

  const copy = (link: Link) => {
    // navigator.clipboard is missing on plain-http origins; the URL stays selectable in the table for a manual copy.
    navigator.clipboard.writeText(urlOf(link)).then(
      () => void message.success(t('common.copied')),
      () => void message.warning(t('common.copyFailed')),
    );
  };

  const remove = async (link: Link) => {
    try {
      await acquisitionApi.deleteLink(link.id);
      void message.success(t('acquisition.links.deleted', { name: link.name }));
      list.reload();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Link> = [
    {
      title: t('acquisition.links.name'),
      dataIndex: 'name',
      render: (name: string, l) => (
        <Flex vertical>
          <Typography.Text strong>{name}</Typography.Text>
          <span>
            {l.channel && <Tag color="blue">{l.channel.name}</Tag>}
            <Tag>
              {l.target.kind === 'code'
                ? t('acquisition.links.toCode', { name: l.target.codeName })
                : t('acquisition.links.toUrl')}
            </Tag>
          </span>
          {l.target.kind === 'url' && (
            <Typography.Text type="secondary" className="small-text acquisition-url">
              → {l.target.url}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('acquisition.links.url'),
      key: 'url',
      render: (_: unknown, l) => (
        <Flex gap={4} align="center">
          <Typography.Text copyable={false} className="acquisition-url">
            {urlOf(l)}
          </Typography.Text>
          <Button
            type="text"
            size="small"
            icon={<CopyOutlined />}
            aria-label={t('acquisition.links.copyOf', { name: l.name })}
            onClick={() => copy(l)}
          />
        </Flex>
      ),
    },
    {
      title: t('acquisition.links.qrCode'),
      key: 'qr',
      render: (_: unknown, l) =>
        l.way ? (
          <Flex vertical align="flex-start" gap={4}>
            {l.way.qrCode && (
              <button type="button" className="acquisition-qr-button" onClick={() => setShowingQr(l)}>
                <img src={l.way.qrCode} alt={t('acquisition.qr.alt', { name: l.name })} className="acquisition-qr" />
              </button>
            )}
            <Tag color={syncTag(l.way.syncState)}>{t(`acquisition.syncStates.${l.way.syncState}`)}</Tag>
            {l.way.syncError && (
              <Typography.Text type="danger" className="small-text">
                {l.way.syncError}
              </Typography.Text>
            )}
          </Flex>
        ) : (
          '—'
        ),
    },
    { title: t('acquisition.links.clicks'), dataIndex: 'clicks', align: 'right' },
    { title: t('acquisition.links.uniqueVisitors'), dataIndex: 'uniqueVisitors', align: 'right' },
    {
      title: t('acquisition.links.adds'),
      dataIndex: 'adds',
      align: 'right',
      render: (adds: number, l) => (l.target.kind === 'code' ? adds : '—'),
    },
    {
      title: t('acquisition.links.conversion'),
      dataIndex: 'conversion',
      align: 'right',
      render: (rate: number | null, l) => (l.target.kind === 'code' ? percent(rate) : '—'),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_: unknown, l) => (
        <Flex gap={4}>
          <Button type="link" size="small" onClick={() => setShowingStats(l)}>
            {t('acquisition.links.stats')}
          </Button>
          {canManage && (
            <>
              <Button type="link" size="small" onClick={() => setEditing(l)}>
                {t('common.edit')}
              </Button>
              <Popconfirm title={t('acquisition.links.deleteConfirm', { name: l.name })} onConfirm={() => remove(l)}>
                <Button type="link" size="small" danger>
                  {t('common.delete')}
                </Button>
              </Popconfirm>
            </>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" gap={12} wrap className="filters">
        <Typography.Text type="secondary">{t('acquisition.links.hint')}</Typography.Text>
        {canManage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            {t('acquisition.links.create')}
          </Button>
        )}
      </Flex>
      <Table<Link>
        rowKey="id"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('acquisition.links.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      {editing && (
        <LinkModal
          link={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      {showingQr?.way?.qrCode && (
        <QrModal
          name={showingQr.name}
          qrCode={showingQr.way.qrCode}
          state={showingQr.way.state}
          configId={showingQr.way.configId}
          onClose={() => setShowingQr(null)}
        />
      )}
      {showingStats && <LinkStatsModal link={showingStats} onClose={() => setShowingStats(null)} />}
    </>
  );
}

interface LinkFormValues {
  name: string;
  kind: 'code' | 'url';
  codeId?: string;
  url?: string;
  channelId?: string | null;
  title?: string;
  description?: string;
}

function LinkModal({ link, onClose, onSaved }: { link: Link | null; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<LinkFormValues>();
  const { channels } = useChannels();
  const [codes, setCodes] = useState<ChannelCode[]>([]);
  const [saving, setSaving] = useState(false);
  // One key per dialog: a retried save after a network failure is recognised by the server as the same create.
  const [idempotencyKey] = useState(newIdempotencyKey);
  const kind = Form.useWatch('kind', form);

  useEffect(() => {
    acquisitionApi.listCodes({ limit: 200 }).then((page) => setCodes(page.items), showError);
  }, [showError]);

  const submit = async (v: LinkFormValues) => {
    setSaving(true);
    try {
      const texts = { title: v.title?.trim() ?? '', description: v.description?.trim() ?? '' };
      if (link) {
        const body: UpdateLinkBody = {
          name: v.name.trim(),
          channelId: v.channelId ?? null,
          ...(link.target.kind === 'url' && v.url ? { url: v.url.trim() } : {}),
          ...texts,
        };
        await acquisitionApi.updateLink(link.id, body);
      } else {
        const body: LinkBody = {
          name: v.name.trim(),
          target:
            v.kind === 'code'
              ? { kind: 'code', codeId: v.codeId as string }
              : { kind: 'url', url: (v.url ?? '').trim() },
          ...(v.channelId ? { channelId: v.channelId } : {}),
          ...texts,
        };
        await acquisitionApi.createLink(body, idempotencyKey);
      }
      onSaved();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={link ? t('acquisition.links.edit') : t('acquisition.links.create')}
      okText={t('common.save')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form<LinkFormValues>
        form={form}
        layout="vertical"
        initialValues={{
          name: link?.name ?? '',
          kind: link?.target.kind ?? 'code',
          codeId: link?.target.kind === 'code' ? link.target.codeId : undefined,
          url: link?.target.kind === 'url' ? link.target.url : undefined,
          channelId: link?.channel?.id ?? null,
          title: link?.title ?? '',
          description: link?.description ?? '',
        }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="name" label={t('acquisition.links.name')} rules={[{ required: true, max: 60 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="kind"
          label={t('acquisition.links.target')}
          extra={t(`acquisition.links.targetHints.${kind ?? 'code'}`)}
        >
          <Radio.Group
            disabled={link !== null}
            optionType="button"
            options={[
              { value: 'code', label: t('acquisition.links.kinds.code') },
              { value: 'url', label: t('acquisition.links.kinds.url') },
            ]}
          />
        </Form.Item>
        {kind === 'url' ? (
          <Form.Item
            name="url"
            label={t('acquisition.links.targetUrl')}
            rules={[{ required: true, type: 'url', max: 2048 }]}
          >
            <Input placeholder="https://" />
          </Form.Item>
        ) : (
          <Form.Item name="codeId" label={t('acquisition.links.code')} rules={[{ required: true }]}>
            <Select
              disabled={link !== null}
              showSearch={{ optionFilterProp: 'label' }}
              options={codes.filter((c) => c.status !== 'expired').map((c) => ({ value: c.id, label: c.name }))}
            />
          </Form.Item>
        )}
        <Form.Item name="channelId" label={t('acquisition.links.channel')} extra={t('acquisition.links.channelHint')}>
          <Select allowClear options={channelOptions(channels)} />
        </Form.Item>
        {kind !== 'url' && (
          <>
            <Form.Item name="title" label={t('acquisition.links.landingTitle')} rules={[{ max: 60 }]}>
              <Input />
            </Form.Item>
            <Form.Item name="description" label={t('acquisition.links.landingDescription')} rules={[{ max: 200 }]}>
              <Input.TextArea rows={2} />
            </Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}

function LinkStatsModal({ link, onClose }: { link: Link; onClose(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  // The server's default range (its last 30 days in the workspace's time zone) until the operator picks one.
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const [stats, setStats] = useState<LinkStats | null>(null);

  useEffect(() => {
    acquisitionApi
      .linkStats(link.id, range ? { from: range[0].format(DAY), to: range[1].format(DAY) } : {})
      .then(setStats, showError);
  }, [link.id, range, showError]);

  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 40, right: 16, top: 40, bottom: 32 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: stats?.days.map((d) => d.day.slice(5)) ?? [] },
      yAxis: { type: 'value', minInterval: 1 },
      series: (['clicks', 'uniqueVisitors', 'adds'] as const).map((key) => ({
        name: t(`acquisition.links.${key}`),
        type: 'line' as const,
        data: stats?.days.map((d) => d[key]) ?? [],
      })),
    }),
    [stats, t],
  );

  return (
    <Modal
      open
      width={760}
      title={t('acquisition.links.statsOf', { name: link.name })}
      footer={null}
      onCancel={onClose}
    >
      <Flex vertical gap={16}>
        <DatePicker.RangePicker
          allowClear={false}
          value={range ?? (stats ? [dayjs(stats.from), dayjs(stats.to)] : null)}
          aria-label={t('acquisition.stats.range')}
          onChange={(value) => {
            if (value?.[0] && value[1]) setRange([value[0], value[1]]);
          }}
        />
        <Row gutter={16}>
          {(['clicks', 'uniqueVisitors', 'adds'] as const).map((key) => (
            <Col key={key} span={6}>
              <Statistic title={t(`acquisition.links.${key}`)} value={stats?.totals[key] ?? 0} />
            </Col>
          ))}
          <Col span={6}>
            <Statistic title={t('acquisition.links.conversion')} value={percent(stats?.totals.conversion ?? null)} />
          </Col>
        </Row>
        <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 260 }} />
        <Row gutter={16}>
          <Col span={12}>
            <Table
              size="small"
              rowKey="uaKind"
              pagination={false}
              dataSource={stats?.byUaKind ?? []}
              columns={[
                {
                  title: t('acquisition.links.device'),
                  dataIndex: 'uaKind',
                  render: (kind: LinkStats['byUaKind'][number]['uaKind']) => t(`acquisition.uaKinds.${kind}`),
                },
                { title: t('acquisition.links.clicks'), dataIndex: 'clicks', align: 'right' },
              ]}
            />
          </Col>
          <Col span={12}>
            <Table
              size="small"
              rowKey={(r) => r.host ?? ''}
              pagination={false}
              dataSource={stats?.byReferrer ?? []}
              columns={[
                {
                  title: t('acquisition.links.referrer'),
                  dataIndex: 'host',
                  render: (host: string | null) => host ?? t('acquisition.links.direct'),
                },
                { title: t('acquisition.links.clicks'), dataIndex: 'clicks', align: 'right' },
              ]}
            />
          </Col>
        </Row>
      </Flex>
    </Modal>
  );
}
