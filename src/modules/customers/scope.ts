// The guide scope (ARCHITECTURE §3): a caller whose scope is `own` (a guide) sees and acts on only the customers
// they own, everywhere a customer can be named or listed. Ownership is the relationships module's knowledge (who
// follows whom in WeCom); this module cannot import it, so that module provides the SQL here at composition time.
// Until a provider is set, an `own` caller owns nobody: the scope fails closed.
import type { Queryable } from '../../platform/db/index.ts';
import { notFound } from '../../platform/errors.ts';
import type { Scope } from '../../platform/http/routes.ts';
import { getCustomerRow } from './profiles.ts';

/** What a caller's scope is judged by: the workspace and the scope of the request (or of a job acting for someone). */
export interface ScopedCaller {
  workspaceId: string;
  scope: Scope;
  tx: Queryable;
}

export interface CustomerOwnership {
  /**
   * A boolean SQL expression: the customer whose id is the SQL `customerId` is owned by the staff member whose id
   * is the SQL `staffId`, in the workspace `workspaceId` (each an expression: a column or a parameter reference).
   */
  ownedSql(customerId: string, workspaceId: string, staffId: string): string;
}

let ownership: CustomerOwnership | null = null;

/** Called once by the module that knows ownership (relationships) while the modules are built. */
export function provideCustomerOwnership(provider: CustomerOwnership): void {
  ownership = provider;
}

/**
 * A boolean SQL predicate limiting `customerId` (a column such as `c.id` or `m.customer_id`) to the caller's scope:
 * `TRUE` for the whole workspace, ownership for a guide. Parameters it needs are pushed onto `params`.
 *
 *     const params: unknown[] = [ctx.workspaceId];
 *     const where = `m.workspace_id = $1 AND ${scopeSql(ctx, 'm.customer_id', params)}`;
 */
export function scopeSql(
  caller: Pick<ScopedCaller, 'workspaceId' | 'scope'>,
  customerId: string,
  params: unknown[],
): string {
  if (caller.scope.kind === 'workspace') return 'TRUE';
  if (!ownership) return 'FALSE';
  params.push(caller.workspaceId, caller.scope.staffId);
  return `(${ownership.ownedSql(customerId, `$${params.length - 1}::uuid`, `$${params.length}::uuid`)})`;
}

/**
 * The customer (followed through merges to the profile it lives on now) when the caller may see it; otherwise the
 * same 404 as for a customer that does not exist, so a guide learns nothing of other guides' customers.
 * Returns the current id.
 */
export async function assertCustomerInScope(caller: ScopedCaller, customerId: string): Promise<string> {
  const row = await getCustomerRow(caller.tx, caller.workspaceId, customerId);
  if (caller.scope.kind === 'workspace') return row.id;
  const params: unknown[] = [row.id];
  const rows = await caller.tx.query<{ owned: boolean }>(
    `SELECT ${scopeSql(caller, '$1::uuid', params)} AS owned`,
    params,
  );
  if (rows[0]?.owned !== true) throw notFound('customer.not_found');
  return row.id;
}

/** Those of `customerIds` the caller may see (current ids as given; merged-away ids are left out), in no order. */
export async function customersInScope(caller: ScopedCaller, customerIds: readonly string[]): Promise<string[]> {
  if (customerIds.length === 0) return [];
  const params: unknown[] = [caller.workspaceId, [...new Set(customerIds)]];
  const rows = await caller.tx.query<{ id: string }>(
    `SELECT c.id FROM customers c
      WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[]) AND c.merged_into IS NULL AND ${scopeSql(caller, 'c.id', params)}`,
    params,
  );
  return rows.map((r) => r.id);
}
