// The visual rule editor: AND/OR groups that nest, a NOT on any row or group, and one row per condition with the
// inputs its type needs. Read-only mode renders the same tree with the inputs disabled (segment detail, rule tags).
// The tier, guide and group pickers fetch their lists only once a row of that type is shown.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Tag as AntTag,
  AutoComplete,
  Button,
  DatePicker,
  Dropdown,
  Flex,
  Input,
  InputNumber,
  Select,
  Space,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TagGroup } from '../../../src/contracts/tags.ts';
import { ApiError, type CustomFieldDef } from '../api.ts';
import { communityApi } from '../community/api.ts';
import { groupOptions } from '../community/useGroups.ts';
import { CHANNELS, EVENT_NAMES, GENDERS } from '../customers/labels.ts';
import { TagPicker } from '../layout/TagPicker.tsx';
import { membersApi } from '../loyalty/MembersApi.ts';
import { relationshipsApi } from '../relationships/api.ts';
import { type Permission, useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import {
  ATTRIBUTE_FIELDS,
  ATTRIBUTE_OPERATORS,
  attributeKind,
  CONDITION_TYPES,
  type Comparison,
  type Condition,
  type ConditionNode,
  type ConditionOf,
  type ConditionType,
  defaultCondition,
  type EditorNode,
  FILTER_OPERATORS,
  type FilterOperator,
  GROUP_ROLES,
  type GroupNode,
  IDENTITY_KINDS,
  isNumericTrait,
  LIFECYCLE_STAGES,
  MEMBERSHIP_OPERATORS,
  MONEY_TRAITS,
  newCondition,
  newGroup,
  type PropertyFilter,
  RFM_GROUPS,
  type RuleWindow,
  TIER_OPERATORS,
  TRAITS,
  type TraitName,
  takesList,
  updateNode,
} from './rule.ts';

const MAX_DEPTH = 4;

type LookupKind = 'tiers' | 'guides' | 'groups';
interface Choice {
  value: string;
  label: string;
  /** A guide who left: still pickable, since their customers may not have been handed over yet. */
  resigned?: boolean;
}
type Lookup =
  | { state: 'loading' }
  | { state: 'ready'; choices: Choice[] }
  | { state: 'forbidden' }
  | { state: 'failed' };

/** What each list needs: asking without it would only earn a 403. */
const LOOKUP_PERMISSION: Record<LookupKind, Permission> = {
  tiers: 'member.read',
  guides: 'relationship.read',
  groups: 'community.read',
};

const LOADERS: Record<LookupKind, () => Promise<Choice[]>> = {
  // Tiers are named in rules by code, lowest rank first as the tiers page lists them.
  tiers: async () =>
    (await membersApi.tiers()).items
      .sort((a, b) => a.rank - b.rank)
      .map((tier) => ({ value: tier.code, label: tier.name })),
  guides: async () =>
    (await relationshipsApi.guides()).items.map((guide) => ({
      value: guide.staffId,
      label: guide.name,
      resigned: guide.status === 'resigned',
    })),
  groups: async () => groupOptions((await communityApi.listGroups({ status: 'active', limit: 200 })).items),
};

/** The pickers' lists, each fetched at most once per editor, when the first row that needs it asks. */
function useLookups(): Pick<EditorContext, 'lookup' | 'want'> {
  const { can } = useSession();
  const showError = useApiError();
  const [lookups, setLookups] = useState<Partial<Record<LookupKind, Lookup>>>({});
  const asked = useRef(new Set<LookupKind>());
  const want = useCallback(
    (kind: LookupKind) => {
      if (asked.current.has(kind)) return;
      asked.current.add(kind);
      const settle = (lookup: Lookup) => setLookups((current) => ({ ...current, [kind]: lookup }));
      if (!can(LOOKUP_PERMISSION[kind])) {
        settle({ state: 'forbidden' });
        return;
      }
      LOADERS[kind]().then(
        (choices) => settle({ state: 'ready', choices }),
        (error: unknown) => {
          // A role whose permissions changed since sign-in is told the same as one that never had them.
          if (error instanceof ApiError && error.status === 403) settle({ state: 'forbidden' });
          else {
            settle({ state: 'failed' });
            showError(error);
          }
        },
      );
    },
    [can, showError],
  );
  return { want, lookup: (kind) => lookups[kind] ?? { state: 'loading' } };
}

interface EditorContext {
  readOnly: boolean;
  tagGroups: TagGroup[];
  tagsLoading: boolean;
  customFields: CustomFieldDef[];
  errors: ReadonlyMap<string, string>;
  change(key: string, update: (node: EditorNode) => EditorNode | null): void;
  lookup(kind: LookupKind): Lookup;
  /** Starts loading a picker's list unless it is loaded or loading. */
  want(kind: LookupKind): void;
}

const Context = createContext<EditorContext | null>(null);
const useEditor = () => useContext(Context)!;

export interface RuleEditorProps {
  value: GroupNode;
  onChange?(next: GroupNode): void;
  /** Server validation messages by editor node key. */
  errors?: ReadonlyMap<string, string>;
  tagGroups: TagGroup[];
  tagsLoading?: boolean;
  customFields?: CustomFieldDef[];
  readOnly?: boolean;
}

export function RuleEditor(props: RuleEditorProps) {
  const { value, onChange } = props;
  const lookups = useLookups();
  const context: EditorContext = {
    ...lookups,
    readOnly: props.readOnly ?? !onChange,
    tagGroups: props.tagGroups,
    tagsLoading: props.tagsLoading ?? false,
    customFields: props.customFields ?? [],
    errors: props.errors ?? new Map(),
    change: (key, update) => onChange?.(updateNode(value, key, update)),
  };
  return (
    <Context value={context}>
      <GroupEditor node={value} depth={0} />
    </Context>
  );
}

function GroupEditor({ node, depth }: { node: GroupNode; depth: number }) {
  const { t } = useTranslation();
  const { readOnly, change, errors } = useEditor();
  const isRoot = depth === 0;
  const setGroup = (patch: Partial<GroupNode>) =>
    change(node.key, (current) => ({ ...current, ...patch }) as GroupNode);
  const add = (child: EditorNode) => setGroup({ children: [...node.children, child] });

  const addMenu = {
    items: CONDITION_TYPES.map((type) => ({ key: type, label: t(`segments.types.${type}`) })),
    onClick: ({ key }: { key: string }) => add(newCondition(key as ConditionType)),
  };

  return (
    <div className={`rule-group${isRoot ? ' rule-group-root' : ''}`} data-testid="rule-group">
      <Flex align="center" gap={8} wrap className="rule-group-head">
        {!isRoot && <NegateSelect negate={node.negate} onChange={(negate) => setGroup({ negate })} />}
        <Typography.Text>{t('segments.groupLead')}</Typography.Text>
        <Select
          size="small"
          value={node.op}
          disabled={readOnly}
          aria-label={t('segments.aria.groupOp')}
          onChange={(op) => setGroup({ op })}
          options={(['and', 'or'] as const).map((op) => ({ value: op, label: t(`segments.groupOp.${op}`) }))}
          className="rule-op-select"
        />
        <Typography.Text>{t('segments.groupTail')}</Typography.Text>
        {!isRoot && !readOnly && (
          <Button
            type="text"
            size="small"
            danger
            icon={<DeleteOutlined />}
            aria-label={t('segments.removeGroup')}
            onClick={() => change(node.key, () => null)}
            className="rule-remove"
          />
        )}
      </Flex>
      {errors.get(node.key) && (
        <Typography.Text type="danger" className="rule-error" role="alert">
          {errors.get(node.key)}
        </Typography.Text>
      )}
      <div className="rule-children">
        {node.children.length === 0 && (
          <Typography.Text type="secondary" className="rule-empty">
            {t('segments.emptyGroup')}
          </Typography.Text>
        )}
        {node.children.map((child, index) => (
          <div key={child.key} className="rule-child">
            {index > 0 && <span className={`rule-join rule-join-${node.op}`}>{t(`segments.join.${node.op}`)}</span>}
            {child.kind === 'group' ? <GroupEditor node={child} depth={depth + 1} /> : <ConditionRow node={child} />}
          </div>
        ))}
      </div>
      {!readOnly && (
        <Space className="rule-group-actions">
          <Dropdown menu={addMenu} trigger={['click']}>
            <Button size="small" type="dashed" icon={<PlusOutlined />}>
              {t('segments.addCondition')}
            </Button>
          </Dropdown>
          {depth < MAX_DEPTH && (
            <Button
              size="small"
              type="dashed"
              icon={<PlusOutlined />}
              onClick={() => add(newGroup(node.op === 'and' ? 'or' : 'and', [newCondition('trait')]))}
            >
              {t('segments.addGroup')}
            </Button>
          )}
        </Space>
      )}
    </div>
  );
}

function NegateSelect({ negate, onChange, tag }: { negate: boolean; onChange(negate: boolean): void; tag?: boolean }) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  const labels = tag ? 'segments.tagHas' : 'segments.negate';
  return (
    <Select
      size="small"
      value={negate ? 'not' : 'is'}
      disabled={readOnly}
      aria-label={t('segments.aria.negate')}
      onChange={(value) => onChange(value === 'not')}
      options={[
        { value: 'is', label: t(`${labels}.is`) },
        { value: 'not', label: t(`${labels}.not`) },
      ]}
      className={negate ? 'rule-negate rule-negate-on' : 'rule-negate'}
      popupMatchSelectWidth={false}
    />
  );
}

