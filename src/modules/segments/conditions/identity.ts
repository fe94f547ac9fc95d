// Has an identity of a kind (a phone, a WeCom external contact …): `{ type: 'identity', kind: 'phone' }`.
import roaring from 'roaring';
import { IDENTITY_KINDS } from '../../../contracts/identity-kinds.ts';
import type { ConditionType } from './types.ts';

export const identityCondition: ConditionType = {
  type: 'identity',
  validate(node, check) {
    check.only(node, ['type', 'kind']);
    check.oneOf(node, 'kind', IDENTITY_KINDS);
  },
  toSql: (node, q) =>
    `EXISTS (SELECT 1 FROM customer_identities x WHERE x.workspace_id = ${q.ws} AND x.customer_id = c.id AND x.kind = ${q.param(node.kind, 'text')})`,
  bitmap: (node, index) => index.category('identity', String(node.kind))?.clone() ?? new roaring.RoaringBitmap32(),
  test: (node, index, seq) => index.category('identity', String(node.kind))?.has(seq) ?? false,
};
