// The segment builder: the visual rule editor with a live count (debounced POST /api/segments/preview) and the time
// the audience data was last brought up to date, then saving as a dynamic or static segment. A rule the server
// rejects has its message shown on the row that `details.path` points to. Also edits an existing segment.
import { ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Flex, Form, Input, Radio, Row, Skeleton, Statistic, Typography } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import type { Segment, SegmentCount } from '../../../src/contracts/segments.ts';
import { ApiError, api, type CustomFieldDef, newIdempotencyKey } from '../api.ts';
import { formatTime } from '../format.ts';
import { PageHeader } from '../layout/PageHeader.tsx';
import { RuleEditor } from '../segments/RuleEditor.tsx';
import {
  countConditions,
  fromRule,
  type GroupNode,
  newCondition,
  newGroup,
  nodeAtPath,
  toRule,
  treeComplete,
} from '../segments/rule.ts';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useTagGroups } from '../useTagGroups.ts';

const PREVIEW_DELAY_MS = 400;

type Preview =
  | { state: 'idle' }
  | { state: 'incomplete' }
  | { state: 'loading'; last: SegmentCount | null }
  | { state: 'ready'; count: SegmentCount; rule: string }
  | { state: 'invalid'; message: string };

interface SaveForm {
  name: string;
  description?: string;
  kind: Segment['kind'];
}

/** Server validation errors arrive as `details.path`; this finds the row to show them on. */
function ruleErrorOf(error: unknown, paths: Map<string, string>): { key: string | undefined; message: string } | null {
  if (!(error instanceof ApiError) || error.code !== 'segment.invalid_rule') return null;
  const details = error.details as { path?: unknown } | undefined;
  const path = typeof details?.path === 'string' ? details.path : '';
  return { key: nodeAtPath(paths, path), message: error.message };
}

