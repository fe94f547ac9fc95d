// Tiers and benefits: the ladder (rank, threshold, points multiplier, typed benefits, member counts), the growth
// rules, the tier review policy (evaluation window, protection, notice) and the member terms with their versions.
// Everyone with member.read sees it; loyalty.configure edits it.
import { ArrowLeftOutlined, DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Col,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Row,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { GrowthRules, LoyaltySettings, Tier, TierPolicy } from '../../../src/contracts/loyalty.ts';
import { newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { membersApi, tierColor } from './MembersApi.ts';
import { type BenefitField, fromField, TierBenefitsEditor, TierBenefitTags, toField } from './TierBenefits.tsx';

const FULL_WIDTH = { width: '100%' } as const;
const FULL_HEIGHT = { height: '100%' } as const;
// The terms keep the line breaks they were written with, and a long text scrolls inside the card.
const TERMS_TEXT = { whiteSpace: 'pre-wrap', maxHeight: 320, overflowY: 'auto', marginTop: 12 } as const;

export default function TiersPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const showError = useApiError();
  const { can } = useSession();
  const canConfigure = can('loyalty.configure');
  const [tiers, setTiers] = useState<Tier[] | null>(null);
  const [settings, setSettings] = useState<LoyaltySettings | null>(null);
  const [editing, setEditing] = useState<Tier | 'new' | null>(null);

  const reload = useCallback(() => {
    membersApi.tiers().then((res) => setTiers(res.items), showError);
    membersApi.settings().then(setSettings, showError);
  }, [showError]);
  useEffect(reload, [reload]);

  const remove = async (tier: Tier) => {
    try {
      await membersApi.deleteTier(tier.id);
      void message.success(t('tiers.deleted', { name: tier.name }));
      reload();
    } catch (error) {
      showError(error);
    }
  };

  const columns: TableColumnsType<Tier> = [
    { title: t('tiers.rank'), dataIndex: 'rank', width: 80 },
    {
      title: t('tiers.name'),
      dataIndex: 'name',
      render: (name: string, _tier, index) => <Tag color={tierColor(index)}>{name}</Tag>,
    },
    {
      title: t('tiers.code'),
      dataIndex: 'code',
      render: (code: string) => <Typography.Text code>{code}</Typography.Text>,
    },
    {
      title: t('tiers.threshold'),
      dataIndex: 'growthThreshold',
      align: 'right',
      render: (n: number) => n.toLocaleString(),
    },
    {
      title: t('tiers.multiplier'),
      dataIndex: 'pointsMultiplierPct',
      align: 'right',
      render: (pct: number) => `${pct}%`,
    },
    {
      title: t('tiers.benefits'),
      dataIndex: 'benefits',
      render: (benefits: Tier['benefits']) => <TierBenefitTags benefits={benefits} />,
    },
    {
      title: t('tiers.memberCount'),
      dataIndex: 'memberCount',
      align: 'right',
      render: (n: number) => n.toLocaleString(),
    },
    ...(canConfigure
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, tier: Tier) => (
              <Space size={0}>
                <Button type="link" size="small" icon={<EditOutlined />} onClick={() => setEditing(tier)}>
                  {t('common.edit')}
                </Button>
                <Tooltip title={tier.memberCount > 0 ? t('tiers.deleteBlocked') : undefined}>
                  <Popconfirm
                    title={t('tiers.deleteConfirm', { name: tier.name })}
                    okButtonProps={{ danger: true }}
                    onConfirm={() => remove(tier)}
                    disabled={tier.memberCount > 0}
                  >
                    <Button type="link" size="small" danger icon={<DeleteOutlined />} disabled={tier.memberCount > 0}>
                      {t('common.delete')}
                    </Button>
                  </Popconfirm>
                </Tooltip>
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <PageHeader
        title={t('tiers.title')}
        description={t('tiers.description')}
        extra={
          <Button icon={<ArrowLeftOutlined />} onClick={() => navigate('/loyalty/members')}>
            {t('tiers.back')}
          </Button>
        }
      />
      <Flex vertical gap={16}>
        {!canConfigure && <Typography.Text type="secondary">{t('tiers.readOnly')}</Typography.Text>}
        <Card
          title={t('tiers.ladder')}
          extra={
            canConfigure && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
                {t('tiers.add')}
              </Button>
            )
          }
        >
          <Table<Tier>
            rowKey="id"
            size="middle"
            columns={columns}
            dataSource={tiers ?? []}
            loading={tiers === null}
            pagination={false}
            scroll={{ x: 'max-content' }}
          />
        </Card>
        {settings && (
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={12}>
              <GrowthRulesCard rules={settings.growthRules} editable={canConfigure} onSaved={reload} />
            </Col>
            <Col xs={24} xl={12}>
              <PolicyCard policy={settings.tierPolicy} editable={canConfigure} onSaved={reload} />
            </Col>
            <Col span={24}>
              <TermsCard settings={settings} editable={canConfigure} onSaved={reload} />
            </Col>
          </Row>
        )}
      </Flex>
      {editing && tiers && (
        <TierModal
          tier={editing === 'new' ? null : editing}
          nextRank={(tiers.at(-1)?.rank ?? 0) + 10}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
    </>
  );
}

interface TierForm {
  code: string;
  name: string;
  rank: number;
  growthThreshold: number;
  pointsMultiplierPct: number;
  benefits: BenefitField[];
}

function TierModal({
  tier,
  nextRank,
  onClose,
  onSaved,
}: {
  tier: Tier | null;
  nextRank: number;
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [form] = Form.useForm<TierForm>();
  const [saving, setSaving] = useState(false);
  const [key] = useState(newIdempotencyKey);

  const submit = async (values: TierForm) => {
    setSaving(true);
    const fields = {
      name: values.name.trim(),
      rank: values.rank,
      growthThreshold: values.growthThreshold,
      pointsMultiplierPct: values.pointsMultiplierPct,
      benefits: (values.benefits ?? []).map(fromField),
    };
    try {
      if (tier) await membersApi.updateTier(tier.id, fields);
      else await membersApi.createTier({ code: values.code.trim(), ...fields }, key);
      void message.success(t('tiers.saved'));
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
      width={720}
      title={tier ? t('tiers.edit') : t('tiers.add')}
      okText={t('common.save')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={saving}
    >
      <Form<TierForm>
        form={form}
        layout="vertical"
        name="tier"
        onFinish={submit}
        initialValues={
          tier
            ? { ...tier, benefits: tier.benefits.map(toField) }
            : { rank: nextRank, growthThreshold: 0, pointsMultiplierPct: 100, benefits: [] }
        }
      >
        <Row gutter={16}>
          <Col xs={24} sm={12}>
            <Form.Item
              name="name"
              label={t('tiers.name')}
              rules={[{ required: true, whitespace: true, message: t('tiers.nameRequired') }]}
            >
              <Input maxLength={32} autoFocus />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item
              name="code"
              label={t('tiers.code')}
              tooltip={t('tiers.codeHelp')}
              rules={
                tier ? [] : [{ required: true, pattern: /^[a-z][a-z0-9_]{0,31}$/, message: t('tiers.codeInvalid') }]
              }
            >
              <Input maxLength={32} disabled={tier !== null} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={8}>
            <Form.Item name="rank" label={t('tiers.rank')} tooltip={t('tiers.rankHelp')} rules={[{ required: true }]}>
              <InputNumber min={0} max={1000} precision={0} style={FULL_WIDTH} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={8}>
            <Form.Item
              name="growthThreshold"
              label={t('tiers.threshold')}
              tooltip={t('tiers.thresholdHelp')}
              rules={[{ required: true }]}
            >
              <InputNumber min={0} max={1_000_000_000} precision={0} style={FULL_WIDTH} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={8}>
            <Form.Item
              name="pointsMultiplierPct"
              label={t('tiers.multiplier')}
              tooltip={t('tiers.multiplierHelp')}
              rules={[{ required: true }]}
            >
              <InputNumber min={0} max={1000} precision={0} addonAfter="%" style={FULL_WIDTH} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item label={t('tiers.benefits')}>
          <TierBenefitsEditor />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function GrowthRulesCard({ rules, editable, onSaved }: { rules: GrowthRules; editable: boolean; onSaved(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [saving, setSaving] = useState(false);
  const save = async (values: GrowthRules) => {
    setSaving(true);
    try {
      await membersApi.setGrowthRules(values);
      void message.success(t('tiers.saved'));
      onSaved();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Card title={t('tiers.growthRules')} style={FULL_HEIGHT}>
      <Typography.Paragraph type="secondary">{t('tiers.growthRulesHint')}</Typography.Paragraph>
      <Form<GrowthRules>
        layout="vertical"
        name="growthRules"
        initialValues={rules}
        onFinish={save}
        disabled={!editable}
      >
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item name="spendUnitYuan" label={t('tiers.spendUnitYuan')} rules={[{ required: true }]}>
              <InputNumber min={1} max={10_000} precision={0} addonBefore="¥" style={FULL_WIDTH} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="spendGrowth" label={t('tiers.spendGrowth')} rules={[{ required: true }]}>
              <InputNumber min={0} max={10_000} precision={0} style={FULL_WIDTH} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="checkInGrowth" label={t('tiers.checkInGrowth')} rules={[{ required: true }]}>
              <InputNumber min={0} max={10_000} precision={0} style={FULL_WIDTH} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="taskGrowth" label={t('tiers.taskGrowth')} rules={[{ required: true }]}>
              <InputNumber min={0} max={100_000} precision={0} style={FULL_WIDTH} />
            </Form.Item>
          </Col>
        </Row>
        {editable && (
          <Button type="primary" htmlType="submit" loading={saving}>
            {t('common.save')}
          </Button>
        )}
      </Form>
    </Card>
  );
}

function PolicyCard({ policy, editable, onSaved }: { policy: TierPolicy; editable: boolean; onSaved(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [saving, setSaving] = useState(false);
  const save = async (values: TierPolicy) => {
    setSaving(true);
    try {
      await membersApi.updatePolicy(values);
      void message.success(t('tiers.saved'));
      onSaved();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Card title={t('tiers.policy')} style={FULL_HEIGHT}>
      <Typography.Paragraph type="secondary">{t('tiers.policyHint')}</Typography.Paragraph>
      <Form<TierPolicy> layout="vertical" name="tierPolicy" initialValues={policy} onFinish={save} disabled={!editable}>
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item
              name="evaluationMonths"
              label={t('tiers.evaluationMonths')}
              tooltip={t('tiers.evaluationMonthsHelp')}
              rules={[{ required: true }]}
            >
              <InputNumber min={1} max={60} precision={0} style={FULL_WIDTH} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="protectionMonths" label={t('tiers.protectionMonths')} rules={[{ required: true }]}>
              <InputNumber min={0} max={60} precision={0} style={FULL_WIDTH} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="noticeDays" label={t('tiers.noticeDays')} rules={[{ required: true }]}>
              <InputNumber min={0} max={365} precision={0} style={FULL_WIDTH} />
            </Form.Item>
          </Col>
        </Row>
        {editable && (
          <Button type="primary" htmlType="submit" loading={saving}>
            {t('common.save')}
          </Button>
        )}
      </Form>
    </Card>
  );
}

function TermsCard({ settings, editable, onSaved }: { settings: LoyaltySettings; editable: boolean; onSaved(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const showError = useApiError();
  const [publishing, setPublishing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [key, setKey] = useState(newIdempotencyKey);
  const [form] = Form.useForm<{ version: string; text: string }>();
  const { terms } = settings;

  const publish = async (values: { version: string; text: string }) => {
    setSaving(true);
    try {
      const published = await membersApi.publishTerms({ version: values.version.trim(), text: values.text }, key);
      void message.success(t('tiers.published', { version: published.version }));
      setPublishing(false);
      setKey(newIdempotencyKey());
      onSaved();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      title={t('tiers.terms')}
      extra={
        editable && (
          <Button icon={<PlusOutlined />} onClick={() => setPublishing(true)}>
            {t('tiers.publish')}
          </Button>
        )
      }
    >
      <Typography.Text type="secondary">
        {t('tiers.currentVersion', { version: terms.version, at: formatTime(terms.publishedAt) })}
      </Typography.Text>
      <Typography.Paragraph style={TERMS_TEXT} data-testid="terms-text">
        {terms.text}
      </Typography.Paragraph>
      <Modal
        open={publishing}
        width={720}
        title={t('tiers.publish')}
        okText={t('tiers.publish')}
        onOk={() => form.submit()}
        onCancel={() => setPublishing(false)}
        confirmLoading={saving}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t('tiers.publishHint')}</Typography.Paragraph>
        <Form form={form} layout="vertical" name="terms" onFinish={publish} initialValues={{ text: terms.text }}>
          <Form.Item
            name="version"
            label={t('tiers.version')}
            rules={[
              { required: true, pattern: /^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$/, message: t('tiers.versionInvalid') },
            ]}
          >
            <Input maxLength={32} />
          </Form.Item>
          <Form.Item
            name="text"
            label={t('tiers.termsText')}
            rules={[{ required: true, whitespace: true, message: t('tiers.termsRequired') }]}
          >
            <Input.TextArea rows={10} maxLength={20_000} showCount />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
