// `siyu ledger check`: proves the ledger agrees with itself — every transaction balances, every cached balance and
// debt equals the sum of its account's entries, every lot's remaining equals the entries that name it and the lots
// add up to the balance, the figures on each transaction match its entries, nothing is negative, every account
// name is known. The violations are found by one statement, so a busy ledger is judged on one snapshot.
import type { LedgerCheck, LedgerViolation } from '../../contracts/points.ts';
import type { Queryable } from '../../platform/db/index.ts';

/** Violations listed per kind at most (the count of each kind is exact; the list is for reading). */
const LIST_LIMIT = 100;

const VIOLATIONS_SQL = `
WITH ent AS (
  SELECT * FROM points_entries WHERE $1::uuid IS NULL OR workspace_id = $1
), bal AS (
  SELECT * FROM points_balances WHERE $1::uuid IS NULL OR workspace_id = $1
), lot AS (
  SELECT * FROM points_lots WHERE $1::uuid IS NULL OR workspace_id = $1
), txn AS (
  SELECT * FROM points_transactions WHERE $1::uuid IS NULL OR workspace_id = $1
), member_sums AS (
  SELECT workspace_id, substr(account, 8)::uuid AS customer_id, sum(amount) AS total
    FROM ent WHERE account LIKE 'member:%' GROUP BY 1, 2
), debt_sums AS (
  SELECT workspace_id, substr(account, 6)::uuid AS customer_id, -sum(amount) AS total
    FROM ent WHERE account LIKE 'debt:%' GROUP BY 1, 2
), lot_sums AS (
  SELECT workspace_id, lot_id, sum(amount) AS total FROM ent WHERE lot_id IS NOT NULL GROUP BY 1, 2
), lot_totals AS (
  SELECT workspace_id, customer_id, sum(remaining) AS total FROM lot GROUP BY 1, 2
), tx_sums AS (
  SELECT workspace_id, transaction_id, sum(amount) AS total, count(*) AS n FROM ent GROUP BY 1, 2
), tx_figures AS (
  SELECT e.workspace_id, e.transaction_id,
         sum(e.amount) FILTER (WHERE e.account = 'member:' || t.customer_id) AS member,
         -sum(e.amount) FILTER (WHERE e.account = 'debt:' || t.customer_id) AS debt
    FROM ent e JOIN txn t ON t.workspace_id = e.workspace_id AND t.id = e.transaction_id
   GROUP BY 1, 2
), v AS (
  SELECT 'unbalanced_transaction' AS kind, t.workspace_id, t.id::text AS subject, 0::bigint AS expected,
         coalesce(s.total, 0)::bigint AS actual
    FROM txn t LEFT JOIN tx_sums s ON s.workspace_id = t.workspace_id AND s.transaction_id = t.id
   WHERE coalesce(s.total, 0) <> 0 OR coalesce(s.n, 0) < 2
  UNION ALL
  SELECT 'balance_mismatch', coalesce(b.workspace_id, s.workspace_id), coalesce(b.customer_id, s.customer_id)::text,
         coalesce(s.total, 0)::bigint, b.balance
    FROM bal b FULL JOIN member_sums s ON s.workspace_id = b.workspace_id AND s.customer_id = b.customer_id
   WHERE b.balance IS DISTINCT FROM coalesce(s.total, 0) AND (b.balance IS NOT NULL OR s.total <> 0)
  UNION ALL
  SELECT 'debt_mismatch', coalesce(b.workspace_id, s.workspace_id), coalesce(b.customer_id, s.customer_id)::text,
         coalesce(s.total, 0)::bigint, b.debt
    FROM bal b FULL JOIN debt_sums s ON s.workspace_id = b.workspace_id AND s.customer_id = b.customer_id
   WHERE b.debt IS DISTINCT FROM coalesce(s.total, 0) AND (b.debt IS NOT NULL OR s.total <> 0)
  UNION ALL
  SELECT 'lot_mismatch', l.workspace_id, l.id::text, coalesce(s.total, 0)::bigint, l.remaining
    FROM lot l LEFT JOIN lot_sums s ON s.workspace_id = l.workspace_id AND s.lot_id = l.id
   WHERE l.remaining <> coalesce(s.total, 0)
  UNION ALL
  SELECT 'lots_not_balance', b.workspace_id, b.customer_id::text, b.balance, coalesce(t.total, 0)::bigint
    FROM bal b LEFT JOIN lot_totals t ON t.workspace_id = b.workspace_id AND t.customer_id = b.customer_id
   WHERE b.balance <> coalesce(t.total, 0)
  UNION ALL
  SELECT 'negative', b.workspace_id, b.customer_id::text, NULL, least(b.balance, b.debt)
    FROM bal b WHERE b.balance < 0 OR b.debt < 0
  UNION ALL
  SELECT 'debt_with_balance', b.workspace_id, b.customer_id::text, 0, b.balance
    FROM bal b WHERE b.balance > 0 AND b.debt > 0
  UNION ALL
  SELECT 'negative_lot', l.workspace_id, l.id::text, NULL, l.remaining FROM lot l WHERE l.remaining < 0
  UNION ALL
  SELECT 'member_entry_without_lot', e.workspace_id, e.transaction_id || '/' || e.line, NULL, e.amount
    FROM ent e WHERE e.account LIKE 'member:%' AND e.lot_id IS NULL
  UNION ALL
  SELECT 'entry_on_foreign_lot', e.workspace_id, e.transaction_id || '/' || e.line, NULL, e.lot_id
    FROM ent e LEFT JOIN lot l ON l.workspace_id = e.workspace_id AND l.id = e.lot_id
   WHERE e.lot_id IS NOT NULL AND (l.id IS NULL OR e.account <> 'member:' || l.customer_id)
  UNION ALL
  SELECT 'unknown_account', e.workspace_id, e.account, NULL, e.amount
    FROM ent e
   WHERE e.account !~ '^((member|debt):[0-9a-f-]{36}|(earned|redeemed):[a-z0-9_]+|adjustment|expired|reversed)$'
  UNION ALL
  SELECT 'transaction_figures', t.workspace_id, t.id::text, coalesce(f.member, 0)::bigint, t.points
    FROM txn t LEFT JOIN tx_figures f ON f.workspace_id = t.workspace_id AND f.transaction_id = t.id
   WHERE t.points <> coalesce(f.member, 0) OR t.debt_change <> coalesce(f.debt, 0)
)
SELECT kind, workspace_id, subject, expected, actual, count(*) OVER (PARTITION BY kind)::int AS of_kind,
       row_number() OVER (PARTITION BY kind ORDER BY workspace_id, subject) AS n
  FROM v`;

