// The segment builder's model: an editable tree whose nodes carry stable keys, converted to and from the server's
// rule JSON (src/modules/segments/README.md), plus the map from a rule path to the row that produced it, so that a
// validation error's `details.path` can be shown on the offending row.

import { IDENTITY_KINDS, type IdentityKind } from '../../../src/contracts/identity-kinds.ts';
import type { LifecycleStage } from '../../../src/modules/traits/lifecycle.ts';
import type { RfmGroup } from '../../../src/modules/traits/rfm.ts';

export { IDENTITY_KINDS, type IdentityKind };

export type Comparison = 'at_least' | 'at_most';
export type RuleWindow = { lastDays: number } | { from: string; to: string };
export type FilterOperator = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'exists' | 'in';
export type AttributeOperator = 'eq' | 'in' | 'exists' | 'gte' | 'lte' | 'contains';
export type TraitOperator = 'eq' | 'in' | 'exists' | 'gte' | 'lte';
export type TierOperator = 'in' | 'not_in' | 'at_least';
/** Guides and groups: with anyone / no one, or with one / none of the listed. */
export type MembershipOperator = 'any' | 'none' | 'in' | 'not_in';
export type GroupRole = 'koc' | 'admin';
export type Scalar = string | number | boolean;

export interface PropertyFilter {
  property: string;
  operator: FilterOperator;
  value?: Scalar | string[];
}

export type Condition =
  | { type: 'attribute'; field: string; operator: AttributeOperator; value?: Scalar | string[] }
  | { type: 'tag'; tagId?: string }
  | { type: 'trait'; trait: TraitName; operator: TraitOperator; value?: string | number | string[] }
  | {
      type: 'event';
      name?: string;
      where?: PropertyFilter[];
      measure?: 'count' | { sum: string };
      comparison: Comparison;
      value?: number;
      window?: RuleWindow;
    }
  | {
      type: 'order';
      measure: 'count' | 'spend';
      comparison: Comparison;
      value?: number;
      window?: RuleWindow;
      category?: string;
    }
  | { type: 'identity'; kind?: IdentityKind }
  | { type: 'tier'; operator: TierOperator; tiers: string[] }
  | { type: 'guide'; operator: MembershipOperator; guides?: string[] }
  | { type: 'group'; operator: MembershipOperator; groups?: string[]; role?: GroupRole };

export type ConditionType = Condition['type'];
export type ConditionOf<T extends ConditionType> = Extract<Condition, { type: T }>;

export interface GroupNode {
  key: string;
  kind: 'group';
  op: 'and' | 'or';
  negate: boolean;
  children: EditorNode[];
}
export interface ConditionNode {
  key: string;
  kind: 'condition';
  negate: boolean;
  condition: Condition;
}
export type EditorNode = GroupNode | ConditionNode;

export const CONDITION_TYPES: ConditionType[] = [
  'trait',
  'tag',
  'order',
  'event',
  'attribute',
  'identity',
  'tier',
  'guide',
  'group',
];

export const TIER_OPERATORS: TierOperator[] = ['in', 'not_in', 'at_least'];
export const MEMBERSHIP_OPERATORS: MembershipOperator[] = ['in', 'not_in', 'any', 'none'];
export const GROUP_ROLES: GroupRole[] = ['koc', 'admin'];

/** `any` and `none` name no guides or groups; the server refuses a list with them. */
export function takesList(operator: MembershipOperator): boolean {
  return operator === 'in' || operator === 'not_in';
}

// Records keep these lists in step with the server's types: a stage or group added there breaks this file.
const lifecycleOrder: Record<LifecycleStage, number> = {
  introduction: 0,
  growth: 1,
  stable: 2,
  decline: 3,
  churned: 4,
};
const rfmOrder: Record<RfmGroup, number> = {
  important_value: 0,
  important_development: 1,
  important_retention: 2,
  important_winback: 3,
  general_value: 4,
  general_development: 5,
  general_retention: 6,
  general_winback: 7,
};
export const LIFECYCLE_STAGES = Object.keys(lifecycleOrder) as LifecycleStage[];
export const RFM_GROUPS = Object.keys(rfmOrder) as RfmGroup[];

