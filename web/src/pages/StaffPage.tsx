// Staff accounts of the workspace: list with filters, create (showing a generated password once), role changes and
// disabling. Editing is offered only with staff.manage, and never on one's own row, so nobody locks themselves out.
import { PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Radio,
  Select,
  Table,
  type TableColumnsType,
  Tag,
} from 'antd';
import { useCallback, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreateStaffBody, Role, Staff, StaffListQuery } from '../../../src/contracts/foundation.ts';
import { ApiError, api, newIdempotencyKey } from '../api.ts';
import { ROLES } from '../choices.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { SecretModal } from '../layout/SecretModal.tsx';
import { useSession, useSignedIn } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';

type StaffFilters = Pick<StaffListQuery, 'role' | 'status' | 'q'>;
type StaffStatus = Staff['status'];

const PAGE_SIZE = 20;
const STATUSES: StaffStatus[] = ['active', 'disabled'];

export default function StaffPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const session = useSignedIn();
  const { can } = useSession();
  const showError = useApiError();
  const [filters, setFilters] = useState<StaffFilters>({});
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; password: string } | null>(null);
  const canManage = can('staff.manage');

  // Only an owner may hand out the owner role; offering it to an admin would just produce a server error.
  const assignableRoles = useMemo(
    () => ROLES.filter((role) => role !== 'owner' || session.staff.role === 'owner'),
    [session.staff.role],
  );
  const roleOptions = assignableRoles.map((role) => ({ value: role, label: t(`role.${role}`) }));

  const fetchPage = useCallback(
    (cursor: string | undefined) => api.listStaff({ ...filters, cursor, limit: PAGE_SIZE }),
    [filters],
  );
  const list = useCursorList(fetchPage, showError);

  const update = async (staff: Staff, change: { role: Role } | { status: StaffStatus }) => {
    try {
      const updated = await api.updateStaff(staff.id, change);
      list.replace((item) => item.id === staff.id, updated);
      if ('role' in change) {
        void message.success(t('staff.roleChanged', { name: staff.name, role: t(`role.${updated.role}`) }));
      } else {
        void message.success(t(updated.status === 'active' ? 'staff.enabled' : 'staff.disabled', { name: staff.name }));
      }
    } catch (error) {
      showError(error);
    }
  };

  const editable = (staff: Staff) =>
    canManage && staff.id !== session.staff.id && (staff.role !== 'owner' || session.staff.role === 'owner');

  const columns: TableColumnsType<Staff> = [
    {
      title: t('staff.name'),
      dataIndex: 'name',
      render: (name: string, staff) => (
        <>
          {name}
          {staff.id === session.staff.id && <Tag className="staff-self">{t('staff.you')}</Tag>}
        </>
      ),
    },
    { title: t('staff.email'), dataIndex: 'email', render: (value: string | null) => value ?? '—' },
    { title: t('staff.phone'), dataIndex: 'phone', render: (value: string | null) => value ?? '—' },
    { title: t('staff.department'), dataIndex: 'department', render: (value: string | null) => value ?? '—' },
    {
      title: t('staff.role'),
      dataIndex: 'role',
      render: (role: Role, staff) =>
        editable(staff) ? (
          <Select
            size="small"
            value={role}
            options={roleOptions}
            popupMatchSelectWidth={false}
            aria-label={t('staff.changeRole', { name: staff.name })}
            onChange={(next) => void update(staff, { role: next })}
            className="staff-role-select"
          />
        ) : (
          t(`role.${role}`)
        ),
    },
    {
      title: t('staff.status'),
      dataIndex: 'status',
      render: (status: StaffStatus) => (
        <Tag color={status === 'active' ? 'success' : 'default'}>{t(`staffStatus.${status}`)}</Tag>
      ),
    },
    { title: t('staff.lastLogin'), dataIndex: 'lastLoginAt', render: (value: string | null) => formatTime(value) },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, staff: Staff) => {
              if (!editable(staff)) return null;
              if (staff.status === 'disabled') {
                return (
                  <Button type="link" size="small" onClick={() => void update(staff, { status: 'active' })}>
                    {t('staff.enable')}
                  </Button>
                );
              }
              return (
                <Popconfirm
                  title={t('staff.disableConfirm', { name: staff.name })}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => update(staff, { status: 'disabled' })}
                >
                  <Button type="link" size="small" danger>
                    {t('staff.disable')}
                  </Button>
                </Popconfirm>
              );
            },
          },
        ]
      : []),
  ];

  return (
    <>
      <PageHeader
        title={t('nav.staff')}
        description={t('staff.description')}
        extra={
          canManage && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('staff.create')}
            </Button>
          )
        }
      />
      <Card>
        <Flex gap={12} wrap className="filters">
          <Input.Search
            allowClear
            placeholder={t('staff.searchPlaceholder')}
            aria-label={t('common.search')}
            className="filter-search"
            onSearch={(q) => setFilters((previous) => ({ ...previous, q: q.trim() || undefined }))}
          />
          <Select<Role>
            allowClear
            placeholder={t('staff.filterRole')}
            aria-label={t('staff.filterRole')}
            options={ROLES.map((role) => ({ value: role, label: t(`role.${role}`) }))}
            className="filter-select"
            onChange={(role) => setFilters((previous) => ({ ...previous, role }))}
          />
          <Select<StaffStatus>
            allowClear
            placeholder={t('staff.filterStatus')}
            aria-label={t('staff.filterStatus')}
            options={STATUSES.map((status) => ({ value: status, label: t(`staffStatus.${status}`) }))}
            className="filter-select"
            onChange={(status) => setFilters((previous) => ({ ...previous, status }))}
          />
        </Flex>
        <Table<Staff>
          rowKey="id"
          columns={columns}
          dataSource={list.items}
          loading={list.loading}
          pagination={false}
          scroll={{ x: 'max-content' }}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      </Card>
      <CreateStaffModal
        open={creating}
        roleOptions={roleOptions}
        onClose={() => setCreating(false)}
        onCreated={(staff, initialPassword) => {
          setCreating(false);
          list.reload();
          void message.success(t('staff.created', { name: staff.name }));
          if (initialPassword) setCreated({ name: staff.name, password: initialPassword });
        }}
      />
      <SecretModal
        title={t('staff.initialPasswordTitle')}
        warning={t('staff.initialPasswordNote', { name: created?.name ?? '' })}
        label={t('staff.initialPasswordTitle')}
        secret={created?.password ?? null}
        onClose={() => setCreated(null)}
      />
    </>
  );
}

