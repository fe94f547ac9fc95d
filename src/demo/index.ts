// `siyu demo` and the first-start seed: builds the demo brand into a database, deterministically for a seed.
import { randomInt } from 'node:crypto';
import { generatePassword } from '../platform/auth/secrets.ts';
import type { Db } from '../platform/db/index.ts';
import { addStaff, createWorkspace } from '../platform/workspaces.ts';
import { DEMO_BRAND, demoStaff } from './brand.ts';
import { Rng } from './random.ts';

export interface DemoOptions {
  customers: number;
  seed: number;
  slug?: string;
  name?: string;
}

export interface DemoResult {
  workspaceId: string;
  slug: string;
  owner: { login: string; password: string };
  staff: number;
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
  return { workspaceId, slug, owner: { login: DEMO_BRAND.ownerEmail, password: ownerPassword }, staff: staff.length };
}