const COUNTS_SQL = `
SELECT (SELECT count(DISTINCT workspace_id) FROM points_balances WHERE $1::uuid IS NULL OR workspace_id = $1)::int AS workspaces,
       (SELECT count(*) FROM points_transactions WHERE $1::uuid IS NULL OR workspace_id = $1)::bigint AS transactions,
       (SELECT count(*) FROM points_entries WHERE $1::uuid IS NULL OR workspace_id = $1)::bigint AS entries,
       (SELECT count(*) FROM points_balances WHERE $1::uuid IS NULL OR workspace_id = $1)::bigint AS accounts,
       (SELECT count(*) FROM points_lots WHERE ($1::uuid IS NULL OR workspace_id = $1) AND remaining > 0)::bigint AS lots,
       (SELECT coalesce(sum(balance), 0) FROM points_balances WHERE $1::uuid IS NULL OR workspace_id = $1)::bigint AS outstanding,
       (SELECT coalesce(sum(debt), 0) FROM points_balances WHERE $1::uuid IS NULL OR workspace_id = $1)::bigint AS debt`;

export interface LedgerCheckResult extends LedgerCheck {
  /** How many violations of each kind were found (the list holds at most LIST_LIMIT of each). */
  counts: Record<string, number>;
}

/**
 * Checks the ledger of one workspace (or of all, through an owner connection). `q` is a tenant transaction in the
 * API (row-level security confines it anyway) and the pool in the CLI, tests and benchmark.
 */