function ConditionRow({ node }: { node: ConditionNode }) {
  const { t } = useTranslation();
  const { readOnly, change, errors } = useEditor();
  const error = errors.get(node.key);
  const set = (condition: Condition) => change(node.key, (current) => ({ ...current, condition }) as ConditionNode);
  const type = node.condition.type;

  return (
    <div className={`rule-row${error ? ' rule-row-error' : ''}`} data-testid="rule-row" data-type={type}>
      <Flex align="center" gap={8} wrap>
        <NegateSelect
          negate={node.negate}
          tag={type === 'tag'}
          onChange={(negate) => change(node.key, (current) => ({ ...current, negate }))}
        />
        <Select
          size="small"
          value={type}
          disabled={readOnly}
          aria-label={t('segments.aria.type')}
          onChange={(next) => set(defaultCondition(next))}
          options={CONDITION_TYPES.map((value) => ({ value, label: t(`segments.types.${value}`) }))}
          className="rule-type-select"
          popupMatchSelectWidth={false}
        />
        <ConditionInputs condition={node.condition} set={set} error={!!error} />
        {!readOnly && (
          <Button
            type="text"
            size="small"
            danger
            icon={<DeleteOutlined />}
            aria-label={t('segments.removeCondition')}
            onClick={() => change(node.key, () => null)}
            className="rule-remove"
          />
        )}
      </Flex>
      {error && (
        <Typography.Text type="danger" className="rule-error" role="alert">
          {error}
        </Typography.Text>
      )}
    </div>
  );
}

