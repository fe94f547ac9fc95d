// Random earn / spend / refund / cancel / adjust / expire sequences (fixed seeds), each step checked against a
// simple model of lots and debts, and against every invariant of the ledger check.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { Rng } from '../../demo/random.ts';
import { adjustPoints, memberPoints } from './accounts.ts';
import { runPointsExpiry } from './expiry.ts';
import { DAY, member, order, type PointsWorld, pointsWorld, tenantOf } from './fixtures/points.ts';
import { checkLedger } from './ledger-check.ts';
import { cancelSpend, spendPoints } from './redemption.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
});
afterAll(() => t.drop());

const HOUR = 3_600_000;
const SHANGHAI = 8 * HOUR;

/** End of the local (UTC+8) day twelve months after `earnedAt`, month ends clamped as PostgreSQL does. */
function expiryOf(earnedAt: number): number {
  const local = new Date(earnedAt + SHANGHAI);
  const months = local.getUTCMonth() + 12;
  const year = local.getUTCFullYear() + Math.floor(months / 12);
  const month = months % 12;
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(local.getUTCDate(), days) + 1) - SHANGHAI;
}

interface MLot {
  id: number;
  member: number;
  expiresAt: number;
  remaining: number;
}
interface MOrder {
  no: string;
  member: number;
  fen: number;
  refunded: number;
  placedAt: Date;
  earned: number;
  reversed: number;
  lot: MLot | null;
}
interface MSpend {
  key: string;
  member: number;
  takes: { lot: MLot; points: number }[];
  cancelled: boolean;
}

/** The model: lots and debts per member, with the ledger's rules written the plain way. */
class Model {
  lots: MLot[] = [];
  debt: number[];
  orders: MOrder[] = [];
  spends: MSpend[] = [];
  /** What the sequence went through, so the test can insist every interesting path was taken. */
  seen = { debt: 0, expired: 0, lazilyExpired: 0, returned: 0 };
  private nextLot = 0;
  constructor(members: number) {
    this.debt = Array.from({ length: members }, () => 0);
  }
  balance(m: number) {
    return this.lots.filter((l) => l.member === m).reduce((s, l) => s + l.remaining, 0);
  }
  open(m: number) {
    return this.lots
      .filter((l) => l.member === m && l.remaining > 0)
      .sort((a, b) => a.expiresAt - b.expiresAt || a.id - b.id);
  }
  credit(m: number, points: number, now: number): MLot | null {
    const pay = Math.min(this.debt[m]!, points);
    this.debt[m]! -= pay;
    if (points - pay <= 0) return null;
    const lot = { id: this.nextLot++, member: m, expiresAt: expiryOf(now), remaining: points - pay };
    this.lots.push(lot);
    return lot;
  }
  expireDue(m: number | null, now: number) {
    for (const l of this.lots) {
      if ((m === null || l.member === m) && l.expiresAt <= now && l.remaining > 0) {
        if (m === null) this.seen.expired++;
        else this.seen.lazilyExpired++;
        l.remaining = 0;
      }
    }
  }
  /** First-expiring-first (preferred lot first) from lots still valid: what a debit takes. */
  draw(m: number, points: number, now: number, prefer: MLot | null = null) {
    this.expireDue(m, now);
    const open = this.open(m).filter((l) => l.expiresAt > now);
    if (prefer && prefer.remaining > 0 && prefer.expiresAt > now)
      open.sort((a, b) => (a === prefer ? -1 : b === prefer ? 1 : 0));
    const takes: { lot: MLot; points: number }[] = [];
    let left = points;
    for (const l of open) {
      if (left === 0) break;
      const x = Math.min(left, l.remaining);
      l.remaining -= x;
      left -= x;
      takes.push({ lot: l, points: x });
    }
    return { takes, short: left };
  }
  returnTakes(m: number, takes: { lot: MLot; points: number }[], now: number) {
    const credits = takes
      .filter((tk) => tk.lot.expiresAt > now)
      .sort((a, b) => a.lot.expiresAt - b.lot.expiresAt || a.lot.id - b.lot.id);
    for (const c of credits) {
      const pay = Math.min(this.debt[m]!, c.points);
      this.debt[m]! -= pay;
      c.lot.remaining += c.points - pay;
      this.seen.returned++;
    }
  }
}

