// The segment rule model: `and` / `or` / `not` over conditions whose types are registered by modules, and the
// validation that rejects a bad rule with the path of the bad node (`rules[1].rules[0].window.lastDays`).
import { AppError } from '../../platform/errors.ts';
import { translate } from '../../platform/i18n/index.ts';
import { attributeCondition } from './conditions/attribute.ts';
import { eventCondition } from './conditions/event.ts';
import { identityCondition } from './conditions/identity.ts';
import { orderCondition } from './conditions/order.ts';
import { tagCondition } from './conditions/tag.ts';
import { traitCondition } from './conditions/trait.ts';
import type { Check, ConditionType, Node } from './conditions/types.ts';

export type { ConditionType } from './conditions/types.ts';
export interface Condition {
  type: string;
  op?: undefined;
  [key: string]: unknown;
}
export type Rule = { op: 'and' | 'or'; rules: Rule[] } | { op: 'not'; rule: Rule } | Condition;

const MAX_DEPTH = 10;
const MAX_NODES = 200;

/** Condition types by name. Modules add theirs (tier, group, guide …) with `registerCondition`. */
export class ConditionRegistry {
  private readonly types = new Map<string, ConditionType>();

  constructor(types: readonly ConditionType[] = BUILT_IN_CONDITIONS) {
    for (const t of types) this.register(t);
  }

  register(type: ConditionType): void {
    if (this.types.has(type.type)) throw new Error(`condition type '${type.type}' is registered twice`);
    this.types.set(type.type, type);
  }

  get(type: string): ConditionType {
    const t = this.types.get(type);
    if (!t) throw new Error(`unknown condition type '${type}'`);
    return t;
  }

  names(): string[] {
    return [...this.types.keys()];
  }

  /** Throws `segment.invalid_rule` (400) with `details.path` at the first bad node; returns the rule typed. */
  validate(rule: unknown): Rule {
    let nodes = 0;
    const walk = (node: unknown, path: string, depth: number): void => {
      const check: Check = checker(path);
      if (++nodes > MAX_NODES) check.fail('too_many_nodes', { max: MAX_NODES });
      if (depth > MAX_DEPTH) check.fail('too_deep', { max: MAX_DEPTH });
      if (typeof node !== 'object' || node === null || Array.isArray(node)) check.fail('expected_object');
      const n = node as Node;
      if ('op' in n) {
        if (n.op === 'and' || n.op === 'or') {
          check.only(n, ['op', 'rules']);
          const rules = n.rules;
          if (!Array.isArray(rules)) check.fail('expected_array', {}, 'rules');
          if (rules.length === 0) check.fail('empty_group', {}, 'rules');
          for (const [i, child] of (rules as unknown[]).entries()) walk(child, join(join(path, 'rules'), i), depth + 1);
        } else if (n.op === 'not') {
          check.only(n, ['op', 'rule']);
          walk(n.rule, join(path, 'rule'), depth + 1);
        } else check.fail('unknown_op', { op: String(n.op) }, 'op');
        return;
      }
      const name = n.type;
      if (typeof name !== 'string') check.fail('expected_op_or_type');
      const type = this.types.get(name);
      if (!type) check.fail('unknown_condition', { type: name, known: this.names().join(', ') }, 'type');
      type.validate(n, check);
    };
    walk(rule, '', 0);
    return rule as Rule;
  }
}

export const BUILT_IN_CONDITIONS: readonly ConditionType[] = [
  attributeCondition,
  tagCondition,
  traitCondition,
  eventCondition,
  orderCondition,
  identityCondition,
];

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export function invalidRule(path: string, reason: string, params: Record<string, string | number> = {}): AppError {
  const where = path || '(root)';
  return new AppError(
    400,
    'segment.invalid_rule',
    {
      path: where,
      reason_zh: translate('zh-CN', `segment.rule.${reason}`, params),
      reason_en: translate('en', `segment.rule.${reason}`, params),
    },
    { path: where, reason },
  );
}

function checker(path: string): Check {
  const check: Check = {
    fail(reason, params = {}, key) {
      throw invalidRule(key === undefined ? path : join(path, key), reason, params);
    },
    string(node, key, opts = {}) {
      const v = node[key];
      if (v === undefined && opts.optional) return undefined;
      if (typeof v !== 'string' || v.length === 0) return check.fail('expected_string', {}, key);
      if (v.length > (opts.max ?? 256)) check.fail('too_long', { max: opts.max ?? 256 }, key);
      return v;
    },
    integer(node, key, opts = {}) {
      const v = node[key];
      if (v === undefined && opts.optional) return undefined;
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return check.fail('expected_integer', {}, key);
      if (opts.min !== undefined && v < opts.min) check.fail('too_small', { min: opts.min }, key);
      if (opts.max !== undefined && v > opts.max) check.fail('too_large', { max: opts.max }, key);
      return v;
    },
    oneOf(node, key, options, opts = {}) {
      const v = node[key];
      if (v === undefined && opts.optional) return undefined;
      if (typeof v !== 'string' || !(options as readonly string[]).includes(v))
        return check.fail('expected_one_of', { options: options.join(', ') }, key);
      return v as (typeof options)[number];
    },
    only(node, keys) {
      for (const key of Object.keys(node)) if (!keys.includes(key)) check.fail('unknown_key', { key }, key);
    },
    at: (key) => checker(join(path, key)),
  };
  return check;
}
