// `siyu demo` and the first-start seed: builds the demo brand into a database, deterministically for a seed.
import { randomInt } from 'node:crypto';
import { bulkMembership } from '../modules/loyalty/index.ts';
import { recomputeWorkspace } from '../modules/traits/index.ts';
import { generatePassword } from '../platform/auth/secrets.ts';
import type { Db } from '../platform/db/index.ts';
import { addStaff, createWorkspace } from '../platform/workspaces.ts';
import { DEMO_BRAND, demoStaff } from './brand.ts';
import { loadDemoCustomers } from './customers.ts';
import { Rng } from './random.ts';

export interface DemoOptions {
  customers: number;
  seed: number;
  /** End of the generated history (default: today at midnight, Asia/Shanghai); with the seed it fixes the data. */
  now?: Date;
  onProgress?: (done: number, total: number) => void;
  slug?: string;
  name?: string;
}

export interface DemoResult {
  workspaceId: string;
  slug: string;
  owner: { login: string; password: string };
  staff: number;
  customers: number;
  orders: number;
  events: number;
  members: number;
}

export async function buildDemo(db: Db, options: DemoOptions): Promise<DemoResult> {
  const slug = options.slug ?? DEMO_BRAND.slug;
  // The seed fixes the workspace id too, unless a demo of the same seed already holds it under another slug.
  const derivedId = new Rng(options.seed ^ 0x5eed).uuid();
  const idTaken = (await db.query('SELECT 1 FROM workspaces WHERE id = $1', [derivedId])).length > 0;
  const workspaceId = await createWorkspace(db, {
    ...(idTaken ? {} : { id: derivedId }),
    slug,
    name: options.name ?? DEMO_BRAND.name,
  });
  const staff = demoStaff(options.seed, options.customers);
  // Only the owner's password is printed; other demo accounts get random ones an owner can reset.
  const ownerPassword = generatePassword();
  await addStaff(
    db,
    workspaceId,
    staff.map((s) => ({ ...s, password: s.role === 'owner' ? ownerPassword : generatePassword(20 + randomInt(4)) })),
  );
  const now = options.now ?? todayInShanghai();
  let history: Awaited<ReturnType<typeof loadDemoCustomers>>;
  try {
    history = await loadDemoCustomers(db, workspaceId, {
      customers: options.customers,
      seed: options.seed,
      now,
      // About a third of the brand's customers are members, with the tiers their last year of orders earned.
      membership: await bulkMembership(db, workspaceId, now),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    // The history was bulk-loaded without domain events, so traits (RFM, lifecycle, CLV, churn) are computed once
    // over the whole workspace, as the nightly job would, and not announced either: nothing listens to a workspace
    // that did not exist a moment ago, and audiences are built from the tables.
    await recomputeWorkspace(db, workspaceId, now, { announce: false });
  } catch (err) {
    // A half-built brand is worse than none: what any part of the load committed goes with the workspace.
    await db.query('DELETE FROM workspaces WHERE id = $1', [workspaceId]);
    throw err;
  }
  return {
    workspaceId,
    slug,
    owner: { login: DEMO_BRAND.ownerEmail, password: ownerPassword },
    staff: staff.length,
    customers: history.customers,
    orders: history.orders,
    events: history.events,
    members: history.members,
  };
}

/** Midnight today in Asia/Shanghai: the default end of the demo's history, so one day's runs agree. */
function todayInShanghai(): Date {
  const offset = 8 * 3_600_000;
  return new Date(Math.floor((Date.now() + offset) / 86_400_000) * 86_400_000 - offset);
}
