// Member list: search by phone, card number or name; filters on tier and status; cursor paging with "load more"; a
// row opens the member's page. member.manage enrols a customer at the counter (phone, name, consent to the current
// terms); the tiers page is one click away.
import { CrownOutlined, UserAddOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Checkbox,
  Flex,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type {
  LoyaltySettings,
  MemberListItem,
  MemberListQuery,
  MemberStatus,
  Tier,
} from '../../../src/contracts/loyalty.ts';
import { newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { MEMBER_STATUS_COLORS, MEMBER_STATUSES, membersApi, tierColor } from './MembersApi.ts';

type Filters = Pick<MemberListQuery, 'q' | 'tier' | 'status'>;

const PAGE_SIZE = 30;

export default function MembersPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const showError = useApiError();
  const { can } = useSession();
  const [filters, setFilters] = useState<Filters>({});
  const [tiers, setTiers] = useState<Tier[]>([]);
  const [settings, setSettings] = useState<LoyaltySettings | null>(null);
  const [enrolling, setEnrolling] = useState(false);
  const fetchPage = useCallback(
    (cursor: string | undefined) => membersApi.list({ ...filters, cursor, limit: PAGE_SIZE }),
    [filters],
  );
  const list = useCursorList(fetchPage, showError);

  useEffect(() => {
    membersApi.tiers().then((res) => setTiers(res.items), showError);
    membersApi.settings().then(setSettings, showError);
  }, [showError]);

  const tierIndex = new Map(tiers.map((tier, index) => [tier.id, index]));
  const columns: TableColumnsType<MemberListItem> = [
    {
      title: t('members.cardNo'),
      dataIndex: 'cardNo',
      render: (cardNo: string, member) => <Link to={`/loyalty/members/${member.customerId}`}>{cardNo}</Link>,
    },
    { title: t('members.name'), dataIndex: 'name', render: (name: string | null) => name ?? t('members.unnamed') },
    { title: t('members.phone'), dataIndex: 'phone', render: (phone: string | null) => phone ?? '—' },
    {
      title: t('members.tier'),
      dataIndex: 'tier',
      render: (tier: MemberListItem['tier']) => (
        <Tag color={tierColor(tierIndex.get(tier.id) ?? 0)} icon={<CrownOutlined />}>
          {tier.name}
        </Tag>
      ),
    },
    {
      title: (
        <Tooltip title={t('members.growthHint', { months: settings?.tierPolicy.evaluationMonths ?? 12 })}>
          {t('members.growth')}
        </Tooltip>
      ),
      dataIndex: 'growth',
      align: 'right',
      render: (growth: number) => growth.toLocaleString(),
    },
    {
      title: t('members.statusLabel'),
      dataIndex: 'status',
      render: (status: MemberStatus) => <Tag color={MEMBER_STATUS_COLORS[status]}>{t(`members.status.${status}`)}</Tag>,
    },
    { title: t('members.joinedAt'), dataIndex: 'joinedAt', render: (at: string) => formatTime(at) },
  ];

  const set = (patch: Filters) => setFilters((current) => ({ ...current, ...patch }));

  return (
    <>
      <PageHeader
        title={t('nav.loyalty')}
        description={t('members.description')}
        extra={
          <Space>
            <Button icon={<CrownOutlined />} onClick={() => navigate('/loyalty/tiers')}>
              {t('members.tiersLink')}
            </Button>
            <Button onClick={() => navigate('/loyalty/points')}>{t('members.pointsLink')}</Button>
            <Button onClick={() => navigate('/loyalty/rewards')}>{t('members.rewardsLink')}</Button>
            {can('member.manage') && (
              <Button type="primary" icon={<UserAddOutlined />} onClick={() => setEnrolling(true)}>
                {t('members.enrol')}
              </Button>
            )}
          </Space>
        }
      />
      <Card>
        <Flex gap={12} wrap className="filters">
          <Input.Search
            allowClear
            enterButton
            placeholder={t('members.searchPlaceholder')}
            aria-label={t('members.search')}
            className="filter-search"
            onSearch={(value) => set({ q: value.trim() || undefined })}
          />
          <Select
            allowClear
            placeholder={t('members.allTiers')}
            aria-label={t('members.tier')}
            className="filter-select"
            value={filters.tier}
            onChange={(tier) => set({ tier })}
            options={tiers.map((tier) => ({ value: tier.code, label: tier.name }))}
          />
          <Select
            allowClear
            placeholder={t('members.allStatuses')}
            aria-label={t('members.statusLabel')}
            className="filter-select"
            value={filters.status}
            onChange={(status) => set({ status })}
            options={MEMBER_STATUSES.map((status) => ({ value: status, label: t(`members.status.${status}`) }))}
          />
        </Flex>
        <Table<MemberListItem>
          rowKey="customerId"
          columns={columns}
          dataSource={list.items}
          loading={list.loading}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: t('members.empty') }}
          onRow={(member) => ({
            onClick: (event) => {
              if (!(event.target as HTMLElement).closest('a')) navigate(`/loyalty/members/${member.customerId}`);
            },
            className: 'clickable-row',
          })}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
        {!list.loading && list.items.length > 0 && (
          <Typography.Text type="secondary" className="list-footnote">
            {t('members.shown', { count: list.items.length })}
          </Typography.Text>
        )}
      </Card>
      {enrolling && settings && (
        <EnrolModal
          termsVersion={settings.terms.version}
          onClose={() => setEnrolling(false)}
          onEnrolled={() => {
            setEnrolling(false);
            list.reload();
          }}
        />
      )}
    </>
  );
}

interface EnrolForm {
  phone: string;
  name?: string;
  consent: boolean;
}

function EnrolModal({
  termsVersion,
  onClose,
  onEnrolled,
}: {
  termsVersion: string;
  onClose(): void;
  onEnrolled(): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [form] = Form.useForm<EnrolForm>();
  const [saving, setSaving] = useState(false);
  // One key per dialog: a retry after a lost answer is the same enrolment.
  const [key] = useState(newIdempotencyKey);

  const submit = async (values: EnrolForm) => {
    setSaving(true);
    try {
      const name = values.name?.trim();
      const result = await membersApi.enrol(
        { phone: values.phone.trim(), ...(name ? { name } : {}), termsVersion, consent: true },
        key,
      );
      void message.success(
        t(result.created ? 'members.enrolled' : 'members.alreadyMember', { cardNo: result.member.cardNo }),
      );
      onEnrolled();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={t('members.enrolTitle')}
      okText={t('members.enrol')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={saving}
    >
      <Typography.Paragraph type="secondary">{t('members.enrolHint', { version: termsVersion })}</Typography.Paragraph>
      <Form form={form} layout="vertical" name="enrol" onFinish={submit}>
        <Form.Item
          name="phone"
          label={t('members.phone')}
          rules={[{ required: true, whitespace: true, message: t('members.phoneRequired') }]}
        >
          <Input maxLength={32} autoFocus inputMode="tel" />
        </Form.Item>
        <Form.Item name="name" label={t('members.name')}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item
          name="consent"
          valuePropName="checked"
          rules={[
            {
              validator: (_, value) =>
                value ? Promise.resolve() : Promise.reject(new Error(t('members.consentRequired'))),
            },
          ]}
        >
          <Checkbox>{t('members.consent')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
