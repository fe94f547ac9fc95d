// Tag management: tag groups and their tags with member counts. tag.manage creates, renames, recolours, moves and
// deletes; tags kept by an auto-tag rule show that rule read-only in the segment rule editor. tag.apply adds a tag
// to (or removes it from) a list of customers uploaded as a file or pasted: customer ids and phone numbers. Groups
// synced with WeCom's corp tags (企业客户标签) carry a WeCom badge; "同步企业微信标签" reads WeCom's list again.
import {
  DeleteOutlined,
  EditOutlined,
  EyeOutlined,
  PlusOutlined,
  SyncOutlined,
  ThunderboltOutlined,
  UploadOutlined,
  UsergroupAddOutlined,
  WechatWorkOutlined,
} from '@ant-design/icons';
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
  Switch,
  Table,
  type TableColumnsType,
  Tooltip,
  Typography,
  Upload,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkTagResult, Tag, TagGroup, WecomTagSync } from '../../../src/contracts/tags.ts';
import { api, newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { RuleEditor } from '../segments/RuleEditor.tsx';
import { fromRule } from '../segments/rule.ts';
import { useSession } from '../session.tsx';
import { BulkTagOutcome, type TagAction } from '../tags/BulkTagPanel.tsx';
import { bulkBodies, type CustomerList, parseCustomerList } from '../tags/customerList.ts';
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
  const canApply = can('tag.apply');
  const [listFor, setListFor] = useState<Tag | null>(null);
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
        <Space size={4}>
          <AntTag color={tag.color ?? 'green'} className="tag-name">
            {name}
          </AntTag>
          {tag.wecomTagId && (
            <Tooltip title={t('tags.wecomTagHint')}>
              <WechatWorkOutlined className="wecom-badge" aria-label={t('tags.wecom')} data-testid="wecom-tag" />
            </Tooltip>
          )}
          {tag.archivedAt && <AntTag>{t('tags.wecomDeleted')}</AntTag>}
        </Space>
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
    ...(canApply
      ? [
          {
            title: t('tags.bulk'),
            key: 'bulk',
            render: (_: unknown, tag: Tag) =>
              tag.rule === null && (
                <Button type="link" size="small" icon={<UsergroupAddOutlined />} onClick={() => setListFor(tag)}>
                  {t('tags.bulkByList')}
                </Button>
              ),
          },
        ]
      : []),
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
          <Space>
            <WecomSyncButton canStart={canManage} onSynced={catalogue.reload} />
            {canManage && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setGroupDialog({ mode: 'create' })}>
                {t('tags.newGroup')}
              </Button>
            )}
          </Space>
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
                  {group.wecomSync && (
                    <Tooltip
                      title={group.source === 'wecom' ? t('tags.wecomGroupFromWecom') : t('tags.wecomGroupHint')}
                    >
                      <AntTag color="blue" icon={<WechatWorkOutlined />} data-testid="wecom-group">
                        {t('tags.wecom')}
                      </AntTag>
                    </Tooltip>
                  )}
                  {group.archivedAt && <AntTag>{t('tags.wecomDeleted')}</AntTag>}
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
      {listFor && <ListTagModal tag={listFor} onClose={() => setListFor(null)} onChanged={() => catalogue.reload()} />}
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
  const [form] = Form.useForm<{ name: string; wecomSync: boolean }>();
  const [saving, setSaving] = useState(false);
  const [key] = useState(newIdempotencyKey);

  const submit = async ({ name, wecomSync }: { name: string; wecomSync: boolean }) => {
    setSaving(true);
    try {
      if (dialog.mode === 'create') await api.createTagGroup({ name: name.trim(), wecomSync }, key);
      else await api.updateTagGroup(dialog.group.id, { name: name.trim(), wecomSync });
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
        initialValues={{
          name: dialog.mode === 'rename' ? dialog.group.name : '',
          wecomSync: dialog.mode === 'rename' ? dialog.group.wecomSync : false,
        }}
        onFinish={submit}
      >
        <Form.Item
          name="name"
          label={t('tags.groupName')}
          rules={[{ required: true, whitespace: true, message: t('tags.nameRequired') }]}
        >
          <Input maxLength={32} autoFocus />
        </Form.Item>
        <Form.Item name="wecomSync" label={t('tags.wecomSync')} valuePropName="checked" extra={t('tags.wecomSyncHint')}>
          <Switch disabled={dialog.mode === 'rename' && dialog.group.archivedAt !== null} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/**
 * "同步企业微信标签" with when the last sync finished and what it did (or why it failed). While a sync is queued or
 * running the state is read again every two seconds; the catalogue reloads when it is done.
 */
function WecomSyncButton({ canStart, onSynced }: { canStart: boolean; onSynced(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [sync, setSync] = useState<WecomTagSync | null>(null);
  const busy = sync !== null && sync.state !== 'idle';

  const load = useCallback(() => {
    api.wecomTagSync().then(setSync, showError);
  }, [showError]);
  useEffect(() => load(), [load]);
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => {
      api.wecomTagSync().then((next) => {
        setSync(next);
        if (next.state === 'idle') onSynced();
      }, showError);
    }, 2000);
    return () => clearInterval(timer);
  }, [busy, onSynced, showError]);

  const start = async () => {
    try {
      setSync(await api.startWecomTagSync());
    } catch (error) {
      showError(error);
    }
  };

  const result = sync?.lastResult;
  const summary =
    sync?.lastStatus === 'failed'
      ? t('tags.wecomSyncFailed', { message: sync.lastError?.message ?? '' })
      : result
        ? t('tags.wecomSyncResult', {
            created: result.groups.created + result.tags.created,
            updated: result.groups.linked + result.tags.linked + result.groups.renamed + result.tags.renamed,
            archived: result.groups.archived + result.tags.archived,
          })
        : null;
  return (
    <Space data-testid="wecom-sync">
      {sync?.lastFinishedAt && (
        <Typography.Text type={sync.lastStatus === 'failed' ? 'danger' : 'secondary'} className="small-text">
          {t('tags.wecomSyncLast', { at: formatTime(sync.lastFinishedAt) })}
          {summary ? ` · ${summary}` : ''}
        </Typography.Text>
      )}
      {canStart && (
        <Button icon={<SyncOutlined spin={busy} />} loading={false} disabled={busy} onClick={() => void start()}>
          {busy ? t('tags.wecomSyncing') : t('tags.wecomSyncButton')}
        </Button>
      )}
    </Space>
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
  // WeCom cannot move a corp tag between groups: a synced tag stays where it is.
  const synced = dialog.mode === 'edit' && groups.some((g) => g.id === dialog.tag.groupId && g.wecomSync);

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
        <Form.Item name="groupId" label={t('tags.group')} extra={synced ? t('tags.wecomNoMove') : undefined}>
          <Select
            disabled={synced}
            options={groups
              .filter((group) => !group.wecomSync || dialog.mode === 'create' || group.id === initial.groupId)
              .map((group) => ({ value: group.id, label: group.name }))}
          />
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

/**
 * Tags or untags the customers of a list: a .csv or .txt file (one customer id or phone number per line or cell)
 * or pasted text. Long lists go in calls of the API's limit; the counts shown are added up over them.
 */
function ListTagModal({ tag, onClose, onChanged }: { tag: Tag; onClose(): void; onChanged(): void }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [busy, setBusy] = useState<TagAction | null>(null);
  const [result, setResult] = useState<(BulkTagResult & { action: TagAction }) | null>(null);
  const list: CustomerList = parseCustomerList(text);
  const size = list.customerIds.length + list.phones.length;

  const run = async (action: TagAction) => {
    setBusy(action);
    try {
      const total: BulkTagResult = { matched: 0, changed: 0, unmatched: [], unmatchedCount: 0 };
      for (const body of bulkBodies(list)) {
        const part = await api.bulkTag(tag.id, body, action === 'remove');
        total.matched += part.matched;
        total.changed += part.changed;
        total.unmatched.push(...part.unmatched);
        total.unmatchedCount += part.unmatchedCount;
      }
      setResult({ ...total, action });
      onChanged();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Modal
      open
      title={t('tags.bulkTitle', { name: tag.name })}
      onCancel={onClose}
      width={600}
      footer={[
        <Button key="close" onClick={onClose}>
          {t('common.close')}
        </Button>,
        <Button
          key="remove"
          danger
          disabled={size === 0 || busy !== null}
          loading={busy === 'remove'}
          onClick={() => void run('remove')}
        >
          {t('bulkTag.remove')}
        </Button>,
        <Button
          key="add"
          type="primary"
          disabled={size === 0 || busy !== null}
          loading={busy === 'add'}
          onClick={() => void run('add')}
        >
          {t('bulkTag.add')}
        </Button>,
      ]}
    >
      <Flex vertical gap={12} data-testid="list-tagging">
        <Typography.Text type="secondary">{t('tags.bulkHint')}</Typography.Text>
        <Upload
          accept=".csv,.txt,text/csv,text/plain"
          maxCount={1}
          showUploadList={false}
          beforeUpload={(file) => {
            file.text().then((content) => {
              setText(content);
              setFileName(file.name);
              setResult(null);
            }, showError);
            return false;
          }}
        >
          <Button icon={<UploadOutlined />}>{t('tags.bulkUpload')}</Button>
        </Upload>
        {fileName && <Typography.Text data-testid="list-file">{fileName}</Typography.Text>}
        <Input.TextArea
          rows={6}
          value={text}
          aria-label={t('tags.bulkPaste')}
          placeholder={t('tags.bulkPaste')}
          onChange={(event) => {
            setText(event.target.value);
            setFileName(null);
            setResult(null);
          }}
        />
        <Typography.Text type="secondary" data-testid="list-summary">
          {t('tags.bulkSummary', {
            ids: list.customerIds.length,
            phones: list.phones.length,
            ignored: list.ignored.length,
          })}
        </Typography.Text>
        {result && <BulkTagOutcome action={result.action} result={result} />}
      </Flex>
    </Modal>
  );
}
