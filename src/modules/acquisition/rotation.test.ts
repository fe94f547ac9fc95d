// Who a channel live code shows, with an injected clock: round-robin takes turns, weighted follows the weights,
// caps and working hours (in the workspace's time zone) take guides out, the backup steps in when nobody is left,
// and without a backup the whole active pool is shown rather than a QR code that fails.
import { describe, expect, test } from 'vitest';
import { type PoolMember, type RotationInput, rotate, withinHours } from './rotation.ts';

const guide = (staffId: string, extra: Partial<PoolMember> = {}): PoolMember => ({
  staffId,
  wecomUserId: `wx_${staffId}`,
  weight: 1,
  active: true,
  addsToday: 0,
  ...extra,
});

/** Wednesday 2026-03-04 10:00 in Shanghai (02:00 UTC). */
const WEDNESDAY_10 = new Date('2026-03-04T02:00:00Z');

const base = (pool: PoolMember[], extra: Partial<RotationInput> = {}): RotationInput => ({
  mode: 'round_robin',
  pool,
  dailyCap: null,
  workingHours: null,
  timezone: 'Asia/Shanghai',
  at: WEDNESDAY_10,
  backup: null,
  current: null,
  swrr: {},
  advance: false,
  ...extra,
});

/** Runs `adds` adds through a code, each advancing the rotation, and returns who was shown for each. */
function run(input: RotationInput, adds: number): string[] {
  let state = rotate(input);
  const shown = [state.current as string];
  for (let i = 1; i < adds; i++) {
    state = rotate({ ...input, current: state.current, swrr: state.swrr, advance: true });
    shown.push(state.current as string);
  }
  return shown;
}