async function run(seed: number, steps: number) {
  const rng = new Rng(seed);
  let now = Date.parse('2026-01-05T09:00:00+08:00');
  const w: PointsWorld = await pointsWorld(t.db, `ledger-prop-${seed}`);
  const phones = [1, 2, 3].map((i) => `137${String(seed).padStart(2, '0')}00000${i}`);
  const ids: string[] = [];
  for (const phone of phones) ids.push(await member(w, phone, new Date(now)));
  const model = new Model(ids.length);
  const tenant = tenantOf(w);
  const ops: string[] = [];

  for (let step = 0; step < steps; step++) {
    now += rng.int(0, 3) * DAY + rng.int(0, 12) * HOUR;
    const at = new Date(now);
    const m = rng.int(0, ids.length - 1);
    const roll = rng.next();
    if (roll < 0.28) {
      const fen = rng.int(1, 400) * 100 + rng.int(0, 99);
      const no = `P${seed}-${step}`;
      await order(w, no, { phone: phones[m]!, paidFen: fen, placedAt: at }, at);
      const earned = Math.floor(fen / 100);
      const lot = model.credit(m, earned, now);
      model.orders.push({ no, member: m, fen, refunded: 0, placedAt: at, earned, reversed: 0, lot });
      ops.push(`earn ${m} ${earned}`);
    } else if (roll < 0.5) {
      // Mostly a share of the balance (so some lots live to expire), now and then more than there is.
      const balance = model.balance(m);
      const points =
        rng.next() < 0.15 ? rng.int(balance + 1, balance + 40) : rng.int(1, Math.max(1, Math.floor(balance / 3)));
      const key = `spend:${seed}:${step}`;
      const attempt = tenant((tx) => spendPoints(tx, w.workspaceId, ids[m]!, points, 'reward', key, at));
      const valid = model
        .open(m)
        .filter((l) => l.expiresAt > now)
        .reduce((s, l) => s + l.remaining, 0);
      if (points > valid) {
        await expect(attempt).rejects.toMatchObject({ code: 'points.insufficient_balance' });
        ops.push(`spend ${m} ${points} refused`);
      } else {
        await attempt;
        const { takes } = model.draw(m, points, now);
        model.spends.push({ key, member: m, takes, cancelled: false });
        ops.push(`spend ${m} ${points}`);
      }
    } else if (roll < 0.65) {
      const open = model.orders.filter((o) => o.refunded < o.fen);
      if (open.length === 0) continue;
      const o = rng.pick(open);
      o.refunded = rng.next() < 0.4 ? o.fen : rng.int(o.refunded + 1, o.fen);
      await order(
        w,
        o.no,
        { phone: phones[o.member]!, paidFen: o.fen, refundedFen: o.refunded, placedAt: o.placedAt },
        at,
      );
      const kept = Math.floor((o.earned * (o.fen - o.refunded)) / o.fen);
      const delta = o.earned - kept - o.reversed;
      if (delta > 0) {
        const { short } = model.draw(o.member, delta, now, o.lot);
        model.debt[o.member]! += short;
        if (short > 0) model.seen.debt++;
        o.reversed += delta;
      }
      ops.push(`refund ${o.no} → ${o.refunded}/${o.fen}, reverse ${delta}`);
    } else if (roll < 0.73) {
      const open = model.spends.filter((s) => !s.cancelled);
      if (open.length === 0) continue;
      const s = rng.pick(open);
      await tenant((tx) => cancelSpend(tx, w.workspaceId, s.key, at));
      model.returnTakes(s.member, s.takes, now);
      s.cancelled = true;
      ops.push(`cancel ${s.key}`);
    } else if (roll < 0.83) {
      // Time passes without the daily sweep (the next debit must expire what fell due on its own).
      now += rng.int(15, 90) * DAY;
      ops.push('wait');
    } else if (roll < 0.92) {
      now += rng.int(1, 30) * DAY;
      await runPointsExpiry(w.db, w.workspaceId, new Date(now));
      model.expireDue(null, now);
      ops.push('expire');
    } else {
      const plus = rng.next() < 0.6;
      const amount = rng.int(1, 200);
      const key = `adjust:${seed}:${step}`;
      const actor = { type: 'staff', id: 'prop', name: 'prop' };
      const input = { customerId: ids[m]!, points: plus ? amount : -amount, reason: 'property', key, actor };
      const attempt = tenant((tx) => adjustPoints(tx, w.workspaceId, input, at));
      if (plus) {
        await attempt;
        model.credit(m, amount, now);
      } else {
        const valid = model
          .open(m)
          .filter((l) => l.expiresAt > now)
          .reduce((s, l) => s + l.remaining, 0);
        if (amount > valid) {
          await expect(attempt).rejects.toMatchObject({ code: 'points.insufficient_balance' });
        } else {
          await attempt;
          model.draw(m, amount, now);
        }
      }
      ops.push(`adjust ${m} ${plus ? amount : -amount}`);
    }

    const context = `seed ${seed} step ${step}: ${ops.slice(-6).join(' | ')}`;
    const report = await checkLedger(w.db, { workspaceId: w.workspaceId, now: at });
    expect(report.violations, context).toEqual([]);
    for (let i = 0; i < ids.length; i++) {
      const p = await tenant((tx) => memberPoints(tx, w.workspaceId, ids[i]!, new Date(now)));
      const expected = model.open(i).map((l) => [new Date(l.expiresAt).toISOString(), l.remaining]);
      expect(
        { balance: p.balance, debt: p.debt, lots: p.lots.map((l) => [l.expiresAt, l.remaining]) },
        context,
      ).toEqual({
        balance: model.balance(i),
        debt: model.debt[i],
        lots: expected,
      });
    }
  }
  return { ops, seen: model.seen };
}

test('random earn, spend, refund, cancel, adjust and expiry sequences keep every invariant and match the model', async () => {
  for (const seed of [11, 12]) {
    const { ops, seen } = await run(seed, 240);
    // The sequences exercise every path: debts, expiry by the sweep and on the way of a debit, returns, refusals.
    const kinds = new Set(ops.map((o) => o.split(' ')[0]));
    expect([...kinds].sort()).toEqual(['adjust', 'cancel', 'earn', 'expire', 'refund', 'spend', 'wait']);
    expect(ops.some((o) => o.endsWith('refused'))).toBe(true);
    expect(seen.debt).toBeGreaterThan(0);
    expect(seen.expired).toBeGreaterThan(0);
    expect(seen.lazilyExpired).toBeGreaterThan(0);
    expect(seen.returned).toBeGreaterThan(0);
  }
});
