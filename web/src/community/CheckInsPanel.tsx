// Check-in: the words that check a customer in (签到, 打卡 …) and the switch, and the check-ins with each one's streak
// and what loyalty paid for it, by group and day.
import { Button, Card, DatePicker, Flex, Form, Select, Switch, Table, type TableColumnsType, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { CheckInPoints, CheckInRecord, CommunitySettingsBody } from '../../../src/contracts/community.ts';
import { formatTime } from '../format.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { communityApi } from './api.ts';
import { groupOptions, useGroups } from './useGroups.ts';

export function CheckInsPanel() {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const { groups, loading: groupsLoading } = useGroups();
  const [groupId, setGroupId] = useState<string | undefined>();
  const [day, setDay] = useState<Dayjs | null>(null);
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      communityApi.listCheckIns({ groupId, day: day?.format('YYYY-MM-DD'), cursor, limit: 50 }),
    [groupId, day],
  );
  const list = useCursorList(fetchPage, showError);

  const columns: TableColumnsType<CheckInRecord> = [
    { title: t('community.checkIns.day'), dataIndex: 'day' },
    { title: t('community.checkIns.group'), dataIndex: 'groupName' },
    {
      title: t('community.checkIns.member'),
      dataIndex: 'name',
      render: (name: string, c) =>
        c.customerId && can('customer.read') ? <Link to={`/customers/${c.customerId}`}>{name}</Link> : name,
    },
    {
      title: t('community.checkIns.streak'),
      dataIndex: 'streak',
      align: 'right',
      render: (n: number) => t('community.checkIns.streakOf', { count: n }),
    },
    {
      title: t('community.checkIns.points'),
      key: 'points',
      render: (_: unknown, c) => (
        <Flex gap={6} align="center">
          {c.points > 0 && <span>+{c.points}</span>}
          <Tag color={c.pointsStatus === 'awarded' ? 'green' : 'default'}>
            {t(`community.checkInPoints.${c.pointsStatus as CheckInPoints}`)}
          </Tag>
        </Flex>
      ),
    },
    { title: t('community.checkIns.at'), dataIndex: 'at', render: (at: string) => formatTime(at) },
  ];

  return (
    <>
      <CheckInSettings />
      <Flex gap={12} wrap className="filters">
        <Select<string>
          allowClear
          showSearch
          optionFilterProp="label"
          loading={groupsLoading}
          placeholder={t('community.stats.allGroups')}
          aria-label={t('community.checkIns.group')}
          className="filter-select"
          options={groupOptions(groups)}
          onChange={setGroupId}
        />
        <DatePicker value={day} onChange={setDay} aria-label={t('community.checkIns.day')} />
      </Flex>
      <Table<CheckInRecord>
        rowKey={(c) => `${c.groupId}:${c.memberId}:${c.day}`}
        size="middle"
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('community.checkIns.empty') }}
      />
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}

function CheckInSettings() {
  const { t } = useTranslation();
  const { can } = useSession();
  const showError = useApiError();
  const [form] = Form.useForm<CommunitySettingsBody['checkIn']>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    communityApi.getSettings().then((s) => form.setFieldsValue(s.checkIn), showError);
  }, [form, showError]);

  const save = async (checkIn: CommunitySettingsBody['checkIn']) => {
    setSaving(true);
    try {
      const next = await communityApi.saveSettings({ checkIn });
      form.setFieldsValue(next.checkIn);
      setSaved(true);
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card size="small" className="community-section" title={t('community.checkIns.settings')}>
      <Form
        form={form}
        layout="inline"
        disabled={!can('community.manage')}
        onValuesChange={() => setSaved(false)}
        onFinish={(values) => void save(values)}
      >
        <Form.Item name="enabled" label={t('community.checkIns.enabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item
          name="keywords"
          label={t('community.checkIns.keywords')}
          tooltip={t('community.checkIns.keywordsHint')}
          rules={[{ required: true, type: 'array', min: 1 }]}
        >
          <Select mode="tags" open={false} className="community-keywords" tokenSeparators={[',', '，']} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={saving}>
            {saved ? t('community.checkIns.saved') : t('common.save')}
          </Button>
        </Form.Item>
      </Form>
    </Card>
  );
}
