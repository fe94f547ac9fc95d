// Coupon codes: 11 random characters and a check character from an alphabet without look-alikes, so a code read
// aloud or typed at a till is hard to get wrong and a typo is caught before any lookup.
import { randomInt } from 'node:crypto';

/**
 * No 0/O, 1/I/L: the characters cashiers and members confuse. 31 symbols, so 11 random ones give 31^11 ≈ 2^54
 * codes: with millions issued in a workspace a guessed code still hits one about once in ten billion tries.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const N = CODE_ALPHABET.length;
const RANDOM_LENGTH = 11;
export const CODE_LENGTH = RANDOM_LENGTH + 1;

const symbolValue = (c: string) => CODE_ALPHABET.indexOf(c);

/**
 * A weighted sum modulo 31, the scheme of ISBN-10 over a prime: the character k-th from the right weighs k. As 31
 * is prime and neighbouring weights differ by one, every single wrong character and every swap of two different
 * neighbours changes the sum, so both mistakes people make when typing a code are caught.
 */
function weightedSum(chars: string, firstWeight: number): number {
  let sum = 0;
  let weight = firstWeight;
  for (let i = chars.length - 1; i >= 0; i--) {
    sum += weight * symbolValue(chars[i] as string);
    weight++;
  }
  return sum % N;
}

export function checkCharacter(payload: string): string {
  return CODE_ALPHABET[(N - weightedSum(payload, 2)) % N] as string;
}

/** A fresh code from the system's cryptographic random source: never sequential, never derived from anything. */
export function generateCode(): string {
  let payload = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) payload += CODE_ALPHABET[randomInt(N)];
  return payload + checkCharacter(payload);
}

/** The code as stored: what people type (lower case, spaces, dashes as printed) reduced to the canonical form. */
export function normalizeCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}

/** Whether a normalised code is well formed: the right length, only alphabet characters, a matching check. */
export function isWellFormedCode(code: string): boolean {
  if (code.length !== CODE_LENGTH) return false;
  for (const c of code) if (symbolValue(c) < 0) return false;
  return weightedSum(code, 1) === 0;
}

/** As printed on receipts and shown in the wallet: three groups of four. */
export function formatCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1-');
}
