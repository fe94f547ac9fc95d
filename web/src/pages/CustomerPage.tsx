// Customer 360: profile (editable with customer.write), identities, tags, computed traits with the server's
// explanations, orders, the timeline across every source, merging into another customer, and merge history with
// undo. Each panel appears only with the permission its API needs.
import { ArrowLeftOutlined, EditOutlined, MergeCellsOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Empty,
  Flex,
  Form,
  Input,
  List,
  Modal,
  Popconfirm,
  Result,
  Row,
  Select,
  Skeleton,
  Space,
  Table,
  type TableColumnsType,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { Customer, CustomerDetail, UpdateCustomerBody } from '../../../src/contracts/customers.ts';
import type { Order } from '../../../src/contracts/events.ts';
import type { CustomerTag } from '../../../src/contracts/tags.ts';
import { ApiError, api } from '../api.ts';
import { CHANNELS, GENDERS, isOneOf, ORDER_STATUSES, yuan } from '../customers/labels.ts';
import { Timeline } from '../customers/Timeline.tsx';
import { TraitsPanel } from '../customers/TraitsPanel.tsx';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { TagPicker } from '../layout/TagPicker.tsx';
import { RelationshipsPanel } from '../relationships/RelationshipsPanel.tsx';
import { IDENTITY_KINDS } from '../segments/rule.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { useTagGroups } from '../useTagGroups.ts';

type Profile = CustomerDetail['customer'];

export default function CustomerPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { can } = useSession();
  const showError = useApiError();
  const [detail, setDetail] = useState<CustomerDetail | null>(null);
  const [missing, setMissing] = useState(false);
  const [merging, setMerging] = useState(false);

  const load = useCallback(() => {
    api.getCustomer(id).then(
      (next) => {
        // A merged-away id answers with its survivor; show the survivor under its own URL.
        if (next.customer.id !== id) navigate(`/customers/${next.customer.id}`, { replace: true });
        setDetail(next);
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) setMissing(true);
        else showError(error);
      },
    );
  }, [id, navigate, showError]);

  useEffect(() => load(), [load]);

  if (missing) return <Result status="404" title={t('customers.notFound')} />;
  if (!detail) return <Skeleton active />;
  const { customer } = detail;

  return (
    <>
      <Flex align="center" gap={12} className="page-header">
        <Button
          type="text"
          icon={<ArrowLeftOutlined />}
          onClick={() => navigate('/customers')}
          aria-label={t('common.back')}
        />
        <Typography.Title level={3} className="page-title customer-title">
          {customer.name ?? t('customers.unnamed')}
        </Typography.Title>
        <Tag>{t(`gender.${customer.gender}`)}</Tag>
        {customer.city && <Tag>{customer.city}</Tag>}
        {can('customer.merge') && (
          <Button icon={<MergeCellsOutlined />} onClick={() => setMerging(true)} className="header-action">
            {t('customers.mergeInto')}
          </Button>
        )}
      </Flex>
      {merging && (
        <MergeModal
          customer={customer}
          onClose={() => setMerging(false)}
          onMerged={(survivorId) => {
            setMerging(false);
            navigate(`/customers/${survivorId}`);
          }}
        />
      )}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={9}>
          <Flex vertical gap={16}>
            <ProfileCard customer={customer} onSaved={(next) => setDetail({ ...detail, customer: next })} />
            <IdentitiesCard identities={detail.identities} />
            {can('tag.read') && <TagsCard customerId={customer.id} />}
            <MergesCard merges={detail.merges} onUnmerged={load} />
          </Flex>
        </Col>
        <Col xs={24} xl={15}>
          <Flex vertical gap={16}>
            {can('trait.read') && <TraitsPanel customerId={customer.id} />}
            {can('relationship.read') && <RelationshipsPanel customerId={customer.id} />}
            <Card>
              <Tabs
                items={[
                  { key: 'timeline', label: t('customers.timeline'), children: <Timeline customerId={customer.id} /> },
                  ...(can('order.read')
                    ? [{ key: 'orders', label: t('customers.orders'), children: <Orders customerId={customer.id} /> }]
                    : []),
                ]}
              />
            </Card>
          </Flex>
        </Col>
      </Row>
    </>
  );
}