interface InputsProps<C extends Condition> {
  condition: C;
  set(condition: Condition): void;
  error: boolean;
}

function ConditionInputs({ condition, set, error }: InputsProps<Condition>) {
  switch (condition.type) {
    case 'attribute':
      return <AttributeInputs condition={condition} set={set} error={error} />;
    case 'tag':
      return <TagInputs condition={condition} set={set} error={error} />;
    case 'trait':
      return <TraitInputs condition={condition} set={set} error={error} />;
    case 'event':
      return <EventInputs condition={condition} set={set} error={error} />;
    case 'order':
      return <OrderInputs condition={condition} set={set} error={error} />;
    case 'identity':
      return <IdentityInputs condition={condition} set={set} error={error} />;
    case 'tier':
      return <TierInputs condition={condition} set={set} error={error} />;
    case 'guide':
      return <GuideInputs condition={condition} set={set} error={error} />;
    case 'group':
      return <GroupInputs condition={condition} set={set} error={error} />;
  }
}

/** Picks tiers, guides or groups from their list; says so plainly when the user may not see that list. */
function LookupPicker({
  kind,
  value,
  single,
  error,
  onChange,
}: {
  kind: LookupKind;
  value: string[];
  single?: boolean;
  error: boolean;
  onChange(value: string[]): void;
}) {
  const { t } = useTranslation();
  const { readOnly, lookup, want } = useEditor();
  useEffect(() => want(kind), [want, kind]);
  const found = lookup(kind);
  if (found.state === 'forbidden') {
    return (
      <Typography.Text type="warning" role="note" data-testid="lookup-forbidden">
        {t(`segments.lookupForbidden.${kind}`)}
      </Typography.Text>
    );
  }
  const choices = (found.state === 'ready' ? found.choices : []).map(({ value, label, resigned }) => ({
    value,
    label: resigned ? t('segments.guideResigned', { name: label }) : label,
  }));
  const known = new Set(choices.map((choice) => choice.value));
  // A saved rule may name a tier, guide or group gone since: shown as such rather than as a bare id.
  const missing =
    found.state === 'ready'
      ? value
          .filter((v) => !known.has(v))
          .map((v) => ({ value: v, label: t('segments.missingChoice', { id: v.slice(0, 8) }) }))
      : [];
  return (
    <>
      <Select
        size="small"
        mode={single ? undefined : 'multiple'}
        value={single ? value[0] : value}
        disabled={readOnly}
        loading={found.state === 'loading'}
        status={error ? 'error' : undefined}
        placeholder={t(`segments.pick.${kind}`)}
        aria-label={t(`segments.aria.${kind}`)}
        showSearch
        optionFilterProp="label"
        options={[...choices, ...missing]}
        onChange={(next: string | string[] | undefined) =>
          onChange(next === undefined ? [] : Array.isArray(next) ? next : [next])
        }
        className="rule-wide-input"
        popupMatchSelectWidth={false}
      />
      {found.state === 'failed' && <Typography.Text type="danger">{t('segments.lookupFailed')}</Typography.Text>}
    </>
  );
}

