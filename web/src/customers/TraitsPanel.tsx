// Computed traits of a customer: lifecycle stage, RFM scores and group, CLV (historic and predicted) and churn risk
// with its factors. Every sentence of explanation is the server's, in the caller's language.
import { Card, Col, Divider, Flex, Progress, Row, Skeleton, Statistic, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustomerTraits } from '../../../src/contracts/traits.ts';
import { api } from '../api.ts';
import { formatTime } from '../format.ts';
import { useApiError } from '../useApiError.ts';
import { CHANNELS, isOneOf, yuan } from './labels.ts';

const STAGE_COLORS: Record<string, string> = {
  introduction: 'blue',
  growth: 'cyan',
  stable: 'green',
  decline: 'orange',
  churned: 'red',
};

function riskColor(risk: number): string {
  if (risk >= 60) return '#d4380d';
  if (risk >= 30) return '#d48806';
  return '#08875a';
}

export function TraitsPanel({ customerId }: { customerId: string }) {
  const { t, i18n } = useTranslation();
  const showError = useApiError();
  const [traits, setTraits] = useState<CustomerTraits | null>(null);

  // The explanations are written by the server in the request's language, so a language switch fetches again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: i18n.language is the trigger, not an input
  useEffect(() => {
    api.customerTraits(customerId).then(setTraits, showError);
  }, [customerId, showError, i18n.language]);

  if (!traits) {
    return (
      <Card title={t('traits.title')}>
        <Skeleton active />
      </Card>
    );
  }
  const { rfm, lifecycle, clv, churn } = traits;
  const channel = traits.preferredChannel;

  return (
    <Card
      title={t('traits.title')}
      data-testid="customer-traits"
      extra={
        <Typography.Text type="secondary" className="small-text">
          {traits.computedAt ? t('traits.computedAt', { time: formatTime(traits.computedAt) }) : t('traits.live')}
        </Typography.Text>
      }
    >
      <Row gutter={[24, 16]}>
        <Col xs={24} md={12}>
          <Typography.Text type="secondary">{t('traits.lifecycle')}</Typography.Text>
          <div className="trait-headline">
            <Tag
              color={STAGE_COLORS[lifecycle.stage] ?? 'default'}
              className="trait-stage"
              data-testid="lifecycle-stage"
            >
              {lifecycle.label}
            </Tag>
          </div>
          <Typography.Text type="secondary" className="small-text">
            {t('traits.orderSummary', {
              count: traits.orderCount,
              last: traits.lastOrderAt ? formatTime(traits.lastOrderAt) : '—',
            })}
          </Typography.Text>
        </Col>
        <Col xs={24} md={12}>
          <Typography.Text type="secondary">{t('traits.rfm')}</Typography.Text>
          <Flex align="center" gap={8} wrap className="trait-headline">
            {rfm.scores ? (
              (['r', 'f', 'm'] as const).map((key) => (
                <Tooltip key={key} title={t(`traits.score.${key}`)}>
                  <span className="rfm-score">
                    <span className="rfm-letter">{key.toUpperCase()}</span>
                    <span className="rfm-value">{rfm.scores?.[key]}</span>
                  </span>
                </Tooltip>
              ))
            ) : (
              <Typography.Text type="secondary">—</Typography.Text>
            )}
            {rfm.groupLabel && <Tag color="purple">{rfm.groupLabel}</Tag>}
          </Flex>
          <ul className="trait-explanations">
            {rfm.explanation.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </Col>
      </Row>
      <Divider className="trait-divider" />
      <Row gutter={[24, 16]}>
        <Col xs={24} md={12}>
          <Typography.Text type="secondary">{t('traits.clv')}</Typography.Text>
          <Flex gap={24} wrap className="trait-headline">
            <Statistic title={t('traits.clvHistoric')} value={yuan(clv.historicFen)} />
            <Statistic title={t('traits.clvPredicted')} value={yuan(clv.predictedFen)} />
            <Statistic title={t('traits.clvTotal')} value={yuan(clv.totalFen)} />
          </Flex>
          <Typography.Paragraph type="secondary" className="small-text trait-note">
            {clv.label}
          </Typography.Paragraph>
        </Col>
        <Col xs={24} md={12}>
          <Typography.Text type="secondary">{t('traits.churn')}</Typography.Text>
          <Flex gap={16} align="flex-start" className="trait-headline">
            <Progress
              type="dashboard"
              size={96}
              percent={churn.risk}
              strokeColor={riskColor(churn.risk)}
              format={(percent) => <span data-testid="churn-risk">{percent}</span>}
            />
            <div className="churn-factors">
              {churn.factors.length === 0 ? (
                <Typography.Text type="secondary">{t('traits.noRiskFactors')}</Typography.Text>
              ) : (
                churn.factors.map((factor) => (
                  <Flex key={factor.factor} gap={8} align="baseline" className="churn-factor">
                    <Tag color="volcano">+{factor.weight}</Tag>
                    <Typography.Text>{factor.label}</Typography.Text>
                  </Flex>
                ))
              )}
            </div>
          </Flex>
        </Col>
      </Row>
      <Divider className="trait-divider" />
      <Flex gap={32} wrap>
        <Typography.Text>
          <Typography.Text type="secondary">{t('traits.preferredChannel')}</Typography.Text>
          {isOneOf(CHANNELS, channel) ? t(`channels.${channel}`) : (channel ?? '—')}
        </Typography.Text>
        <Typography.Text>
          <Typography.Text type="secondary">{t('traits.activeHour')}</Typography.Text>
          {traits.activeHour === null ? '—' : t('traits.hour', { hour: traits.activeHour })}
        </Typography.Text>
      </Flex>
    </Card>
  );
}
