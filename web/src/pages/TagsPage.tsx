// Tag management: tag groups and their tags with member counts. tag.manage creates, renames, recolours, moves and
// deletes; tags kept by an auto-tag rule show that rule read-only in the segment rule editor.
import { DeleteOutlined, EditOutlined, EyeOutlined, PlusOutlined, ThunderboltOutlined } from '@ant-design/icons';
import {
  Tag as AntTag,
  App,
  Button,
  Card,
  ColorPicker,
  Empty,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Skeleton,
  Space,
  Table,
  type TableColumnsType,
  Tooltip,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Tag, TagGroup } from '../../../src/contracts/tags.ts';
import { api, newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { RuleEditor } from '../segments/RuleEditor.tsx';
import { fromRule } from '../segments/rule.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useTagGroups } from '../useTagGroups.ts';

type GroupDialog = { mode: 'create' } | { mode: 'rename'; group: TagGroup };
type TagDialog = { mode: 'create'; groupId: string } | { mode: 'edit'; tag: Tag };

export default function TagsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const catalogue = useTagGroups();
  const canManage = can('tag.manage');
  const [groupDialog, setGroupDialog] = useState<GroupDialog | null>(null);
  const [tagDialog, setTagDialog] = useState<TagDialog | null>(null);
  const [ruleOf, setRuleOf] = useState<Tag | null>(null);

  const removeGroup = async (group: TagGroup) => {
    try {
      await api.deleteTagGroup(group.id);
      void message.success(t('tags.groupDeleted', { name: group.name }));
      catalogue.reload();
    } catch (error) {
      showError(error);
    }
  };

  const removeTag = async (tag: Tag) => {
    try {
      await api.deleteTag(tag.id);
      void message.success(t('tags.tagDeleted', { name: tag.name }));
      catalogue.reload();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Tag> = [
    {
      title: t('tags.name'),
      dataIndex: 'name',
      render: (name: string, tag) => (
        <AntTag color={tag.color ?? 'green'} className="tag-name">
          {name}
        </AntTag>
      ),
    },
    {
      title: t('tags.type'),
      key: 'type',
      render: (_, tag) =>
        tag.rule ? (
          <Space size={4}>
            <AntTag icon={<ThunderboltOutlined />} color="purple">
              {t('tags.ruleTag')}
            </AntTag>
            <Button type="link" size="small" icon={<EyeOutlined />} onClick={() => setRuleOf(tag)}>
              {t('tags.viewRule')}
            </Button>
          </Space>
        ) : (
          <AntTag>{t('tags.manualTag')}</AntTag>
        ),
    },
    {
      title: t('tags.customerCount'),
      dataIndex: 'customerCount',
      align: 'right',
      render: (count: number) => count.toLocaleString(),
    },
    { title: t('tags.createdAt'), dataIndex: 'createdAt', render: (at: string) => formatTime(at) },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, tag: Tag) => (
              <Space size={0}>
                <Button
                  type="link"
                  size="small"
                  icon={<EditOutlined />}
                  onClick={() => setTagDialog({ mode: 'edit', tag })}
                >
                  {t('common.edit')}
                </Button>
                <Popconfirm
                  title={t('tags.deleteTagConfirm', { name: tag.name, count: tag.customerCount })}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => removeTag(tag)}
                >
                  <Button type="link" size="small" danger icon={<DeleteOutlined />}>
                    {t('common.delete')}
                  </Button>
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
        title={t('nav.tags')}
        description={t('tags.description')}
        extra={
          canManage && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setGroupDialog({ mode: 'create' })}>
              {t('tags.newGroup')}
            </Button>
          )
        }
      />
      {catalogue.loading && catalogue.groups.length === 0 ? (
        <Card>
          <Skeleton active />
        </Card>
      ) : catalogue.groups.length === 0 ? (
        <Card>
          <Empty description={t('tags.noGroups')} />
        </Card>
      ) : (
        <Flex vertical gap={16}>
          {catalogue.groups.map((group) => (
            <Card
              key={group.id}
              data-testid="tag-group"
              title={
                <Space>
                  <span>{group.name}</span>
                  <Typography.Text type="secondary" className="small-text">
                    {t('tags.tagCount', { count: group.tags.length })}
                  </Typography.Text>
                </Space>
              }
              extra={
                canManage && (
                  <Space size={0}>
                    <Button
                      type="link"
                      icon={<PlusOutlined />}
                      onClick={() => setTagDialog({ mode: 'create', groupId: group.id })}
                    >
                      {t('tags.newTag')}
                    </Button>
                    <Button
                      type="link"
                      icon={<EditOutlined />}
                      onClick={() => setGroupDialog({ mode: 'rename', group })}
                    >
                      {t('tags.rename')}
                    </Button>
                    <Tooltip title={group.tags.length > 0 ? t('tags.groupNotEmpty') : undefined}>
                      <Popconfirm
                        title={t('tags.deleteGroupConfirm', { name: group.name })}
                        okButtonProps={{ danger: true }}
                        onConfirm={() => removeGroup(group)}
                        disabled={group.tags.length > 0}
                      >
                        <Button type="link" danger icon={<DeleteOutlined />} disabled={group.tags.length > 0}>
                          {t('common.delete')}
                        </Button>
                      </Popconfirm>
                    </Tooltip>
                  </Space>
                )
              }
            >
              <Table<Tag>
                rowKey="id"
                size="small"
                columns={columns}
                dataSource={group.tags}
                pagination={false}
                locale={{ emptyText: t('tags.noTags') }}
              />
            </Card>
          ))}
        </Flex>
      )}
      {groupDialog && (
        <GroupModal
          dialog={groupDialog}
          onClose={() => setGroupDialog(null)}
          onSaved={() => {
            setGroupDialog(null);
            catalogue.reload();
          }}
        />
      )}
      {tagDialog && (
        <TagModal
          dialog={tagDialog}
          groups={catalogue.groups}
          onClose={() => setTagDialog(null)}
          onSaved={() => {
            setTagDialog(null);
            catalogue.reload();
          }}
        />
      )}
      <Modal
        open={ruleOf !== null}
        title={t('tags.ruleTitle', { name: ruleOf?.name })}
        footer={null}
        width={860}
        onCancel={() => setRuleOf(null)}
      >
        <Typography.Paragraph type="secondary">{t('tags.ruleHint')}</Typography.Paragraph>
        {ruleOf?.rule && <RuleEditor value={fromRule(ruleOf.rule)} readOnly tagGroups={catalogue.groups} />}
      </Modal>
    </>
  );
}

