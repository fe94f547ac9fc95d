// One coupon template: how the coupon reads, its terms and counts, status changes (启用 / 暂停 / 结束, the last
// voiding unused coupons), issuing to a list or a segment with the issuance history and its progress, and the
// template's issued coupons, redemption records and rules.
import { EditOutlined, PauseCircleOutlined, PlayCircleOutlined, StopOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Flex,
  Popconfirm,
  Row,
  Skeleton,
  Statistic,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import type { CouponTemplate, TemplateStatusBody } from '../../../src/contracts/coupons.ts';
import { formatTime } from '../format.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { couponApi } from './api.ts';
import { CouponCard } from './CouponCard.tsx';
import { IssuancesPanel } from './IssuancesPanel.tsx';
import { IssuedCouponsPanel } from './IssuedCouponsPanel.tsx';
import { IssuePanel } from './IssuePanel.tsx';
import { kindTag, templateStatusTag } from './labels.ts';
import { plainYuan } from './preview.ts';
import { RedemptionsPanel } from './RedemptionsPanel.tsx';
import { RulesPanel } from './RulesPanel.tsx';
import { TemplateForm } from './TemplateForm.tsx';

export default function CouponTemplatePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [template, setTemplate] = useState<CouponTemplate | null>(null);
  const [editing, setEditing] = useState(false);
  // Bumped when coupons were just issued: the history and the coupon list start again from the top.
  const [issued, setIssued] = useState(0);

  const load = useCallback(() => couponApi.getTemplate(id).then(setTemplate, showError), [id, showError]);
  useEffect(() => {
    void load();
  }, [load]);

  const setStatus = async (status: TemplateStatusBody['status']) => {
    try {
      const next = await couponApi.setTemplateStatus(id, status);
      setTemplate(next);
      void message.success(t('coupons.template.statusChanged', { status: t(`coupons.templateStatuses.${status}`) }));
    } catch (error) {
      showError(error);
    }
  };

  if (!template) return <Skeleton active />;
  const manage = can('coupon.manage');
  const s = template.status;

  return (
    <>
      <PageHeader
        title={template.title}
        description={template.description ?? undefined}
        extra={
          manage && (
            <Flex gap={8} wrap>
              {s !== 'ended' && (
                <Button icon={<EditOutlined />} onClick={() => setEditing(true)}>
                  {t('common.edit')}
                </Button>
              )}
              {(s === 'draft' || s === 'paused') && (
                <Button type="primary" icon={<PlayCircleOutlined />} onClick={() => void setStatus('active')}>
                  {t('coupons.template.activate')}
                </Button>
              )}
              {s === 'active' && (
                <Button icon={<PauseCircleOutlined />} onClick={() => void setStatus('paused')}>
                  {t('coupons.template.pause')}
                </Button>
              )}
              {s !== 'ended' && (
                <Popconfirm
                  title={t('coupons.template.endConfirm')}
                  description={t('coupons.template.endWarning', { count: template.stats.available })}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => setStatus('ended')}
                >
                  <Button danger icon={<StopOutlined />}>
                    {t('coupons.template.end')}
                  </Button>
                </Popconfirm>
              )}
            </Flex>
          )
        }
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={9}>
          <Card>
            <Flex vertical gap={16}>
              <CouponCard terms={template} title={template.title} inactive={s !== 'active'} />
              <Flex gap={8}>
                <Tag color={templateStatusTag(s)}>{t(`coupons.templateStatuses.${s}`)}</Tag>
                <Tag color={kindTag(template.kind)}>{t(`coupons.kinds.${template.kind}`)}</Tag>
              </Flex>
              <Row gutter={8}>
                {(['available', 'redeemed', 'expired', 'void'] as const).map((k) => (
                  <Col span={6} key={k}>
                    <Statistic title={t(`coupons.couponStatuses.${k}`)} value={template.stats[k]} />
                  </Col>
                ))}
              </Row>
              <Descriptions column={1} size="small">
                <Descriptions.Item label={t('coupons.templates.stock')}>
                  {template.totalStock === null
                    ? t('coupons.templates.issuedUnlimited', { issued: template.issuedCount })
                    : `${template.issuedCount} / ${template.totalStock}`}
                </Descriptions.Item>
                <Descriptions.Item label={t('coupons.form.perMemberLimit')}>
                  {template.perMemberLimit ?? t('coupons.form.unlimited')}
                </Descriptions.Item>
                <Descriptions.Item label={t('coupons.form.stackable')}>
                  {template.stackable
                    ? template.exclusiveGroup
                      ? t('coupons.template.stackableInGroup', { group: template.exclusiveGroup })
                      : t('coupons.template.yes')
                    : t('coupons.template.no')}
                </Descriptions.Item>
                <Descriptions.Item label={t('coupons.form.pointsOffset')}>
                  {template.pointsOffset ? t('coupons.template.yes') : t('coupons.template.no')}
                </Descriptions.Item>
                {template.minSpendFen > 0 && (
                  <Descriptions.Item label={t('coupons.form.minSpend')}>
                    {t('coupons.template.yuan', { amount: plainYuan(template.minSpendFen) })}
                  </Descriptions.Item>
                )}
                <Descriptions.Item label={t('coupons.form.reminder')}>
                  {template.expiryReminderDays > 0
                    ? t('coupons.template.reminderDays', { days: template.expiryReminderDays })
                    : t('coupons.template.noReminder')}
                </Descriptions.Item>
                <Descriptions.Item label={t('coupons.template.createdBy')}>
                  {template.createdBy ?? '—'} · {formatTime(template.createdAt)}
                </Descriptions.Item>
              </Descriptions>
            </Flex>
          </Card>
        </Col>
        <Col xs={24} xl={15}>
          <Flex vertical gap={16}>
            {manage && s === 'active' && (
              <Card title={t('coupons.issue.title')}>
                <IssuePanel
                  template={template}
                  onIssued={() => {
                    setIssued((n) => n + 1);
                    void load();
                  }}
                />
              </Card>
            )}
            {manage && s !== 'active' && s !== 'ended' && (
              <Typography.Text type="secondary">{t('coupons.issue.activateFirst')}</Typography.Text>
            )}
            <Card>
              <Tabs
                destroyOnHidden
                items={[
                  {
                    key: 'issuances',
                    label: t('coupons.tabs.issuances'),
                    children: <IssuancesPanel key={issued} templateId={template.id} onSettled={() => void load()} />,
                  },
                  {
                    key: 'coupons',
                    label: t('coupons.tabs.coupons'),
                    children: <IssuedCouponsPanel key={issued} templateId={template.id} />,
                  },
                  {
                    key: 'redemptions',
                    label: t('coupons.tabs.redemptions'),
                    children: <RedemptionsPanel templateId={template.id} />,
                  },
                  { key: 'rules', label: t('coupons.tabs.rules'), children: <RulesPanel template={template} /> },
                ]}
              />
            </Card>
          </Flex>
        </Col>
      </Row>
      <TemplateForm
        open={editing}
        template={template}
        onClose={() => setEditing(false)}
        onSaved={(saved) => {
          setEditing(false);
          setTemplate(saved);
        }}
      />
    </>
  );
}