interface CreateStaffForm {
  name: string;
  email?: string;
  phone?: string;
  department?: string;
  role: Role;
  password?: string;
}

function CreateStaffModal({
  open,
  roleOptions,
  onClose,
  onCreated,
}: {
  open: boolean;
  roleOptions: { value: Role; label: string }[];
  onClose(): void;
  onCreated(staff: Staff, initialPassword: string | null): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<CreateStaffForm>();
  const [submitting, setSubmitting] = useState(false);
  // Kept across a resubmit after a network failure, so a request that did reach the server is not applied twice.
  const idempotencyKey = useRef(newIdempotencyKey());

  const submit = async (values: CreateStaffForm) => {
    const body: CreateStaffBody = { name: values.name.trim(), role: values.role };
    for (const field of ['email', 'phone', 'department', 'password'] as const) {
      const value = values[field]?.trim();
      if (value) body[field] = value;
    }
    setSubmitting(true);
    try {
      const result = await api.createStaff(body, idempotencyKey.current);
      idempotencyKey.current = newIdempotencyKey();
      form.resetFields();
      onCreated(result.staff, result.initialPassword);
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.current = newIdempotencyKey();
      showError(error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('staff.create')}
      okText={t('common.create')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={submitting}
      forceRender
    >
      <Form<CreateStaffForm>
        form={form}
        name="createStaff"
        layout="vertical"
        initialValues={{ role: 'operator' }}
        onFinish={submit}
      >
        <Form.Item
          name="name"
          label={t('staff.name')}
          rules={[{ required: true, whitespace: true, message: t('staff.nameRequired') }]}
        >
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item
          name="email"
          label={t('staff.email')}
          dependencies={['phone']}
          rules={[
            { type: 'email', message: t('staff.emailInvalid') },
            ({ getFieldValue }) => ({
              validator: (_, email?: string) =>
                email?.trim() || (getFieldValue('phone') as string | undefined)?.trim()
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('staff.contactRequired'))),
            }),
          ]}
        >
          <Input maxLength={254} autoComplete="off" />
        </Form.Item>
        <Form.Item name="phone" label={t('staff.phone')} rules={[{ min: 5, message: t('staff.phoneInvalid') }]}>
          <Input maxLength={32} autoComplete="off" />
        </Form.Item>
        <Form.Item name="department" label={t('staff.department')}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="role" label={t('staff.role')} rules={[{ required: true, message: t('staff.roleRequired') }]}>
          <Radio.Group optionType="button" options={roleOptions} />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('staff.password')}
          extra={t('staff.passwordHelp')}
          rules={[{ min: 10, message: t('staff.passwordMin') }]}
        >
          <Input.Password maxLength={256} autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