function GroupModal({ dialog, onClose, onSaved }: { dialog: GroupDialog; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<{ name: string }>();
  const [saving, setSaving] = useState(false);
  const [key] = useState(newIdempotencyKey);

  const submit = async ({ name }: { name: string }) => {
    setSaving(true);
    try {
      if (dialog.mode === 'create') await api.createTagGroup({ name: name.trim() }, key);
      else await api.updateTagGroup(dialog.group.id, { name: name.trim() });
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
      title={dialog.mode === 'create' ? t('tags.newGroup') : t('tags.renameGroup')}
      okText={t('common.save')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={saving}
    >
      <Form
        form={form}
        layout="vertical"
        name="tagGroup"
        initialValues={{ name: dialog.mode === 'rename' ? dialog.group.name : '' }}
        onFinish={submit}
      >
        <Form.Item
          name="name"
          label={t('tags.groupName')}
          rules={[{ required: true, whitespace: true, message: t('tags.nameRequired') }]}
        >
          <Input maxLength={32} autoFocus />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface TagForm {
  name: string;
  groupId: string;
  color?: string | null;
}

function TagModal({
  dialog,
  groups,
  onClose,
  onSaved,
}: {
  dialog: TagDialog;
  groups: TagGroup[];
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [form] = Form.useForm<TagForm>();
  const [saving, setSaving] = useState(false);
  const [key] = useState(newIdempotencyKey);
  const initial: TagForm =
    dialog.mode === 'create'
      ? { name: '', groupId: dialog.groupId, color: null }
      : { name: dialog.tag.name, groupId: dialog.tag.groupId, color: dialog.tag.color };

  const submit = async (values: TagForm) => {
    setSaving(true);
    try {
      const body = { name: values.name.trim(), groupId: values.groupId, color: values.color ?? null };
      if (dialog.mode === 'create') await api.createTag(body, key);
      else await api.updateTag(dialog.tag.id, body);
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
      title={dialog.mode === 'create' ? t('tags.newTag') : t('tags.editTag')}
      okText={t('common.save')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={saving}
    >
      <Form<TagForm> form={form} layout="vertical" name="tag" initialValues={initial} onFinish={submit}>
        <Form.Item
          name="name"
          label={t('tags.name')}
          rules={[{ required: true, whitespace: true, message: t('tags.nameRequired') }]}
        >
          <Input maxLength={32} autoFocus />
        </Form.Item>
        <Form.Item name="groupId" label={t('tags.group')}>
          <Select options={groups.map((group) => ({ value: group.id, label: group.name }))} />
        </Form.Item>
        <Form.Item
          name="color"
          label={t('tags.color')}
          getValueFromEvent={(color: { toHexString(): string } | null) => (color ? color.toHexString() : null)}
        >
          <ColorPicker allowClear disabledAlpha format="hex" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