export const CATEGORICAL_TRAITS = ['lifecycle_stage', 'rfm_group', 'preferred_channel'] as const;
export const NUMERIC_TRAITS = [
  'recency_score',
  'frequency_score',
  'monetary_score',
  'churn_risk',
  'clv_historic_fen',
  'clv_predicted_fen',
  'spend_fen',
  'order_count',
  'active_hour',
] as const;
export type TraitName = (typeof CATEGORICAL_TRAITS)[number] | (typeof NUMERIC_TRAITS)[number];
export const TRAITS: TraitName[] = [...CATEGORICAL_TRAITS, ...NUMERIC_TRAITS];
/** Traits held in fen; the builder shows and takes them in yuan. */
export const MONEY_TRAITS: ReadonlySet<TraitName> = new Set(['clv_historic_fen', 'clv_predicted_fen', 'spend_fen']);

export function isNumericTrait(trait: TraitName): boolean {
  return (NUMERIC_TRAITS as readonly string[]).includes(trait);
}

export const CATEGORICAL_ATTRIBUTES = ['gender', 'city', 'region', 'source_channel', 'member_status', 'occupation'];
export const DATE_ATTRIBUTES = ['birthday', 'first_seen_at', 'last_seen_at'];
export const ATTRIBUTE_FIELDS = [...CATEGORICAL_ATTRIBUTES, 'interests', ...DATE_ATTRIBUTES];
export type AttributeKind = 'categorical' | 'interests' | 'date' | 'custom';

export function attributeKind(field: string): AttributeKind {
  if (field === 'interests') return 'interests';
  if (DATE_ATTRIBUTES.includes(field)) return 'date';
  if (field.startsWith('custom.')) return 'custom';
  return 'categorical';
}

export const ATTRIBUTE_OPERATORS: Record<AttributeKind, AttributeOperator[]> = {
  categorical: ['eq', 'in', 'exists'],
  interests: ['contains', 'exists'],
  date: ['gte', 'lte', 'exists'],
  custom: ['eq', 'in', 'gte', 'lte', 'contains', 'exists'],
};

export const FILTER_OPERATORS: FilterOperator[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'exists'];

let lastKey = 0;
const newKey = () => `node-${++lastKey}`;

export function newGroup(op: 'and' | 'or' = 'and', children: EditorNode[] = []): GroupNode {
  return { key: newKey(), kind: 'group', op, negate: false, children };
}

/** A new row of a type, preset to the most common question of that type so a user often only fills the value. */
export function defaultCondition(type: ConditionType): Condition {
  switch (type) {
    case 'attribute':
      return { type, field: 'city', operator: 'eq' };
    case 'tag':
      return { type };
    case 'trait':
      return { type, trait: 'lifecycle_stage', operator: 'eq' };
    case 'event':
      return { type, comparison: 'at_least', value: 1, window: { lastDays: 30 } };
    case 'order':
      return { type, measure: 'count', comparison: 'at_least', value: 1, window: { lastDays: 30 } };
    case 'identity':
      return { type, kind: 'phone' };
    case 'tier':
      return { type, operator: 'in', tiers: [] };
    case 'guide':
    case 'group':
      return { type, operator: 'in' };
  }
}

export function newCondition(type: ConditionType): ConditionNode {
  return { key: newKey(), kind: 'condition', negate: false, condition: defaultCondition(type) };
}

