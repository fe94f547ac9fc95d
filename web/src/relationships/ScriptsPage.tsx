// The script library (话术库): categories and scripts guides copy into WeCom. Variables are inserted with a click
// and checked by the server (an unknown one is refused with its name); guides read, sop.manage edits.
import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Col,
  Flex,
  Form,
  Input,
  List,
  Modal,
  Popconfirm,
  Row,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SCRIPT_VARIABLES, type Script, type ScriptCategory } from '../../../src/contracts/relationships.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { relationshipsApi } from './api.ts';
import { RelationshipsNav } from './RelationshipsNav.tsx';

export const placeholder = (variable: string) => `{{${variable}}}`;

export default function ScriptsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const manage = can('sop.manage');
  const showError = useApiError();
  const [categories, setCategories] = useState<ScriptCategory[]>([]);
  const [categoryId, setCategoryId] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [scripts, setScripts] = useState<Script[]>([]);
  const [editing, setEditing] = useState<Script | 'new' | null>(null);
  const [newCategory, setNewCategory] = useState('');

  const loadCategories = useCallback(() => {
    relationshipsApi.categories().then((res) => setCategories(res.items), showError);
  }, [showError]);
  const loadScripts = useCallback(() => {
    relationshipsApi
      .scripts({ ...(categoryId ? { categoryId } : {}), ...(q.trim() ? { q: q.trim() } : {}) })
      .then((res) => setScripts(res.items), showError);
  }, [categoryId, q, showError]);
  useEffect(() => loadCategories(), [loadCategories]);
  useEffect(() => loadScripts(), [loadScripts]);

  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      void message.success(done);
      loadCategories();
      loadScripts();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Script> = [
    { title: t('relationships.scripts.titleLabel'), dataIndex: 'title', width: 160 },
    { title: t('relationships.scripts.category'), dataIndex: 'categoryName', width: 120 },
    {
      title: t('relationships.scripts.body'),
      dataIndex: 'body',
      render: (body: string) => (
        <Typography.Paragraph copyable ellipsis={{ rows: 2, expandable: true }} className="task-script">
          {body}
        </Typography.Paragraph>
      ),
    },
    {
      title: t('relationships.scripts.variables'),
      dataIndex: 'variables',
      width: 200,
      render: (vars: string[]) =>
        vars.map((v) => <Tag key={v}>{t(`relationships.scripts.var.${v}` as 'relationships.scripts.var.name')}</Tag>),
    },
    ...(manage
      ? [
          {
            title: t('common.actions'),
            width: 120,
            render: (_: unknown, s: Script) => (
              <Space>
                <Button
                  size="small"
                  icon={<EditOutlined />}
                  aria-label={t('common.edit')}
                  onClick={() => setEditing(s)}
                />
                <Popconfirm
                  title={t('relationships.scripts.deleteConfirm', { title: s.title })}
                  onConfirm={() => run(() => relationshipsApi.deleteScript(s.id), t('relationships.scripts.deleted'))}
                >
                  <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
                </Popconfirm>
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <PageHeader
        title={t('relationships.scripts.title')}
        description={t('relationships.scripts.description')}
        extra={
          manage && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              disabled={categories.length === 0}
              onClick={() => setEditing('new')}
            >
              {t('relationships.scripts.create')}
            </Button>
          )
        }
      />
      <Flex vertical gap={16}>
        <RelationshipsNav />
        <Row gutter={16}>
          <Col xs={24} md={6}>
            <Card size="small" title={t('relationships.scripts.categories')}>
              <List<ScriptCategory>
                size="small"
                dataSource={categories}
                renderItem={(c) => (
                  <List.Item
                    className={c.id === categoryId ? 'script-category active' : 'script-category'}
                    onClick={() => setCategoryId(c.id === categoryId ? undefined : c.id)}
                    actions={
                      manage && c.scriptCount === 0
                        ? [
                            <Button
                              key="delete"
                              type="text"
                              size="small"
                              icon={<DeleteOutlined />}
                              aria-label={t('common.delete')}
                              onClick={(e) => {
                                e.stopPropagation();
                                void run(
                                  () => relationshipsApi.deleteCategory(c.id),
                                  t('relationships.scripts.categoryDeleted'),
                                );
                              }}
                            />,
                          ]
                        : []
                    }
                  >
                    {c.name}（{c.scriptCount}）
                  </List.Item>
                )}
              />
              {manage && (
                <Space.Compact className="full-width">
                  <Input
                    value={newCategory}
                    maxLength={32}
                    placeholder={t('relationships.scripts.newCategory')}
                    onChange={(e) => setNewCategory(e.target.value)}
                  />
                  <Button
                    icon={<PlusOutlined />}
                    aria-label={t('relationships.scripts.addCategory')}
                    disabled={!newCategory.trim()}
                    onClick={() =>
                      run(async () => {
                        await relationshipsApi.createCategory({ name: newCategory.trim() });
                        setNewCategory('');
                      }, t('relationships.scripts.categoryCreated'))
                    }
                  />
                </Space.Compact>
              )}
            </Card>
          </Col>
          <Col xs={24} md={18}>
            <Card size="small">
              <Input.Search
                className="filter-search"
                allowClear
                placeholder={t('relationships.scripts.search')}
                onSearch={setQ}
              />
              <Table<Script> rowKey="id" size="small" columns={columns} dataSource={scripts} pagination={false} />
            </Card>
          </Col>
        </Row>
      </Flex>
      {editing && (
        <ScriptModal
          script={editing === 'new' ? null : editing}
          categories={categories}
          defaultCategory={categoryId}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            loadCategories();
            loadScripts();
          }}
        />
      )}
    </>
  );
}

