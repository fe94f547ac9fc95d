// Group membership as a segment condition:
// `{ type: 'group', operator: 'any' | 'none' | 'in' | 'not_in', groups?: [group ids], role?: 'koc' | 'admin' }`.
// `any`: an active member of any active customer group; `none`: of none; `in`: of one of the groups; `not_in`: of
// none of them, so customers in no group match. `role` narrows the memberships that count to those with Siyu's
// role (`none` + `koc`: a KOC in no group). Dismissed groups count for nothing. Answered by SQL: the audience engine
// re-checks customers on `community.member_joined` / `community.member_left`.
import type { ConditionType } from '../segments/index.ts';

const GROUP_OPERATORS = ['any', 'none', 'in', 'not_in'] as const;
const GROUP_ROLES = ['koc', 'admin'] as const;
const MAX_GROUPS = 50;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const groupCondition: ConditionType = {
  type: 'group',
  validate(node, check) {
    check.only(node, ['type', 'operator', 'groups', 'role']);
    const operator = check.oneOf(node, 'operator', GROUP_OPERATORS);
    check.oneOf(node, 'role', GROUP_ROLES, { optional: true });
    if (operator === 'any' || operator === 'none') {
      if (node.groups !== undefined) check.fail('unexpected', {}, 'groups');
      return;
    }
    if (!Array.isArray(node.groups) || node.groups.length === 0) check.fail('expected_string_list', {}, 'groups');
    const groups = node.groups as unknown[];
    if (groups.length > MAX_GROUPS) check.fail('too_many', { max: MAX_GROUPS }, 'groups');
    groups.forEach((id, i) => {
      if (typeof id !== 'string' || !UUID_RE.test(id)) check.at('groups').at(i).fail('expected_uuid');
    });
  },
  toSql(node, q) {
    // community_members_customer (workspace_id, customer_id) finds the customer's memberships; staff rows (no
    // customer) are outside that partial index and never match.
    let held = `FROM community_members m JOIN community_groups g ON g.workspace_id = m.workspace_id AND g.id = m.group_id
      WHERE m.workspace_id = ${q.ws} AND m.customer_id = c.id AND m.status = 'active' AND g.status = 'active'`;
    if (node.role !== undefined) held += ` AND m.role = ${q.param(node.role, 'text')}`;
    switch (node.operator) {
      case 'any':
        return `EXISTS (SELECT 1 ${held})`;
      case 'none':
        return `NOT EXISTS (SELECT 1 ${held})`;
    }
    const inGroups = `EXISTS (SELECT 1 ${held} AND m.group_id = ANY(${q.param(node.groups, 'uuid[]')}))`;
    return node.operator === 'in' ? inGroups : `NOT ${inGroups}`;
  },
};