export default function SegmentBuilderPage() {
  const { t } = useTranslation();
  const { id } = useParams();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const { can } = useSession();
  const showError = useApiError();
  const [form] = Form.useForm<SaveForm>();
  const tags = useTagGroups(can('tag.read'));
  const [customFields, setCustomFields] = useState<CustomFieldDef[]>([]);
  const [tree, setTree] = useState<GroupNode | null>(() => (id ? null : newGroup('and', [newCondition('trait')])));
  const [existing, setExisting] = useState<Segment | null>(null);
  const [preview, setPreview] = useState<Preview>({ state: 'idle' });
  const [errors, setErrors] = useState<ReadonlyMap<string, string>>(new Map());
  const [saving, setSaving] = useState(false);
  const idempotencyKey = useRef(newIdempotencyKey());
  const generation = useRef(0);

  useEffect(() => {
    if (!can('customer.read')) return;
    api.listCustomFields().then((result) => setCustomFields(result.items), showError);
  }, [can, showError]);

  useEffect(() => {
    if (!id) return;
    api.getSegment(id).then((segment) => {
      setExisting(segment);
      setTree(fromRule(segment.rule));
      form.setFieldsValue({ name: segment.name, description: segment.description ?? '', kind: segment.kind });
    }, showError);
  }, [id, form, showError]);

  const compiled = useMemo(() => (tree ? { ...toRule(tree), complete: treeComplete(tree) } : null), [tree]);
  const ruleText = compiled ? JSON.stringify(compiled.rule) : '';

  // Debounced live count. A generation counter drops answers to rules that have since changed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: ruleText stands for `compiled`, whose identity changes on every edit
  useEffect(() => {
    if (!compiled) return;
    const current = ++generation.current;
    setErrors(new Map());
    if (!compiled.complete) {
      setPreview({ state: 'incomplete' });
      return;
    }
    setPreview((previous) => ({ state: 'loading', last: previous.state === 'ready' ? previous.count : null }));
    const timer = setTimeout(() => {
      api.previewSegment(compiled.rule).then(
        (count) => {
          if (current === generation.current) setPreview({ state: 'ready', count, rule: ruleText });
        },
        (error: unknown) => {
          if (current !== generation.current) return;
          const ruleError = ruleErrorOf(error, compiled.paths);
          if (ruleError) {
            if (ruleError.key) setErrors(new Map([[ruleError.key, ruleError.message]]));
            setPreview({ state: 'invalid', message: ruleError.message });
          } else {
            setPreview({ state: 'idle' });
            showError(error);
          }
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [ruleText]);

  const save = async (values: SaveForm) => {
    if (!compiled) return;
    setSaving(true);
    try {
      const description = values.description?.trim() || undefined;
      const segment = existing
        ? await api.updateSegment(existing.id, { name: values.name.trim(), description, rule: compiled.rule })
        : await api.createSegment(
            { name: values.name.trim(), description, kind: values.kind, rule: compiled.rule },
            idempotencyKey.current,
          );
      void message.success(t(existing ? 'segments.updated' : 'segments.created', { name: segment.name }));
      navigate(`/segments/${segment.id}`);
    } catch (error) {
      const ruleError = ruleErrorOf(error, compiled.paths);
      if (ruleError?.key) setErrors(new Map([[ruleError.key, ruleError.message]]));
      showError(error);
      // A rejected create did not happen, so the next attempt is a new request.
      if (error instanceof ApiError && error.status < 500) idempotencyKey.current = newIdempotencyKey();
    } finally {
      setSaving(false);
    }
  };

  const title = existing ? t('segments.editTitle', { name: existing.name }) : t('segments.newTitle');

  return (
    <>
      <PageHeader title={title} description={t('segments.builderDescription')} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={16}>
          <Card
            title={t('segments.rule')}
            extra={tree && t('segments.conditionCount', { count: countConditions(tree) })}
          >
            {tree ? (
              <RuleEditor
                value={tree}
                onChange={setTree}
                errors={errors}
                tagGroups={tags.groups}
                tagsLoading={tags.loading}
                customFields={customFields}
              />
            ) : (
              <Skeleton active />
            )}
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Flex vertical gap={16} className="segment-side">
            <LiveCount preview={preview} ruleText={ruleText} />
            <Card title={t('segments.save')}>
              <Form<SaveForm>
                form={form}
                name="saveSegment"
                layout="vertical"
                initialValues={{ kind: 'dynamic' }}
                onFinish={(values) => void save(values)}
              >
                <Form.Item
                  name="name"
                  label={t('segments.name')}
                  rules={[{ required: true, whitespace: true, message: t('segments.nameRequired') }]}
                >
                  <Input maxLength={100} />
                </Form.Item>
                <Form.Item name="description" label={t('segments.descriptionField')}>
                  <Input.TextArea maxLength={500} autoSize={{ minRows: 2, maxRows: 4 }} />
                </Form.Item>
                <Form.Item name="kind" label={t('segments.kind')} extra={t('segments.kindHelp')}>
                  <Radio.Group
                    optionType="button"
                    disabled={!!existing}
                    options={(['dynamic', 'static'] as const).map((kind) => ({
                      value: kind,
                      label: t(`segments.kinds.${kind}`),
                    }))}
                  />
                </Form.Item>
                <Flex gap={8} justify="flex-end">
                  <Button onClick={() => navigate(existing ? `/segments/${existing.id}` : '/segments')}>
                    {t('common.cancel')}
                  </Button>
                  <Button type="primary" htmlType="submit" loading={saving} disabled={!compiled?.complete}>
                    {t('segments.saveButton')}
                  </Button>
                </Flex>
              </Form>
            </Card>
          </Flex>
        </Col>
      </Row>
    </>
  );
}

function LiveCount({ preview, ruleText }: { preview: Preview; ruleText: string }) {
  const { t } = useTranslation();
  const shown = preview.state === 'ready' ? preview.count : preview.state === 'loading' ? preview.last : null;
  return (
    <Card
      title={t('segments.liveCount')}
      extra={preview.state === 'loading' && <ReloadOutlined spin aria-label={t('segments.counting')} />}
    >
      <div
        data-testid="live-count"
        data-state={preview.state}
        data-rule={preview.state === 'ready' ? preview.rule : ruleText}
      >
        <Statistic
          value={shown ? shown.count : '—'}
          suffix={shown ? t('segments.people') : undefined}
          className={preview.state === 'loading' ? 'live-count-stale' : undefined}
        />
      </div>
      {shown && (
        <Typography.Text type="secondary" className="live-count-meta" data-testid="live-count-refreshed">
          {t('segments.dataUpdatedAt', { time: formatTime(shown.refreshedAt) })}
          {' · '}
          {t('segments.tookMs', { ms: Math.round(shown.tookMs) })}
        </Typography.Text>
      )}
      {preview.state === 'incomplete' && (
        <Typography.Text type="secondary" className="live-count-meta">
          {t('segments.incomplete')}
        </Typography.Text>
      )}
      {preview.state === 'invalid' && (
        <Alert type="error" showIcon title={preview.message} className="live-count-alert" />
      )}
    </Card>
  );
}