/** A text area with buttons that insert each script variable at the cursor. */
export function ScriptInput({ value, onChange }: { value?: string; onChange?: (value: string) => void }) {
  const { t } = useTranslation();
  return (
    <Flex vertical gap={4}>
      <Space size={4} wrap>
        {SCRIPT_VARIABLES.map((v) => (
          <Button key={v} size="small" onClick={() => onChange?.(`${value ?? ''}${placeholder(v)}`)}>
            {t(`relationships.scripts.var.${v}`)}
          </Button>
        ))}
      </Space>
      <Input.TextArea value={value} onChange={(e) => onChange?.(e.target.value)} maxLength={2000} rows={4} showCount />
    </Flex>
  );
}

function ScriptModal({
  script,
  categories,
  defaultCategory,
  onClose,
  onSaved,
}: {
  script: Script | null;
  categories: ScriptCategory[];
  defaultCategory?: string;
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<{ categoryId: string; title: string; body: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async (values: { categoryId: string; title: string; body: string }) => {
    setSaving(true);
    try {
      if (script) await relationshipsApi.updateScript(script.id, values);
      else await relationshipsApi.createScript(values);
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
      width={640}
      title={t(script ? 'relationships.scripts.editTitle' : 'relationships.scripts.create')}
      onOk={() => form.submit()}
      confirmLoading={saving}
      onCancel={onClose}
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={script ?? { categoryId: defaultCategory ?? categories[0]?.id }}
      >
        <Form.Item name="categoryId" label={t('relationships.scripts.category')} rules={[{ required: true }]}>
          <Select options={categories.map((c) => ({ value: c.id, label: c.name }))} />
        </Form.Item>
        <Form.Item name="title" label={t('relationships.scripts.titleLabel')} rules={[{ required: true, max: 64 }]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item
          name="body"
          label={t('relationships.scripts.body')}
          extra={t('relationships.scripts.bodyHint')}
          rules={[{ required: true }]}
        >
          <ScriptInput />
        </Form.Item>
      </Form>
    </Modal>
  );
}