function ProfileCard({ customer, onSaved }: { customer: Profile; onSaved(next: Profile): void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const [editing, setEditing] = useState(false);
  const channel = customer.sourceChannel;
  return (
    <Card
      title={t('customers.profile')}
      extra={
        can('customer.write') && (
          <Button type="link" icon={<EditOutlined />} onClick={() => setEditing(true)}>
            {t('common.edit')}
          </Button>
        )
      }
    >
      <Descriptions column={1} size="small" data-testid="customer-profile">
        <Descriptions.Item label={t('customers.name')}>{customer.name ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('customers.phone')}>{customer.phone ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('customers.email')}>{customer.email ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('customers.gender')}>{t(`gender.${customer.gender}`)}</Descriptions.Item>
        <Descriptions.Item label={t('customers.birthday')}>{customer.birthday ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('customers.location')}>
          {[customer.region, customer.city].filter(Boolean).join(' · ') || '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('customers.occupation')}>{customer.occupation ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('customers.interests')}>
          {customer.interests.length ? customer.interests.map((i) => <Tag key={i}>{i}</Tag>) : '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('customers.sourceChannel')}>
          {isOneOf(CHANNELS, channel) ? t(`channels.${channel}`) : (channel ?? '—')}
        </Descriptions.Item>
        <Descriptions.Item label={t('customers.memberStatus')}>{customer.memberStatus}</Descriptions.Item>
        <Descriptions.Item label={t('customers.firstSeenAt')}>{formatTime(customer.firstSeenAt)}</Descriptions.Item>
        <Descriptions.Item label={t('customers.lastSeenAt')}>{formatTime(customer.lastSeenAt)}</Descriptions.Item>
      </Descriptions>
      {editing && (
        <ProfileModal
          customer={customer}
          onClose={() => setEditing(false)}
          onSaved={(next) => {
            setEditing(false);
            onSaved(next);
          }}
        />
      )}
    </Card>
  );
}

interface ProfileForm {
  name?: string;
  gender: Profile['gender'];
  birthday?: Dayjs | null;
  phone?: string;
  email?: string;
  region?: string;
  city?: string;
  occupation?: string;
  interests: string[];
  sourceChannel?: string;
}

/** Sends only what changed, so masked values (without customer.pii) are never written back over the real ones. */
function ProfileModal({
  customer,
  onClose,
  onSaved,
}: {
  customer: Profile;
  onClose(): void;
  onSaved(next: Profile): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [form] = Form.useForm<ProfileForm>();
  const [saving, setSaving] = useState(false);
  const initial: ProfileForm = {
    name: customer.name ?? '',
    gender: customer.gender,
    birthday: customer.birthday ? dayjs(customer.birthday) : null,
    phone: customer.phone ?? '',
    email: customer.email ?? '',
    region: customer.region ?? '',
    city: customer.city ?? '',
    occupation: customer.occupation ?? '',
    interests: customer.interests,
    sourceChannel: customer.sourceChannel ?? '',
  };

  const submit = async (values: ProfileForm) => {
    const text = (value: string | undefined) => value?.trim() || null;
    const next: UpdateCustomerBody = {
      name: text(values.name),
      gender: values.gender,
      birthday: values.birthday ? values.birthday.format('YYYY-MM-DD') : null,
      phone: text(values.phone),
      email: text(values.email),
      region: text(values.region),
      city: text(values.city),
      occupation: text(values.occupation),
      interests: values.interests,
      sourceChannel: text(values.sourceChannel),
    };
    const before: UpdateCustomerBody = {
      name: customer.name,
      gender: customer.gender,
      birthday: customer.birthday,
      phone: customer.phone,
      email: customer.email,
      region: customer.region,
      city: customer.city,
      occupation: customer.occupation,
      interests: customer.interests,
      sourceChannel: customer.sourceChannel,
    };
    const changed = Object.fromEntries(
      Object.entries(next).filter(
        ([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key as keyof UpdateCustomerBody]),
      ),
    ) as UpdateCustomerBody;
    if (Object.keys(changed).length === 0) {
      onClose();
      return;
    }
    setSaving(true);
    try {
      onSaved(await api.updateCustomer(customer.id, changed));
      void message.success(t('customers.saved'));
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={t('customers.editProfile')}
      okText={t('common.save')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={saving}
      width={560}
    >
      <Form<ProfileForm> form={form} name="editProfile" layout="vertical" initialValues={initial} onFinish={submit}>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="name" label={t('customers.name')}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="gender" label={t('customers.gender')}>
              <Select options={GENDERS.map((g) => ({ value: g, label: t(`gender.${g}`) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="phone" label={t('customers.phone')}>
              <Input maxLength={32} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              name="email"
              label={t('customers.email')}
              rules={[{ type: 'email', message: t('customers.emailInvalid') }]}
            >
              <Input maxLength={254} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="birthday" label={t('customers.birthday')}>
              <DatePicker className="full-width" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="occupation" label={t('customers.occupation')}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="region" label={t('customers.region')}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="city" label={t('customers.city')}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="interests" label={t('customers.interests')}>
              <Select mode="tags" maxCount={50} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="sourceChannel" label={t('customers.sourceChannel')}>
              <Select
                allowClear
                options={CHANNELS.map((channel) => ({ value: channel, label: t(`channels.${channel}`) }))}
              />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
}

function IdentitiesCard({ identities }: { identities: CustomerDetail['identities'] }) {
  const { t } = useTranslation();
  return (
    <Card title={t('customers.identities')} size="small">
      <List
        size="small"
        dataSource={identities}
        locale={{ emptyText: t('customers.noIdentities') }}
        renderItem={(identity) => (
          <List.Item>
            <Flex justify="space-between" gap={8} className="full-width">
              <Space>
                <Tag color="geekblue">
                  {isOneOf(IDENTITY_KINDS, identity.kind) ? t(`identityKinds.${identity.kind}`) : identity.kind}
                </Tag>
                <Typography.Text copyable className="identity-value">
                  {identity.value}
                </Typography.Text>
                {identity.appId && <Typography.Text type="secondary">{identity.appId}</Typography.Text>}
              </Space>
              <Typography.Text type="secondary" className="small-text">
                {formatTime(identity.createdAt)}
              </Typography.Text>
            </Flex>
          </List.Item>
        )}
      />
    </Card>
  );
}

function TagsCard({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const canApply = can('tag.apply');
  const catalogue = useTagGroups(canApply);
  const [tags, setTags] = useState<CustomerTag[] | null>(null);
  const [picking, setPicking] = useState<string[]>([]);
  const [adding, setAdding] = useState(false);

  useEffect(() => {
    api.customerTags(customerId).then((page) => setTags(page.items), showError);
  }, [customerId, showError]);

  const add = async () => {
    if (picking.length === 0) return;
    setAdding(true);
    try {
      setTags((await api.tagCustomer(customerId, picking)).items);
      setPicking([]);
    } catch (error) {
      showError(error);
    } finally {
      setAdding(false);
    }
  };

  const remove = async (tag: CustomerTag) => {
    try {
      await api.untagCustomer(customerId, tag.tagId);
      setTags((current) => current?.filter((item) => item.tagId !== tag.tagId) ?? null);
    } catch (error) {
      showError(error);
    }
  };

  return (
    <Card title={t('customers.tags')} size="small" data-testid="customer-tags">
      {tags === null ? (
        <Skeleton active paragraph={{ rows: 1 }} />
      ) : (
        <Flex wrap gap={6} className="customer-tag-list">
          {tags.length === 0 && <Typography.Text type="secondary">{t('customers.noTags')}</Typography.Text>}
          {tags.map((tag) => (
            <Tag
              key={tag.tagId}
              color={tag.color ?? 'green'}
              closable={canApply}
              onClose={(event) => {
                event.preventDefault();
                void remove(tag);
              }}
              title={`${tag.groupName} · ${t(`tagSources.${tag.source as 'manual'}`, { defaultValue: tag.source })}`}
            >
              {tag.name}
            </Tag>
          ))}
        </Flex>
      )}
      {canApply && (
        <Flex gap={8} className="customer-tag-add">
          <TagPicker
            multiple
            groups={catalogue.groups}
            loading={catalogue.loading}
            exclude={new Set(tags?.map((tag) => tag.tagId))}
            value={picking}
            onChange={(value) => setPicking(Array.isArray(value) ? value : [])}
            className="customer-tag-picker"
          />
          <Button icon={<PlusOutlined />} onClick={() => void add()} loading={adding} disabled={picking.length === 0}>
            {t('customers.addTags')}
          </Button>
        </Flex>
      )}
    </Card>
  );
}

const label = (c: Customer, unnamed: string) => [c.name ?? unnamed, c.phone, c.city].filter(Boolean).join(' · ');

/**
 * Merge this customer into another one: search the target by name, phone or any identity, read what will happen,
 * confirm. This customer's identities, tags, orders and history move to the target; the merge can be undone from
 * the target's merge history.
 */
function MergeModal({
  customer,
  onClose,
  onMerged,
}: {
  customer: Profile;
  onClose(): void;
  onMerged(survivorId: string): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [found, setFound] = useState<Customer[]>([]);
  const [searching, setSearching] = useState(false);
  const [target, setTarget] = useState<Customer | null>(null);
  const [saving, setSaving] = useState(false);
  const latest = useRef('');

  const search = (q: string) => {
    latest.current = q;
    if (!q.trim()) {
      setFound([]);
      return;
    }
    setSearching(true);
    api.listCustomers({ q: q.trim(), limit: 10 }).then(
      (page) => {
        // Answers can arrive out of order while typing: keep only the newest query's.
        if (latest.current !== q) return;
        setFound(page.items.filter((c) => c.id !== customer.id));
        setSearching(false);
      },
      (error: unknown) => {
        setSearching(false);
        showError(error);
      },
    );
  };

  const merge = async () => {
    if (!target) return;
    setSaving(true);
    try {
      const survivor = await api.mergeCustomers({ survivorId: target.id, mergedId: customer.id, reason: 'manual' });
      void message.success(t('customers.mergedInto', { name: survivor.customer.name ?? t('customers.unnamed') }));
      onMerged(survivor.customer.id);
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={t('customers.mergeTitle', { name: customer.name ?? t('customers.unnamed') })}
      okText={t('customers.mergeConfirm')}
      okButtonProps={{ danger: true, disabled: !target }}
      onOk={() => void merge()}
      onCancel={onClose}
      confirmLoading={saving}
      width={560}
    >
      <Flex vertical gap={12}>
        <Select<string>
          showSearch={{ filterOption: false, onSearch: search }}
          placeholder={t('customers.mergeSearch')}
          aria-label={t('customers.mergeTarget')}
          loading={searching}
          value={target?.id}
          onChange={(id) => setTarget(found.find((c) => c.id === id) ?? null)}
          options={found.map((c) => ({ value: c.id, label: label(c, t('customers.unnamed')) }))}
          notFoundContent={searching ? null : t('customers.mergeNoMatch')}
          className="full-width"
        />
        {target && (
          <Alert
            type="warning"
            showIcon
            title={t('customers.mergeWarning', {
              from: customer.name ?? t('customers.unnamed'),
              to: target.name ?? t('customers.unnamed'),
            })}
            description={t('customers.mergeUndoHint')}
          />
        )}
      </Flex>
    </Modal>
  );
}

function MergesCard({ merges, onUnmerged }: { merges: CustomerDetail['merges']; onUnmerged(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();

  const unmerge = async (mergeId: string) => {
    try {
      const result = await api.unmerge(mergeId);
      void message.success(t('customers.unmerged', { name: result.restored.name ?? t('customers.unnamed') }));
      onUnmerged();
    } catch (error) {
      showError(error);
    }
  };

  return (
    <Card title={t('customers.merges')} size="small">
      {merges.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('customers.noMerges')} />
      ) : (
        <List
          size="small"
          dataSource={merges}
          renderItem={(merge) => (
            <List.Item
              actions={
                can('customer.merge') && merge.unmergedAt === null
                  ? [
                      <Popconfirm
                        key="unmerge"
                        title={t('customers.unmergeConfirm')}
                        onConfirm={() => unmerge(merge.id)}
                        okButtonProps={{ danger: true }}
                      >
                        <Button size="small" danger>
                          {t('customers.unmerge')}
                        </Button>
                      </Popconfirm>,
                    ]
                  : []
              }
            >
              <List.Item.Meta
                title={
                  <Space>
                    <Link to={`/customers/${merge.mergedId}`}>{t('customers.mergedCustomer')}</Link>
                    {merge.unmergedAt && <Tag>{t('customers.undone')}</Tag>}
                  </Space>
                }
                description={
                  <>
                    <div>{merge.reason}</div>
                    <div className="small-text">
                      {t('customers.mergedAt', { time: formatTime(merge.mergedAt) })}
                      {merge.unmergedAt && ` · ${t('customers.unmergedAt', { time: formatTime(merge.unmergedAt) })}`}
                    </div>
                  </>
                }
              />
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}

function Orders({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const fetchPage = useCallback(
    (cursor: string | undefined) => api.customerOrders(customerId, { cursor, limit: 20 }),
    [customerId],
  );
  const list = useCursorList(fetchPage, showError);
  const columns: TableColumnsType<Order> = [
    { title: t('orders.orderNo'), dataIndex: 'orderNo' },
    { title: t('orders.placedAt'), dataIndex: 'placedAt', render: (at: string) => formatTime(at) },
    {
      title: t('orders.items'),
      dataIndex: 'items',
      render: (items: Order['items']) => items.map((item) => `${item.name} ×${item.quantity}`).join('、'),
    },
    { title: t('orders.paid'), dataIndex: 'paidFen', align: 'right', render: (fen: number) => yuan(fen) },
    {
      title: t('orders.status'),
      dataIndex: 'status',
      render: (status: Order['status']) => (
        <Tag color={status === 'paid' ? 'green' : status === 'pending' ? 'gold' : 'default'}>
          {isOneOf(ORDER_STATUSES, status) ? t(`orders.statuses.${status}`) : status}
        </Tag>
      ),
    },
    { title: t('orders.store'), dataIndex: 'store', render: (store: string | null) => store ?? '—' },
  ];
  return (
    <>
      <Table<Order>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('orders.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