function TierInputs({ condition, set, error }: InputsProps<ConditionOf<'tier'>>) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  const atLeast = condition.operator === 'at_least';
  return (
    <>
      <Select
        size="small"
        value={condition.operator}
        disabled={readOnly}
        aria-label={t('segments.aria.operator')}
        onChange={(operator) =>
          set({
            ...condition,
            operator,
            tiers: operator === 'at_least' ? condition.tiers.slice(0, 1) : condition.tiers,
          })
        }
        options={TIER_OPERATORS.map((op) => ({ value: op, label: t(`segments.tierOperators.${op}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      <LookupPicker
        kind="tiers"
        value={condition.tiers}
        single={atLeast}
        error={error}
        onChange={(tiers) => set({ ...condition, tiers })}
      />
    </>
  );
}

function GuideInputs({ condition, set, error }: InputsProps<ConditionOf<'guide'>>) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  return (
    <>
      <Select
        size="small"
        value={condition.operator}
        disabled={readOnly}
        aria-label={t('segments.aria.operator')}
        onChange={(operator) =>
          set({ ...condition, operator, guides: takesList(operator) ? condition.guides : undefined })
        }
        options={MEMBERSHIP_OPERATORS.map((op) => ({ value: op, label: t(`segments.guideOperators.${op}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      {takesList(condition.operator) && (
        <LookupPicker
          kind="guides"
          value={condition.guides ?? []}
          error={error}
          onChange={(guides) => set({ ...condition, guides: guides.length ? guides : undefined })}
        />
      )}
    </>
  );
}

function GroupInputs({ condition, set, error }: InputsProps<ConditionOf<'group'>>) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  return (
    <>
      <Select
        size="small"
        value={condition.operator}
        disabled={readOnly}
        aria-label={t('segments.aria.operator')}
        onChange={(operator) =>
          set({ ...condition, operator, groups: takesList(operator) ? condition.groups : undefined })
        }
        options={MEMBERSHIP_OPERATORS.map((op) => ({ value: op, label: t(`segments.groupOperators.${op}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      {takesList(condition.operator) && (
        <LookupPicker
          kind="groups"
          value={condition.groups ?? []}
          error={error}
          onChange={(groups) => set({ ...condition, groups: groups.length ? groups : undefined })}
        />
      )}
      <Select
        size="small"
        value={condition.role}
        disabled={readOnly}
        allowClear
        placeholder={t('segments.anyRole')}
        aria-label={t('segments.aria.role')}
        onChange={(role) => set({ ...condition, role: role ?? undefined })}
        options={GROUP_ROLES.map((role) => ({ value: role, label: t(`community.roles.${role}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
    </>
  );
}

function TagInputs({ condition, set, error }: InputsProps<ConditionOf<'tag'>>) {
  const { t } = useTranslation();
  const { readOnly, tagGroups, tagsLoading } = useEditor();
  return (
    <TagPicker
      groups={tagGroups}
      loading={tagsLoading}
      value={condition.tagId}
      disabled={readOnly}
      status={error ? 'error' : undefined}
      ariaLabel={t('segments.aria.tag')}
      className="rule-wide-input"
      onChange={(tagId) => set({ ...condition, tagId: typeof tagId === 'string' ? tagId : undefined })}
    />
  );
}

function IdentityInputs({ condition, set }: InputsProps<ConditionOf<'identity'>>) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  return (
    <>
      <Typography.Text>{t('segments.identityLead')}</Typography.Text>
      <Select
        size="small"
        value={condition.kind}
        disabled={readOnly}
        aria-label={t('segments.aria.kind')}
        onChange={(kind) => set({ ...condition, kind })}
        options={IDENTITY_KINDS.map((kind) => ({ value: kind, label: t(`identityKinds.${kind}`) }))}
        className="rule-wide-input"
        popupMatchSelectWidth={false}
      />
    </>
  );
}

function TraitInputs({ condition, set, error }: InputsProps<ConditionOf<'trait'>>) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  const numeric = isNumericTrait(condition.trait);
  const operators = numeric ? (['gte', 'lte', 'eq', 'exists'] as const) : (['eq', 'in', 'exists'] as const);
  const money = MONEY_TRAITS.has(condition.trait);

  const choices = (): { value: string; label: string }[] | null => {
    if (condition.trait === 'lifecycle_stage')
      return LIFECYCLE_STAGES.map((stage) => ({ value: stage, label: t(`lifecycle.${stage}`) }));
    if (condition.trait === 'rfm_group') return RFM_GROUPS.map((group) => ({ value: group, label: t(`rfm.${group}`) }));
    return null;
  };
  const options = choices();

  let valueInput: ReactNode = null;
  if (condition.operator === 'exists') valueInput = null;
  else if (numeric) {
    valueInput = (
      <NumberInput
        value={typeof condition.value === 'number' ? condition.value : undefined}
        money={money}
        error={error}
        onChange={(value) => set({ ...condition, value })}
      />
    );
  } else if (options) {
    valueInput = (
      <Select
        size="small"
        mode={condition.operator === 'in' ? 'multiple' : undefined}
        value={condition.value as string | string[] | undefined}
        disabled={readOnly}
        status={error ? 'error' : undefined}
        placeholder={t('segments.pickValue')}
        aria-label={t('segments.aria.value')}
        onChange={(value) => set({ ...condition, value })}
        options={options}
        className="rule-wide-input"
        popupMatchSelectWidth={false}
      />
    );
  } else {
    valueInput = (
      <ChoiceInput
        multiple={condition.operator === 'in'}
        value={condition.value as string | string[] | undefined}
        suggestions={CHANNELS.map((channel) => ({ value: channel, label: t(`channels.${channel}`) }))}
        error={error}
        onChange={(value) => set({ ...condition, value })}
      />
    );
  }

  return (
    <>
      <Select
        size="small"
        value={condition.trait}
        disabled={readOnly}
        aria-label={t('segments.aria.trait')}
        onChange={(trait: TraitName) => {
          const nextNumeric = isNumericTrait(trait);
          set({ type: 'trait', trait, operator: nextNumeric ? 'gte' : 'eq' });
        }}
        options={TRAITS.map((trait) => ({ value: trait, label: t(`segments.traits.${trait}`) }))}
        className="rule-field-select"
        popupMatchSelectWidth={false}
      />
      <Select
        size="small"
        value={condition.operator}
        disabled={readOnly}
        aria-label={t('segments.aria.operator')}
        onChange={(operator) => set({ ...condition, operator, value: undefined })}
        options={operators.map((op) => ({ value: op, label: t(`segments.operators.${op}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      {valueInput}
    </>
  );
}

function AttributeInputs({ condition, set, error }: InputsProps<ConditionOf<'attribute'>>) {
  const { t } = useTranslation();
  const { readOnly, customFields } = useEditor();
  const kind = attributeKind(condition.field);
  const custom = kind === 'custom' ? customFields.find((f) => `custom.${f.key}` === condition.field) : undefined;
  const operatorLabel = (op: string) =>
    kind === 'date' && op !== 'exists'
      ? t(`segments.dateOperators.${op as 'gte' | 'lte'}`)
      : t(`segments.operators.${op as 'eq'}`);

  let valueInput: ReactNode = null;
  if (condition.operator === 'exists') valueInput = null;
  else if (kind === 'date') {
    valueInput = (
      <DatePicker
        size="small"
        value={typeof condition.value === 'string' ? dayjs(condition.value) : null}
        disabled={readOnly}
        status={error ? 'error' : undefined}
        aria-label={t('segments.aria.value')}
        onChange={(date) => set({ ...condition, value: date ? date.format('YYYY-MM-DD') : undefined })}
      />
    );
  } else if (condition.operator === 'gte' || condition.operator === 'lte') {
    valueInput = (
      <NumberInput
        value={typeof condition.value === 'number' ? condition.value : undefined}
        error={error}
        onChange={(value) => set({ ...condition, value })}
      />
    );
  } else if (condition.field === 'gender') {
    valueInput = (
      <Select
        size="small"
        mode={condition.operator === 'in' ? 'multiple' : undefined}
        value={condition.value as string | string[] | undefined}
        disabled={readOnly}
        status={error ? 'error' : undefined}
        placeholder={t('segments.pickValue')}
        aria-label={t('segments.aria.value')}
        onChange={(value) => set({ ...condition, value })}
        options={GENDERS.map((gender) => ({ value: gender, label: t(`gender.${gender}`) }))}
        className="rule-wide-input"
      />
    );
  } else {
    const suggestions =
      condition.field === 'source_channel'
        ? CHANNELS.map((channel) => ({ value: channel, label: t(`channels.${channel}`) }))
        : (custom?.options ?? []).map((option) => ({ value: option, label: option }));
    valueInput = (
      <ChoiceInput
        multiple={condition.operator === 'in'}
        value={condition.value as string | string[] | undefined}
        suggestions={suggestions}
        error={error}
        onChange={(value) => set({ ...condition, value })}
      />
    );
  }

  const fieldOptions = [
    ...ATTRIBUTE_FIELDS.map((field) => ({ value: field, label: t(`segments.fields.${field as 'city'}`) })),
    ...customFields.map((field) => ({ value: `custom.${field.key}`, label: field.label })),
  ];

  return (
    <>
      <Select
        size="small"
        value={condition.field}
        disabled={readOnly}
        aria-label={t('segments.aria.field')}
        onChange={(field: string) =>
          set({ type: 'attribute', field, operator: ATTRIBUTE_OPERATORS[attributeKind(field)][0]! })
        }
        options={fieldOptions}
        className="rule-field-select"
        popupMatchSelectWidth={false}
      />
      <Select
        size="small"
        value={condition.operator}
        disabled={readOnly}
        aria-label={t('segments.aria.operator')}
        onChange={(operator) => set({ ...condition, operator, value: undefined })}
        options={ATTRIBUTE_OPERATORS[kind].map((op) => ({ value: op, label: operatorLabel(op) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      {valueInput}
    </>
  );
}

function ComparisonInputs({
  comparison,
  value,
  money,
  unit,
  error,
  onChange,
}: {
  comparison: Comparison;
  value: number | undefined;
  money?: boolean;
  unit?: string;
  error: boolean;
  onChange(comparison: Comparison, value: number | undefined): void;
}) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  return (
    <>
      <Select
        size="small"
        value={comparison}
        disabled={readOnly}
        aria-label={t('segments.aria.comparison')}
        onChange={(next) => onChange(next, value)}
        options={(['at_least', 'at_most'] as const).map((c) => ({ value: c, label: t(`segments.comparison.${c}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      <NumberInput
        value={value}
        money={money}
        unit={unit}
        error={error}
        onChange={(next) => onChange(comparison, next)}
      />
    </>
  );
}

function OrderInputs({ condition, set, error }: InputsProps<ConditionOf<'order'>>) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  return (
    <>
      <WindowInput value={condition.window} onChange={(window) => set({ ...condition, window })} />
      <Select
        size="small"
        value={condition.measure}
        disabled={readOnly}
        aria-label={t('segments.aria.measure')}
        onChange={(measure) => set({ ...condition, measure, value: condition.value })}
        options={(['count', 'spend'] as const).map((m) => ({ value: m, label: t(`segments.orderMeasure.${m}`) }))}
        className="rule-field-select"
        popupMatchSelectWidth={false}
      />
      <ComparisonInputs
        comparison={condition.comparison}
        value={condition.value}
        money={condition.measure === 'spend'}
        unit={condition.measure === 'count' ? t('segments.timesUnit') : undefined}
        error={error}
        onChange={(comparison, value) => set({ ...condition, comparison, value })}
      />
      <Input
        size="small"
        value={condition.category ?? ''}
        disabled={readOnly}
        allowClear
        placeholder={t('segments.anyCategory')}
        aria-label={t('segments.aria.category')}
        prefix={<span className="rule-input-prefix">{t('segments.category')}</span>}
        onChange={(event) => set({ ...condition, category: event.target.value.trim() || undefined })}
        className="rule-category-input"
      />
    </>
  );
}

function EventInputs({ condition, set, error }: InputsProps<ConditionOf<'event'>>) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  const sum = typeof condition.measure === 'object' ? condition.measure.sum : null;
  const filters = condition.where ?? [];
  const setFilters = (where: PropertyFilter[]) => set({ ...condition, where: where.length ? where : undefined });

  return (
    <>
      <WindowInput value={condition.window} onChange={(window) => set({ ...condition, window })} />
      <AutoComplete
        size="small"
        value={condition.name ?? ''}
        disabled={readOnly}
        status={error && !condition.name ? 'error' : undefined}
        placeholder={t('segments.eventName')}
        aria-label={t('segments.aria.eventName')}
        options={EVENT_NAMES.map((name) => ({ value: name, label: `${t(`eventNames.${name}`)} · ${name}` }))}
        onChange={(name: string) => set({ ...condition, name: name.trim() || undefined })}
        className="rule-field-select"
      />
      <Select
        size="small"
        value={sum === null ? 'count' : 'sum'}
        disabled={readOnly}
        aria-label={t('segments.aria.measure')}
        onChange={(measure) => set({ ...condition, measure: measure === 'sum' ? { sum: '' } : undefined })}
        options={(['count', 'sum'] as const).map((m) => ({ value: m, label: t(`segments.eventMeasure.${m}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      {sum !== null && (
        <Input
          size="small"
          value={sum}
          disabled={readOnly}
          placeholder={t('segments.sumProperty')}
          aria-label={t('segments.aria.sumProperty')}
          onChange={(event) => set({ ...condition, measure: { sum: event.target.value.trim() } })}
          className="rule-short-input"
        />
      )}
      <ComparisonInputs
        comparison={condition.comparison}
        value={condition.value}
        unit={sum === null ? t('segments.timesUnit') : undefined}
        error={error}
        onChange={(comparison, value) => set({ ...condition, comparison, value })}
      />
      {!readOnly && filters.length < 10 && (
        <Button
          size="small"
          type="link"
          icon={<PlusOutlined />}
          onClick={() => setFilters([...filters, { property: '', operator: 'eq' }])}
        >
          {t('segments.addFilter')}
        </Button>
      )}
      {filters.length > 0 && (
        <Flex vertical gap={6} className="rule-filters">
          {filters.map((filter, index) => (
            <FilterRow
              // Filters have no identity of their own; their position is what the server's error path names.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              key={index}
              filter={filter}
              onChange={(next) =>
                setFilters(
                  next ? filters.map((f, i) => (i === index ? next : f)) : filters.filter((_, i) => i !== index),
                )
              }
            />
          ))}
        </Flex>
      )}
    </>
  );
}

function FilterRow({ filter, onChange }: { filter: PropertyFilter; onChange(next: PropertyFilter | null): void }) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  const numeric = ['gt', 'gte', 'lt', 'lte'].includes(filter.operator);
  const setOperator = (operator: FilterOperator) => onChange({ property: filter.property, operator });
  return (
    <Flex align="center" gap={6} className="rule-filter" data-testid="rule-filter">
      <Typography.Text type="secondary">{t('segments.filterLead')}</Typography.Text>
      <Input
        size="small"
        value={filter.property}
        disabled={readOnly}
        placeholder={t('segments.filterProperty')}
        aria-label={t('segments.aria.filterProperty')}
        onChange={(event) => onChange({ ...filter, property: event.target.value.trim() })}
        className="rule-short-input"
      />
      <Select
        size="small"
        value={filter.operator}
        disabled={readOnly}
        aria-label={t('segments.aria.operator')}
        onChange={setOperator}
        options={FILTER_OPERATORS.map((op) => ({ value: op, label: t(`segments.operators.${op}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      {filter.operator === 'exists' ? null : numeric ? (
        <NumberInput
          value={typeof filter.value === 'number' ? filter.value : undefined}
          error={false}
          onChange={(value) => onChange({ ...filter, value })}
        />
      ) : (
        <ChoiceInput
          multiple={filter.operator === 'in'}
          value={filter.value as string | string[] | undefined}
          suggestions={[]}
          error={false}
          onChange={(value) => onChange({ ...filter, value })}
        />
      )}
      {!readOnly && (
        <Button
          type="text"
          size="small"
          icon={<DeleteOutlined />}
          aria-label={t('segments.removeFilter')}
          onClick={() => onChange(null)}
        />
      )}
    </Flex>
  );
}

type WindowMode = 'last' | 'range' | 'all';

function WindowInput({
  value,
  onChange,
}: {
  value: RuleWindow | undefined;
  onChange(next: RuleWindow | undefined): void;
}) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  const mode: WindowMode = value === undefined ? 'all' : 'lastDays' in value ? 'last' : 'range';
  const setMode = (next: WindowMode) => {
    if (next === 'all') onChange(undefined);
    else if (next === 'last') onChange({ lastDays: 30 });
    else {
      const today = dayjs().format('YYYY-MM-DD');
      onChange({ from: dayjs().subtract(29, 'day').format('YYYY-MM-DD'), to: today });
    }
  };
  return (
    <>
      <Select
        size="small"
        value={mode}
        disabled={readOnly}
        aria-label={t('segments.aria.window')}
        onChange={setMode}
        options={(['last', 'range', 'all'] as const).map((m) => ({ value: m, label: t(`segments.window.${m}`) }))}
        className="rule-op-select"
        popupMatchSelectWidth={false}
      />
      {value && 'lastDays' in value && (
        <InputNumber
          size="small"
          min={1}
          max={3650}
          precision={0}
          value={value.lastDays}
          disabled={readOnly}
          aria-label={t('segments.aria.days')}
          suffix={t('segments.window.days')}
          onChange={(days) => onChange({ lastDays: days ?? 1 })}
          className="rule-days-input"
        />
      )}
      {value && 'from' in value && (
        <DatePicker.RangePicker
          size="small"
          value={[dayjs(value.from), dayjs(value.to)]}
          disabled={readOnly}
          allowClear={false}
          aria-label={t('segments.aria.range')}
          onChange={(dates) => {
            if (dates?.[0] && dates[1])
              onChange({ from: dates[0].format('YYYY-MM-DD'), to: dates[1].format('YYYY-MM-DD') });
          }}
        />
      )}
    </>
  );
}

/** A whole number, or an amount typed in yuan and held in fen. */
function NumberInput({
  value,
  money,
  unit,
  error,
  onChange,
}: {
  value: number | undefined;
  money?: boolean;
  unit?: string;
  error: boolean;
  onChange(value: number | undefined): void;
}) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  return (
    <InputNumber
      size="small"
      min={0}
      precision={money ? 2 : 0}
      value={value === undefined ? null : money ? value / 100 : value}
      disabled={readOnly}
      status={error ? 'error' : undefined}
      aria-label={t('segments.aria.value')}
      prefix={money ? '¥' : undefined}
      suffix={unit}
      onChange={(next) => onChange(next === null ? undefined : money ? Math.round(next * 100) : next)}
      className="rule-number-input"
    />
  );
}

/** Free text with suggestions; several values for `in`. */
function ChoiceInput({
  multiple,
  value,
  suggestions,
  error,
  onChange,
}: {
  multiple: boolean;
  value: string | string[] | undefined;
  suggestions: { value: string; label: string }[];
  error: boolean;
  onChange(value: string | string[] | undefined): void;
}) {
  const { t } = useTranslation();
  const { readOnly } = useEditor();
  if (multiple) {
    return (
      <Select
        size="small"
        mode="tags"
        value={Array.isArray(value) ? value : value ? [value] : []}
        disabled={readOnly}
        status={error ? 'error' : undefined}
        placeholder={t('segments.typeValues')}
        aria-label={t('segments.aria.value')}
        options={suggestions}
        onChange={(next: string[]) => onChange(next.length ? next : undefined)}
        tagRender={({ label, closable, onClose }) => (
          <AntTag closable={closable} onClose={onClose}>
            {label}
          </AntTag>
        )}
        className="rule-wide-input"
      />
    );
  }
  return (
    <AutoComplete
      size="small"
      value={typeof value === 'string' ? value : ''}
      disabled={readOnly}
      status={error ? 'error' : undefined}
      placeholder={t('segments.typeValue')}
      aria-label={t('segments.aria.value')}
      options={suggestions}
      onChange={(next: string) => onChange(next.trim() || undefined)}
      className="rule-wide-input"
    />
  );
}
