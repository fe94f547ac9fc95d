// Has a tag: `{ type: 'tag', tagId }`.
import roaring from 'roaring';
import type { ConditionType } from './types.ts';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const tagCondition: ConditionType = {
  type: 'tag',
  validate(node, check) {
    check.only(node, ['type', 'tagId']);
    if (!UUID_RE.test(check.string(node, 'tagId')!)) check.fail('expected_uuid', {}, 'tagId');
  },
  toSql: (node, q) =>
    `EXISTS (SELECT 1 FROM customer_tags x WHERE x.workspace_id = ${q.ws} AND x.customer_id = c.id AND x.tag_id = ${q.param(node.tagId, 'uuid')})`,
  bitmap: (node, index) =>
    index.category('tag', String(node.tagId).toLowerCase())?.clone() ?? new roaring.RoaringBitmap32(),
  test: (node, index, seq) => index.category('tag', String(node.tagId).toLowerCase())?.has(seq) ?? false,
};
