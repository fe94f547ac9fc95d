import { fullFormats } from 'ajv-formats/dist/formats.js';
import { expect, test } from 'vitest';
import { Rng } from '../../demo/random.ts';
import { isDateTime } from './formats.ts';

const reference = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate;

test('date-time answers as ajv-formats does on the edge cases', () => {
  const cases = [
    '2026-11-24T12:00:00Z',
    '2026-11-24t12:00:00z',
    '2026-11-24 12:00:00+08:00',
    '2026-11-24\u300012:00:00+0800',
    '2026-11-24T12:00:00.123456789+08',
    '2026-11-24T12:00:00.+08:00',
    '2026-11-24T12:00:00',
    '2026-11-24T12:00:00+8:00',
    '2026-11-24T12:00:00+08:0',
    '2026-11-24T12:00:00+24:00',
    '2026-11-24T12:00:00+08:60',
    '2026-11-24T12:00:00+08::00',
    '2026-11-24T12:00:00Zx',
    '2026-11-24TT12:00:00Z',
    '2026-02-29T00:00:00Z',
    '2024-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-13-10T00:00:00Z',
    '2026-12-00T00:00:00Z',
    '2026-12-31T23:59:60Z',
    '2026-12-31T23:59:60.5Z',
    '2026-12-31T23:59:61Z',
    '2026-12-31T23:58:60Z',
    '2027-01-01T07:59:60+08:00',
    '2026-12-31T15:59:60-08:00',
    '2026-12-31T24:59:30+01:00',
    '2026-12-31T00:60:00+00:01',
    '2026-12-31T99:99:99Z',
    '２０２６-11-24T12:00:00Z',
    '2026-11-24T12:00:00.１Z',
    '',
    'not a date',
  ];
  for (const text of cases) expect([text, isDateTime(text)]).toEqual([text, reference(text)]);
});

test('date-time answers as ajv-formats does on 200,000 random near-timestamps', () => {
  const rng = new Rng(7);
  const alphabet = ['0', '1', '2', '3', '5', '6', '9', '-', ':', '.', 'T', 't', ' ', '\t', 'Z', 'z', '+', 'x', '６'];
  const zones = ['Z', 'z', '+08:00', '-05:30', '+0800', '+08', '-23:59', '+24:00', '+08:60', '', '+8', '+08:0'];
  let accepted = 0;
  for (let n = 0; n < 200_000; n++) {
    const pad = (v: number) => String(v).padStart(2, '0');
    let text =
      `${String(rng.int(0, 2400)).padStart(4, '0')}-${pad(rng.int(0, 13))}-${pad(rng.int(0, 32))}` +
      `${rng.pick(['T', 't', ' ', 'T', 'T'])}${pad(rng.int(0, 25))}:${pad(rng.int(0, 61))}:${pad(rng.int(0, 61))}` +
      `${rng.pick(['', '', '.1', '.123', '.', '.5x'])}${rng.pick(zones)}`;
    // Some are left as they are, the others get a character changed, inserted or removed somewhere.
    const edit = rng.int(0, 3);
    const at = rng.int(0, text.length);
    if (edit === 1) text = text.slice(0, at) + rng.pick(alphabet) + text.slice(at + 1);
    if (edit === 2) text = text.slice(0, at) + rng.pick(alphabet) + text.slice(at);
    if (edit === 3) text = text.slice(0, at) + text.slice(at + 1);
    const expected = reference(text);
    if (isDateTime(text) !== expected) expect([text, isDateTime(text)]).toEqual([text, expected]);
    if (expected) accepted++;
  }
  // Both answers occur often enough for the comparison to mean something.
  expect(accepted).toBeGreaterThan(10_000);
  expect(accepted).toBeLessThan(180_000);
});
