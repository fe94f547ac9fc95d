// What a condition type provides: validation that names the bad node, a SQL predicate (the ground truth), and an
// optional bitmap evaluator over the audience index (null when the index does not cover the node: SQL decides).
import type { Bitmap } from '../audience/bsi.ts';
import type { WorkspaceIndex } from '../audience/workspace-index.ts';

export type Node = Record<string, unknown>;

/** Collects parameters while a rule compiles to SQL; predicates refer to the customer as alias `c`. */
export interface SqlBuilder {
  param(value: unknown, cast: string): string;
  /** Placeholder of the workspace id, for uncorrelated subqueries. */
  ws: string;
  /** Local day number of "today" in the workspace's time zone: windows are whole days. */
  today: number;
  timeZone: string;
}

export interface Check {
  /** Throws `segment.invalid_rule` pointing at `<node path>.<key>` (or the node itself when key is omitted). */
  fail(reason: string, params?: Record<string, string | number>, key?: string): never;
  string(node: Node, key: string, opts?: { optional?: boolean; max?: number }): string | undefined;
  integer(node: Node, key: string, opts?: { min?: number; max?: number; optional?: boolean }): number | undefined;
  oneOf<T extends string>(node: Node, key: string, options: readonly T[], opts?: { optional?: boolean }): T | undefined;
  only(node: Node, keys: readonly string[]): void;
  /** Validates a nested value at `<node path>.<key>`. */
  at(key: string | number): Check;
}

export interface ConditionType {
  type: string;
  validate(node: Node, check: Check): void;
  toSql(node: Node, q: SqlBuilder): string;
  /** Customers matching the node from the index; null sends the node to SQL. */
  bitmap?(node: Node, index: WorkspaceIndex): Bitmap | null;
  /** Whether one customer matches, from the index; null sends the node to SQL. */
  test?(node: Node, index: WorkspaceIndex, seq: number): boolean | null;
}