describe('round-robin', () => {
  test('shows one guide at a time and moves on in pool order after each add, wrapping around', () => {
    expect(run(base([guide('a'), guide('b'), guide('c')]), 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    const first = rotate(base([guide('a'), guide('b')]));
    expect(first).toMatchObject({ userIds: ['wx_a'], exposure: 'pool', current: 'a' });
  });

  test('keeps the current guide until an add, and skips guides who are not available', () => {
    const pool = [guide('a'), guide('b', { active: false }), guide('c')];
    expect(rotate(base(pool, { current: 'c' }))).toMatchObject({ current: 'c', userIds: ['wx_c'] });
    expect(rotate(base(pool, { current: 'a', advance: true }))).toMatchObject({ current: 'c' });
    expect(rotate(base(pool, { current: 'c', advance: true }))).toMatchObject({ current: 'a' });
    // The current guide resigned: the next available one takes over without an add.
    expect(rotate(base(pool, { current: 'b' }))).toMatchObject({ current: 'c' });
  });

  test('a guide at the daily cap is passed over; the only one left stays on', () => {
    const pool = [guide('a', { addsToday: 2 }), guide('b', { addsToday: 1 }), guide('c', { addsToday: 2 })];
    const capped = rotate(base(pool, { dailyCap: 2, current: 'a', advance: true }));
    expect(capped).toMatchObject({ current: 'b', userIds: ['wx_b'], available: ['b'] });
    expect(rotate(base(pool, { dailyCap: 2, current: 'b', advance: true }))).toMatchObject({ current: 'b' });
  });
});

describe('weighted', () => {
  test('adds follow the weights exactly, spread out rather than in runs', () => {
    const pool = [guide('a', { weight: 3 }), guide('b', { weight: 1 }), guide('c', { weight: 2 })];
    const shown = run(base(pool, { mode: 'weighted' }), 12);
    expect(shown.filter((s) => s === 'a')).toHaveLength(6);
    expect(shown.filter((s) => s === 'b')).toHaveLength(2);
    expect(shown.filter((s) => s === 'c')).toHaveLength(4);
    // Smooth weighted round-robin never gives the heaviest guide more than two in a row here.
    expect(shown.slice(0, 6)).toEqual(['a', 'c', 'a', 'b', 'c', 'a']);
  });

  test('an unavailable guide drops out and the others share by their weights', () => {
    const pool = [guide('a', { weight: 1 }), guide('b', { weight: 5, active: false }), guide('c', { weight: 1 })];
    const shown = run(base(pool, { mode: 'weighted' }), 6);
    expect(shown.filter((s) => s === 'a')).toHaveLength(3);
    expect(shown.filter((s) => s === 'c')).toHaveLength(3);
    expect(shown).not.toContain('b');
  });
});

describe('all at once', () => {
  test('shows every available guide in pool order and lets WeCom spread the adds', () => {
    const pool = [guide('a'), guide('b', { addsToday: 5 }), guide('c')];
    expect(rotate(base(pool, { mode: 'all', dailyCap: 5 }))).toMatchObject({
      userIds: ['wx_a', 'wx_c'],
      exposure: 'pool',
      current: null,
    });
  });
});

describe('working hours, backup and fallback', () => {
  const hours = { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' };

  test('working hours are read in the workspace time zone, from inclusive, to exclusive', () => {
    // 02:00 UTC is 10:00 in Shanghai but 02:00 in London and 21:00 the day before in New York.
    expect(withinHours(hours, 'Asia/Shanghai', WEDNESDAY_10)).toBe(true);
    expect(withinHours(hours, 'Europe/London', WEDNESDAY_10)).toBe(false);
    expect(withinHours(hours, 'America/New_York', WEDNESDAY_10)).toBe(false);
    expect(withinHours(hours, 'Asia/Shanghai', new Date('2026-03-04T01:00:00Z'))).toBe(true); // 09:00
    expect(withinHours(hours, 'Asia/Shanghai', new Date('2026-03-04T00:59:00Z'))).toBe(false); // 08:59
    expect(withinHours(hours, 'Asia/Shanghai', new Date('2026-03-04T10:00:00Z'))).toBe(false); // 18:00
    // Saturday 10:00 in Shanghai.
    expect(withinHours(hours, 'Asia/Shanghai', new Date('2026-03-07T02:00:00Z'))).toBe(false);
    expect(
      withinHours({ days: [6], from: '00:00', to: '24:00' }, 'Asia/Shanghai', new Date('2026-03-07T15:59:00Z')),
    ).toBe(true);
  });

  test('outside working hours the backup guide is shown, and the pool returns when the hours begin', () => {
    const pool = [guide('a'), guide('b')];
    const backup = { staffId: 'z', wecomUserId: 'wx_z', active: true };
    const evening = new Date('2026-03-04T11:30:00Z'); // 19:30 in Shanghai
    expect(rotate(base(pool, { workingHours: hours, backup, at: evening, current: 'b' }))).toMatchObject({
      userIds: ['wx_z'],
      exposure: 'backup',
      current: 'b',
      available: [],
    });
    expect(rotate(base(pool, { workingHours: hours, backup, current: 'b' }))).toMatchObject({
      userIds: ['wx_b'],
      exposure: 'pool',
    });
  });

  test('the backup also covers a pool whose guides are all capped', () => {
    const pool = [guide('a', { addsToday: 3 }), guide('b', { addsToday: 3 })];
    const backup = { staffId: 'z', wecomUserId: 'wx_z', active: true };
    expect(rotate(base(pool, { mode: 'all', dailyCap: 3, backup }))).toMatchObject({
      userIds: ['wx_z'],
      exposure: 'backup',
    });
  });

  test('with no backup (or a resigned one) the active pool is shown despite caps and hours', () => {
    const pool = [guide('a', { addsToday: 3 }), guide('b', { active: false }), guide('c', { addsToday: 3 })];
    const resigned = { staffId: 'z', wecomUserId: 'wx_z', active: false };
    for (const backup of [null, resigned]) {
      expect(rotate(base(pool, { dailyCap: 3, backup }))).toMatchObject({
        userIds: ['wx_a', 'wx_c'],
        exposure: 'fallback',
      });
    }
  });
});