function emptyValue(value: unknown): boolean {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/** Whether a row has every input the server requires; incomplete rows hold the live count back. */
export function isComplete(condition: Condition): boolean {
  switch (condition.type) {
    case 'attribute':
    case 'trait':
      return condition.operator === 'exists' || !emptyValue(condition.value);
    case 'tag':
      return !!condition.tagId;
    case 'identity':
      return !!condition.kind;
    case 'tier':
      return condition.operator === 'at_least' ? condition.tiers.length === 1 : condition.tiers.length > 0;
    case 'guide':
      return !takesList(condition.operator) || !emptyValue(condition.guides);
    case 'group':
      return !takesList(condition.operator) || !emptyValue(condition.groups);
    case 'order':
      return condition.value !== undefined;
    case 'event':
      return (
        !!condition.name &&
        condition.value !== undefined &&
        (condition.measure === undefined || condition.measure === 'count' || !!condition.measure.sum) &&
        (condition.where ?? []).every((f) => !!f.property && (f.operator === 'exists' || !emptyValue(f.value)))
      );
  }
}

export function treeComplete(node: EditorNode): boolean {
  return node.kind === 'group'
    ? node.children.length > 0 && node.children.every(treeComplete)
    : isComplete(node.condition);
}

export type RuleJson = Record<string, unknown>;

/** The rule JSON of a tree, and for every path in it the key of the editor node it came from. */
export function toRule(root: GroupNode): { rule: RuleJson; paths: Map<string, string> } {
  const paths = new Map<string, string>();
  const build = (node: EditorNode, path: string): RuleJson => {
    paths.set(path, node.key);
    if (node.negate) {
      const inner = join(path, 'rule');
      return { op: 'not', rule: build({ ...node, negate: false }, inner) };
    }
    if (node.kind === 'condition') return conditionJson(node.condition);
    return { op: node.op, rules: node.children.map((child, i) => build(child, `${join(path, 'rules')}[${i}]`)) };
  };
  return { rule: build(root, ''), paths };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Drops keys left undefined by the inputs, since the server rejects keys it does not expect. */
function conditionJson(condition: Condition): RuleJson {
  const json: RuleJson = {};
  for (const [key, value] of Object.entries(condition)) if (value !== undefined) json[key] = value;
  if (condition.type === 'event' && condition.where?.length === 0) delete json.where;
  if (
    (condition.type === 'attribute' || condition.type === 'trait') &&
    condition.operator === 'exists' &&
    'value' in json
  ) {
    delete json.value;
  }
  if (condition.type === 'guide' && !takesList(condition.operator)) delete json.guides;
  if (condition.type === 'group' && !takesList(condition.operator)) delete json.groups;
  return json;
}

/** The key of the row a server path (`rules[1].rules[0].window.lastDays`) points into: its longest known prefix. */
export function nodeAtPath(paths: Map<string, string>, path: string): string | undefined {
  const normal = path === '(root)' ? '' : path;
  let best: { length: number; key: string } | undefined;
  for (const [prefix, key] of paths) {
    const matches =
      prefix === '' || normal === prefix || normal.startsWith(`${prefix}.`) || normal.startsWith(`${prefix}[`);
    if (matches && (!best || prefix.length >= best.length)) best = { length: prefix.length, key };
  }
  return best?.key;
}

/** A saved rule back into an editable tree; `not` becomes the node's own flag, so the editor never nests a NOT. */
export function fromRule(rule: RuleJson): GroupNode {
  const parse = (json: RuleJson): EditorNode => {
    if (json.op === 'not') {
      const inner = parse(json.rule as RuleJson);
      return { ...inner, negate: !inner.negate };
    }
    if (json.op === 'and' || json.op === 'or') {
      return newGroup(
        json.op,
        (json.rules as RuleJson[]).map((child) => parse(child)),
      );
    }
    return { key: newKey(), kind: 'condition', negate: false, condition: json as unknown as Condition };
  };
  const node = parse(rule);
  // The builder's root is always a group, so a rule that is a single condition is wrapped in one.
  return node.kind === 'group' ? node : newGroup('and', [node]);
}

/** Immutable updates of one node by key. */
export function updateNode(root: GroupNode, key: string, change: (node: EditorNode) => EditorNode | null): GroupNode {
  const visit = (node: EditorNode): EditorNode | null => {
    if (node.key === key) return change(node);
    if (node.kind === 'condition') return node;
    return { ...node, children: node.children.map(visit).filter((child): child is EditorNode => child !== null) };
  };
  return (visit(root) as GroupNode | null) ?? newGroup();
}

export function countConditions(node: EditorNode): number {
  return node.kind === 'condition' ? 1 : node.children.reduce((sum, child) => sum + countConditions(child), 0);
}
