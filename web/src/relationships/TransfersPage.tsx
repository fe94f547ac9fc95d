// Transfers (在职转接) and succession (离职继承): each customer's transfer with its status and, when it failed, why;
// failed ones retried (to the same or another guide); new in-service transfers of up to 100 customers with a message;
// and asking WeCom now how waiting ones stand.
import { ReloadOutlined, SwapOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Flex,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type {
  Guide,
  Relationship,
  Transfer,
  TransferKind,
  TransferStatus,
} from '../../../src/contracts/relationships.ts';
import { MAX_TRANSFER_CUSTOMERS, TRANSFER_KINDS, TRANSFER_STATUSES } from '../../../src/contracts/relationships.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { relationshipsApi } from './api.ts';
import { TRANSFER_STATUS_COLORS } from './labels.ts';
import { RelationshipsNav } from './RelationshipsNav.tsx';

export default function TransfersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [status, setStatus] = useState<TransferStatus | undefined>();
  const [kind, setKind] = useState<TransferKind | undefined>();
  const [guides, setGuides] = useState<Guide[]>([]);
  const [creating, setCreating] = useState(false);
  const [retrying, setRetrying] = useState<Transfer | null>(null);
  useEffect(() => {
    relationshipsApi.guides().then((res) => setGuides(res.items), showError);
  }, [showError]);
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      relationshipsApi.transfers({ ...(status ? { status } : {}), ...(kind ? { kind } : {}), cursor, limit: 50 }),
    [status, kind],
  );
  const list = useCursorList(fetchPage, showError);

  const check = async () => {
    try {
      const result = await relationshipsApi.checkTransfers();
      void message.success(t('relationships.transfers.checked', result));
      list.reload();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Transfer> = [
    { title: t('relationships.transfers.requestedAt'), dataIndex: 'requestedAt', render: (v: string) => formatTime(v) },
    {
      title: t('relationships.transfers.customer'),
      dataIndex: 'customerName',
      render: (name: string | null, r) => (
        <Link to={`/customers/${r.customerId}`}>{name ?? t('customers.unnamed')}</Link>
      ),
    },
    {
      title: t('relationships.transfers.kind'),
      dataIndex: 'kind',
      render: (k: TransferKind) => t(`relationships.transferKind.${k}`),
    },
    {
      title: t('relationships.transfers.route'),
      render: (_: unknown, r) => `${r.handoverName ?? r.handoverUserId} → ${r.takeoverName ?? r.takeoverUserId}`,
    },
    {
      title: t('relationships.transfers.status'),
      dataIndex: 'status',
      render: (s: TransferStatus, r) => (
        <Space direction="vertical" size={2}>
          <Tag color={TRANSFER_STATUS_COLORS[s]}>{t(`relationships.transferStatus.${s}`)}</Tag>
          {r.failMessage && <Typography.Text type="danger">{r.failMessage}</Typography.Text>}
          {r.retryOf && <Typography.Text type="secondary">{t('relationships.transfers.isRetry')}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('relationships.transfers.takeoverAt'),
      dataIndex: 'takeoverAt',
      render: (v: string | null) => formatTime(v),
    },
    {
      title: t('relationships.transfers.requestedBy'),
      dataIndex: 'requestedByName',
      render: (v: string | null) => v ?? '—',
    },
    {
      title: t('common.actions'),
      render: (_: unknown, r) =>
        r.status === 'failed' && !r.retriedBy ? (
          <Button size="small" icon={<ReloadOutlined />} onClick={() => setRetrying(r)}>
            {t('relationships.transfers.retry')}
          </Button>
        ) : null,
    },
  ];

  return (
    <>
      <PageHeader
        title={t('relationships.transfers.title')}
        description={t('relationships.transfers.description')}
        extra={
          <Space>
            <Button onClick={check}>{t('relationships.transfers.check')}</Button>
            <Button type="primary" icon={<SwapOutlined />} onClick={() => setCreating(true)}>
              {t('relationships.transfers.create')}
            </Button>
          </Space>
        }
      />
      <Flex vertical gap={16}>
        <RelationshipsNav />
        <Card>
          <Flex gap={12} wrap className="filters">
            <Select
              allowClear
              className="filter-select"
              placeholder={t('relationships.transfers.allStatuses')}
              value={status}
              onChange={setStatus}
              options={TRANSFER_STATUSES.map((s) => ({ value: s, label: t(`relationships.transferStatus.${s}`) }))}
            />
            <Select
              allowClear
              className="filter-select"
              placeholder={t('relationships.transfers.allKinds')}
              value={kind}
              onChange={setKind}
              options={TRANSFER_KINDS.map((k) => ({ value: k, label: t(`relationships.transferKind.${k}`) }))}
            />
          </Flex>
          <Table<Transfer>
            rowKey="id"
            size="small"
            loading={list.loading}
            columns={columns}
            dataSource={list.items}
            pagination={false}
            scroll={{ x: 1000 }}
            locale={{ emptyText: t('relationships.transfers.empty') }}
          />
          <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
        </Card>
      </Flex>
      {creating && (
        <CreateModal
          guides={guides}
          onClose={() => setCreating(false)}
          onDone={() => {
            setCreating(false);
            list.reload();
          }}
        />
      )}
      {retrying && (
        <RetryModal
          transfer={retrying}
          guides={guides}
          onClose={() => setRetrying(null)}
          onDone={() => {
            setRetrying(null);
            list.reload();
          }}
        />
      )}
    </>
  );
}

function CreateModal({ guides, onClose, onDone }: { guides: Guide[]; onClose(): void; onDone(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [form] = Form.useForm<{
    handoverStaffId: string;
    takeoverStaffId: string;
    customerIds: string[];
    message?: string;
  }>();
  const handover = Form.useWatch('handoverStaffId', form);
  const [customers, setCustomers] = useState<Relationship[]>([]);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (!handover) return;
    relationshipsApi
      .relationships({ guideStaffId: handover, status: 'active', limit: 200 })
      .then((res) => setCustomers(res.items), showError);
  }, [handover, showError]);
  const submit = async (values: {
    handoverStaffId: string;
    takeoverStaffId: string;
    customerIds: string[];
    message?: string;
  }) => {
    setSaving(true);
    try {
      const result = await relationshipsApi.transfer({
        handoverStaffId: values.handoverStaffId,
        takeoverStaffId: values.takeoverStaffId,
        customerIds: values.customerIds,
        ...(values.message?.trim() ? { message: values.message.trim() } : {}),
      });
      void message.success(t('relationships.transfers.requested', { waiting: result.waiting, failed: result.failed }));
      onDone();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  const active = guides.filter((g) => g.status === 'active');
  return (
    <Modal
      open
      title={t('relationships.transfers.create')}
      onOk={() => form.submit()}
      confirmLoading={saving}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="handoverStaffId" label={t('relationships.transfers.handover')} rules={[{ required: true }]}>
          <Select options={guides.map((g) => ({ value: g.staffId, label: g.name }))} />
        </Form.Item>
        <Form.Item
          name="customerIds"
          label={t('relationships.transfers.customers', { max: MAX_TRANSFER_CUSTOMERS })}
          rules={[{ required: true, type: 'array', min: 1, max: MAX_TRANSFER_CUSTOMERS }]}
        >
          <Select
            mode="multiple"
            optionFilterProp="label"
            maxCount={MAX_TRANSFER_CUSTOMERS}
            options={customers.map((r) => ({
              value: r.customerId,
              label: r.customerName ?? r.contactName ?? r.externalUserId,
            }))}
          />
        </Form.Item>
        <Form.Item name="takeoverStaffId" label={t('relationships.transfers.takeover')} rules={[{ required: true }]}>
          <Select
            options={active.filter((g) => g.staffId !== handover).map((g) => ({ value: g.staffId, label: g.name }))}
          />
        </Form.Item>
        <Form.Item
          name="message"
          label={t('relationships.transfers.message')}
          extra={t('relationships.transfers.messageHint')}
        >
          <Input.TextArea maxLength={200} showCount rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function RetryModal({
  transfer,
  guides,
  onClose,
  onDone,
}: {
  transfer: Transfer;
  guides: Guide[];
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [takeover, setTakeover] = useState<string | undefined>(transfer.takeoverStaffId ?? undefined);
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    setSaving(true);
    try {
      await relationshipsApi.retryTransfer(transfer.id, takeover);
      onDone();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={t('relationships.transfers.retryTitle', { customer: transfer.customerName ?? '' })}
      onOk={submit}
      confirmLoading={saving}
      onCancel={onClose}
    >
      <Typography.Paragraph type="danger">{transfer.failMessage}</Typography.Paragraph>
      <Select
        className="full-width"
        value={takeover}
        onChange={setTakeover}
        options={guides
          .filter((g) => g.status === 'active' && g.staffId !== transfer.handoverStaffId)
          .map((g) => ({ value: g.staffId, label: g.name }))}
      />
    </Modal>
  );
}
