// Tier as a segment condition: `{ type: 'tier', operator: 'in' | 'not_in' | 'at_least', tiers: [codes] }` (`operator`
// like the other conditions: the rule model reads any node with an `op` as and / or / not).
// Only members (active or frozen) have a tier: `in` matches members in one of the tiers, `not_in` members in none
// of them, `at_least` (one code) members whose tier ranks at or above it. Non-members match none of the three (wrap
// in `not` for "not a gold member, members or not"). A code no tier has matches nothing. Answered by SQL: the
// audience engine caches the answer until the index changes, and `member.tier_changed` is one of its events.
import type { ConditionType } from '../segments/index.ts';

export const TIER_OPERATORS = ['in', 'not_in', 'at_least'] as const;
const CODE_RE = /^[a-z][a-z0-9_]{0,31}$/;

export const tierCondition: ConditionType = {
  type: 'tier',
  validate(node, check) {
    check.only(node, ['type', 'operator', 'tiers']);
    const operator = check.oneOf(node, 'operator', TIER_OPERATORS);
    if (!Array.isArray(node.tiers) || node.tiers.length === 0) check.fail('expected_string_list', {}, 'tiers');
    const tiers = node.tiers as unknown[];
    if (tiers.length > 50) check.fail('too_many', { max: 50 }, 'tiers');
    tiers.forEach((code, i) => {
      if (typeof code !== 'string' || !CODE_RE.test(code)) check.at('tiers').at(i).fail('expected_tier_code');
    });
    if (operator === 'at_least' && tiers.length !== 1) check.fail('too_many', { max: 1 }, 'tiers');
  },
  toSql(node, q) {
    const codes = q.param(node.tiers, 'text[]');
    const held = `FROM members x JOIN tiers t ON t.workspace_id = x.workspace_id AND t.id = x.tier_id
      WHERE x.workspace_id = ${q.ws} AND x.customer_id = c.id AND x.status IN ('active', 'frozen')`;
    switch (node.operator) {
      case 'in':
        return `EXISTS (SELECT 1 ${held} AND t.code = ANY(${codes}))`;
      case 'not_in':
        return `EXISTS (SELECT 1 ${held} AND NOT (t.code = ANY(${codes})))`;
      default:
        return `EXISTS (SELECT 1 ${held} AND t.rank >= (SELECT f.rank FROM tiers f WHERE f.workspace_id = ${q.ws} AND f.code = (${codes})[1]))`;
    }
  },
};
