// The SQL evaluator, the ground truth: a rule compiles to one predicate over `customers c` of a workspace
// (merged-away customers excluded); counts and member pages are queries around it.
import type { Queryable } from '../../platform/db/index.ts';
import type { SqlBuilder } from './conditions/types.ts';
import type { ConditionRegistry, Rule } from './rules.ts';

export interface Compiled {
  /** `FROM customers c WHERE …` with `$1` the workspace id. */
  from: string;
  params: unknown[];
}

export function compileRule(
  registry: ConditionRegistry,
  rule: Rule,
  env: { workspaceId: string; today: number; timeZone: string },
): Compiled {
  const params: unknown[] = [env.workspaceId];
  const q: SqlBuilder = {
    ws: '$1::uuid',
    today: env.today,
    timeZone: env.timeZone,
    param: (value, cast) => {
      params.push(value instanceof Date ? value.toISOString() : value);
      return `$${params.length}::${cast}`;
    },
  };
  const walk = (node: Rule): string => {
    if (node.op !== undefined) {
      if (node.op === 'not') return `NOT (${walk(node.rule)})`;
      return `(${node.rules.map(walk).join(node.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    return `(${registry.get(node.type).toSql(node, q)})`;
  };
  const predicate = walk(rule);
  return {
    from: `FROM customers c WHERE c.workspace_id = $1::uuid AND c.merged_into IS NULL AND ${predicate}`,
    params,
  };
}

export async function sqlSeqs(db: Queryable, compiled: Compiled): Promise<number[]> {
  const rows = await db.query<{ seq: number }>(`SELECT c.seq ${compiled.from} ORDER BY c.seq`, compiled.params);
  return rows.map((r) => r.seq);
}

export async function sqlCount(db: Queryable, compiled: Compiled): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*) AS n ${compiled.from}`, compiled.params);
  return rows[0]!.n;
}

/** Seqs of one page, ordered by seq, after the cursor seq. */
export async function sqlPage(db: Queryable, compiled: Compiled, afterSeq: number, limit: number): Promise<number[]> {
  const p = compiled.params.length;
  const rows = await db.query<{ seq: number }>(
    `SELECT c.seq ${compiled.from} AND c.seq > $${p + 1} ORDER BY c.seq LIMIT $${p + 2}`,
    [...compiled.params, afterSeq, limit],
  );
  return rows.map((r) => r.seq);
}
