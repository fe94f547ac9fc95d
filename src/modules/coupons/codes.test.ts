// Coupon codes: unambiguous characters, a check character that catches typos, random rather than sequential.
import { expect, test } from 'vitest';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  checkCharacter,
  formatCode,
  generateCode,
  isWellFormedCode,
  normalizeCode,
} from './codes.ts';

test('codes are 12 characters of an alphabet without 0, O, 1, I or L, and carry a valid check character', () => {
  expect(CODE_ALPHABET).toHaveLength(31);
  for (const c of '01ILO') expect(CODE_ALPHABET).not.toContain(c);
  for (let i = 0; i < 2000; i++) {
    const code = generateCode();
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{12}$/);
    expect(code).toHaveLength(CODE_LENGTH);
    expect(isWellFormedCode(code)).toBe(true);
  }
});

test('every single wrong character and every swap of two different neighbours is caught', () => {
  const code = generateCode();
  for (let i = 0; i < code.length; i++) {
    for (const c of CODE_ALPHABET) {
      if (c === code[i]) continue;
      expect(isWellFormedCode(code.slice(0, i) + c + code.slice(i + 1))).toBe(false);
    }
    if (i + 1 < code.length && code[i] !== code[i + 1]) {
      const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
      expect(isWellFormedCode(swapped)).toBe(false);
    }
  }
});

test('codes are drawn at random: 50,000 are all different and share no running order', () => {
  const codes = Array.from({ length: 50_000 }, generateCode);
  expect(new Set(codes).size).toBe(codes.length);
  // Consecutive draws are not neighbours: their first characters agree about as often as chance says (1 in 31).
  let samePrefix = 0;
  for (let i = 1; i < codes.length; i++) if (codes[i]!.slice(0, 2) === codes[i - 1]!.slice(0, 2)) samePrefix++;
  expect(samePrefix).toBeLessThan(codes.length / 200);
});

test('what people type is read back to the canonical code; printing groups it in fours', () => {
  const code = generateCode();
  const printed = formatCode(code);
  expect(printed).toMatch(/^.{4}-.{4}-.{4}$/);
  expect(normalizeCode(printed)).toBe(code);
  expect(normalizeCode(` ${printed.toLowerCase().replace(/-/g, ' ')} `)).toBe(code);
  expect(isWellFormedCode('ABC')).toBe(false);
  expect(isWellFormedCode(`${code.slice(0, 11)}0`)).toBe(false);
  const payload = code.slice(0, 11);
  expect(payload + checkCharacter(payload)).toBe(code);
});
