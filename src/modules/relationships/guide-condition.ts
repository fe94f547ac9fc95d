// Guide as a segment condition: `{ type: 'guide', operator: 'any' | 'none' | 'in' | 'not_in', guides?: [staff ids] }`.
// `any`: an active WeCom relationship with anyone (a guide or a WeCom member no staff account is linked to); `none`:
// no active relationship; `in`: an active relationship with one of the guides; `not_in`: with none of them, so
// customers without guides match. A guide is found through `guides` by the WeCom user id, like ownership, so an id
// that is no guide matches nothing. Answered by SQL: the audience engine re-checks customers on
// `relationship.started` / `relationship.ended`.
import type { ConditionType } from '../segments/index.ts';

const GUIDE_OPERATORS = ['any', 'none', 'in', 'not_in'] as const;
const MAX_GUIDES = 50;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const guideCondition: ConditionType = {
  type: 'guide',
  validate(node, check) {
    check.only(node, ['type', 'operator', 'guides']);
    const operator = check.oneOf(node, 'operator', GUIDE_OPERATORS);
    if (operator === 'any' || operator === 'none') {
      if (node.guides !== undefined) check.fail('unexpected', {}, 'guides');
      return;
    }
    if (!Array.isArray(node.guides) || node.guides.length === 0) check.fail('expected_string_list', {}, 'guides');
    const guides = node.guides as unknown[];
    if (guides.length > MAX_GUIDES) check.fail('too_many', { max: MAX_GUIDES }, 'guides');
    guides.forEach((id, i) => {
      if (typeof id !== 'string' || !UUID_RE.test(id)) check.at('guides').at(i).fail('expected_uuid');
    });
  },
  toSql(node, q) {
    // customer_relationships_customer (workspace_id, customer_id) finds the customer's few relationships.
    const active = `FROM customer_relationships r WHERE r.workspace_id = ${q.ws} AND r.customer_id = c.id
      AND r.status = 'active'`;
    switch (node.operator) {
      case 'any':
        return `EXISTS (SELECT 1 ${active})`;
      case 'none':
        return `NOT EXISTS (SELECT 1 ${active})`;
    }
    const withGuide = `EXISTS (SELECT 1 ${active} AND r.wecom_userid IN (SELECT g.wecom_userid FROM guides g
      WHERE g.workspace_id = ${q.ws} AND g.staff_id = ANY(${q.param(node.guides, 'uuid[]')})))`;
    return node.operator === 'in' ? withGuide : `NOT ${withGuide}`;
  },
};
