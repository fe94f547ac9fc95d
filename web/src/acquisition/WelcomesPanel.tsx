// 欢迎语: the workspace's default welcome message (sent for adds through no code of Siyu's and through paused codes,
// when switched on) and the record of every welcome code WeCom gave: sent, failed with WeCom's reason, or skipped,
// with the time from the add to WeCom's answer against the 20-second window.
import { App, Button, Card, Flex, Form, Select, Switch, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  AcquisitionSettings,
  ChannelCode,
  WelcomeMessage,
  WelcomeSend,
  WelcomeStatus,
} from '../../../src/contracts/acquisition.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { acquisitionApi } from './api.ts';
import { seconds, WELCOME_STATUSES, welcomeTag } from './labels.ts';
import { EMPTY_WELCOME, WelcomeEditor } from './WelcomeEditor.tsx';

/** WeCom accepts a welcome code for 20 seconds after the add; slower answers are marked. */
const WINDOW_MS = 20_000;

export function WelcomesPanel() {
  const { t } = useTranslation();
  const showError = useApiError();
  const [codes, setCodes] = useState<ChannelCode[]>([]);
  const [codeId, setCodeId] = useState<string | undefined>();
  const [status, setStatus] = useState<WelcomeStatus | undefined>();

  useEffect(() => {
    acquisitionApi.listCodes({ limit: 200 }).then((page) => setCodes(page.items), showError);
  }, [showError]);
  const fetchPage = useCallback(
    (cursor: string | undefined) => acquisitionApi.listWelcomes({ codeId, status, cursor }),
    [codeId, status],
  );
  const list = useCursorList(fetchPage, showError);

  const reason = (error: string) =>
    error === 'no_message' || error === 'recently_greeted' ? t(`acquisition.welcomes.skipReasons.${error}`) : error;

  const columns: TableColumnsType<WelcomeSend> = [
    {
      title: t('acquisition.welcomes.addedAt'),
      dataIndex: 'addedAt',
      width: 170,
      render: (v: string) => formatTime(v),
    },
    {
      title: t('acquisition.welcomes.code'),
      dataIndex: 'codeName',
      render: (name: string | null, w) =>
        name ?? (w.source === 'default' ? t('acquisition.welcomes.defaultSource') : t('acquisition.welcomes.noCode')),
    },
    {
      title: t('acquisition.welcomes.guide'),
      dataIndex: 'guideName',
      render: (name: string | null, w) => name ?? w.wecomUserId,
    },
    {
      title: t('acquisition.welcomes.customer'),
      dataIndex: 'externalUserId',
      render: (id: string) => <Typography.Text code>{id}</Typography.Text>,
    },
    {
      title: t('acquisition.welcomes.status'),
      dataIndex: 'status',
      render: (s: WelcomeStatus, w) => (
        <Flex vertical align="flex-start">
          <Tag color={welcomeTag(s)}>{t(`acquisition.welcomeStatuses.${s}`)}</Tag>
          {w.error && (
            <Typography.Text type={s === 'failed' ? 'danger' : 'secondary'} className="small-text">
              {reason(w.error)}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      title: t('acquisition.welcomes.latency'),
      dataIndex: 'latencyMs',
      align: 'right',
      render: (ms: number | null) =>
        ms === null ? (
          '—'
        ) : (
          <Typography.Text type={ms > WINDOW_MS ? 'danger' : undefined}>{seconds(ms)}</Typography.Text>
        ),
    },
    {
      title: t('acquisition.welcomes.text'),
      dataIndex: 'text',
      render: (text: string | null, w) => (
        <Flex vertical>
          <Typography.Paragraph ellipsis={{ rows: 2, tooltip: text }} className="acquisition-welcome-text">
            {text ?? '—'}
          </Typography.Paragraph>
          {w.attachmentCount > 0 && (
            <Typography.Text type="secondary" className="small-text">
              {t('acquisition.welcomes.attachments', { count: w.attachmentCount })}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <>
      <DefaultWelcomeCard />
      <Flex gap={12} wrap className="filters">
        <Select<string>
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={t('acquisition.stats.allCodes')}
          aria-label={t('acquisition.welcomes.code')}
          className="filter-select acquisition-code-filter"
          options={codes.map((c) => ({ value: c.id, label: c.name }))}
          onChange={setCodeId}
        />
        <Select<WelcomeStatus>
          allowClear
          placeholder={t('acquisition.welcomes.allStatuses')}
          aria-label={t('acquisition.welcomes.status')}
          className="filter-select"
          options={WELCOME_STATUSES.map((s) => ({ value: s, label: t(`acquisition.welcomeStatuses.${s}`) }))}
          onChange={setStatus}
        />
      </Flex>
      <Table<WelcomeSend>
        rowKey="id"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('acquisition.welcomes.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}

interface DefaultValues {
  defaultWelcomeEnabled: boolean;
  defaultWelcome: WelcomeMessage;
}

function DefaultWelcomeCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [form] = Form.useForm<DefaultValues>();
  const [settings, setSettings] = useState<AcquisitionSettings | null>(null);
  const [saving, setSaving] = useState(false);
  const canManage = can('acquisition.manage');

  useEffect(() => {
    acquisitionApi.getSettings().then(setSettings, showError);
  }, [showError]);
  useEffect(() => {
    if (settings) {
      form.setFieldsValue({
        defaultWelcomeEnabled: settings.defaultWelcomeEnabled,
        defaultWelcome: settings.defaultWelcome ?? EMPTY_WELCOME,
      });
    }
  }, [settings, form]);

  const save = async (v: DefaultValues) => {
    setSaving(true);
    try {
      const empty = !v.defaultWelcome.text.trim() && v.defaultWelcome.attachments.length === 0;
      setSettings(
        await acquisitionApi.saveSettings({
          defaultWelcomeEnabled: v.defaultWelcomeEnabled,
          defaultWelcome: empty ? null : v.defaultWelcome,
        }),
      );
      void message.success(t('acquisition.welcomes.defaultSaved'));
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      size="small"
      title={t('acquisition.welcomes.defaultTitle')}
      className="acquisition-default-welcome"
      extra={
        canManage && (
          <Button type="primary" size="small" loading={saving} disabled={!settings} onClick={() => form.submit()}>
            {t('common.save')}
          </Button>
        )
      }
    >
      <Form<DefaultValues>
        form={form}
        layout="vertical"
        disabled={!canManage || !settings}
        initialValues={{ defaultWelcomeEnabled: false, defaultWelcome: EMPTY_WELCOME }}
        onFinish={(values) => void save(values)}
      >
        <Form.Item
          name="defaultWelcomeEnabled"
          label={t('acquisition.welcomes.defaultEnabled')}
          extra={t('acquisition.welcomes.defaultHint')}
          valuePropName="checked"
        >
          <Switch />
        </Form.Item>
        <Form.Item name="defaultWelcome" label={t('acquisition.welcomes.defaultText')}>
          <WelcomeEditor />
        </Form.Item>
      </Form>
    </Card>
  );
}