export async function checkLedger(
  q: Queryable,
  options: { workspaceId?: string | null; now: Date },
): Promise<LedgerCheckResult> {
  const ws = options.workspaceId ?? null;
  const rows = await q.query<{
    kind: string;
    workspace_id: string;
    subject: string;
    expected: number | null;
    actual: number | null;
    of_kind: number;
    n: number;
  }>(VIOLATIONS_SQL, [ws]);
  const counts: Record<string, number> = {};
  const violations: LedgerViolation[] = [];
  for (const r of rows) {
    counts[r.kind] = r.of_kind;
    if (Number(r.n) > LIST_LIMIT) continue;
    violations.push({
      kind: r.kind,
      workspaceId: r.workspace_id,
      subject: r.subject,
      expected: r.expected === null ? null : Number(r.expected),
      actual: r.actual === null ? null : Number(r.actual),
    });
  }
  const c = (await q.query<Record<string, number>>(COUNTS_SQL, [ws]))[0] ?? {};
  return {
    ok: rows.length === 0,
    workspaces: Number(c.workspaces ?? 0),
    transactions: Number(c.transactions ?? 0),
    entries: Number(c.entries ?? 0),
    memberAccounts: Number(c.accounts ?? 0),
    lots: Number(c.lots ?? 0),
    outstandingPoints: Number(c.outstanding ?? 0),
    debtPoints: Number(c.debt ?? 0),
    violations,
    counts,
    checkedAt: options.now.toISOString(),
  };
}

const DESCRIPTIONS: Record<string, string> = {
  unbalanced_transaction: 'transaction whose entries do not sum to zero (or that has fewer than two)',
  balance_mismatch: 'cached balance differs from the sum of the member account entries',
  debt_mismatch: 'cached debt differs from the sum of the debt account entries',
  lot_mismatch: "lot's remaining differs from the sum of the entries naming it",
  lots_not_balance: "member's open lots do not add up to the balance",
  negative: 'negative balance or debt',
  debt_with_balance: 'debt owed while points are held',
  negative_lot: 'negative lot',
  member_entry_without_lot: 'member-account entry that names no lot',
  entry_on_foreign_lot: 'entry naming a lot of another member (or no lot at all)',
  unknown_account: 'entry on an account of no known kind',
  transaction_figures: "transaction's points or debt change differ from its entries",
};

/** The report as `siyu ledger check` prints it. */
export function formatLedgerCheck(r: LedgerCheckResult): string {
  const n = (x: number) => x.toLocaleString('en');
  const lines = [
    `ledger check at ${r.checkedAt}: ${n(r.workspaces)} workspace(s), ${n(r.transactions)} transactions, ` +
      `${n(r.entries)} entries, ${n(r.memberAccounts)} member accounts, ${n(r.lots)} open lots`,
    `outstanding ${n(r.outstandingPoints)} points, debt ${n(r.debtPoints)} points`,
  ];
  if (r.ok) {
    lines.push(
      'OK: every transaction balances; every balance and debt equals its entries; every lot equals its entries and ' +
        'the lots add up to each balance; no negative balance, debt or lot; every account is known',
    );
    return `${lines.join('\n')}\n`;
  }
  for (const [kind, count] of Object.entries(r.counts)) {
    lines.push(`VIOLATION ${kind} ×${n(count)}: ${DESCRIPTIONS[kind] ?? kind}`);
    for (const v of r.violations.filter((x) => x.kind === kind)) {
      lines.push(`  workspace ${v.workspaceId}  ${v.subject}  expected ${v.expected ?? '—'}  found ${v.actual ?? '—'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
