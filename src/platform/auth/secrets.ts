// Passwords (argon2id) and random tokens (session ids, API keys, CSRF tokens, generated passwords).
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane); @node-rs/argon2 defaults to argon2id.
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  // With no account, still spend the time of one verification so response time does not reveal which logins exist.
  const target = storedHash ?? DUMMY_HASH;
  const ok = await verify(target, password).catch(() => false);
  return ok && storedHash !== null;
}
const DUMMY_HASH = await hash('siyu-no-such-account', ARGON2);

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** SHA-256 suffices for high-entropy random secrets (API keys, session tokens); argon2 is for passwords. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** A 16-character password without look-alike characters, for the demo owner and new staff. */
export function generatePassword(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}
