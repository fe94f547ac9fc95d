// WeCom's callback protocol (企业微信 加解密方案): the msg_signature and the AES-256-CBC envelope, with node's own
// crypto. Every way a message can be wrong fails with its own stable error code.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../platform/errors.ts';

/**
 * WeCom pads to 32-byte blocks, not AES's 16: node's automatic PKCS#7 padding would add 1–16 bytes where WeCom adds
 * 1–32, so padding is done here and the cipher's own is switched off.
 */
export const PAD_BLOCK = 32;
const RANDOM_PREFIX = 16;
const LENGTH_FIELD = 4;

const fail = (status: number, code: string) => new AppError(status, code);

/** The secrets of one callback receiver: the Token, the EncodingAESKey and the receive id (the CorpID). */
export interface CallbackKeys {
  token: string;
  encodingAesKey: string;
  receiveId: string;
}

/**
 * The AES key of an EncodingAESKey: 43 characters of base64 (WeCom only generates letters and digits) that decode,
 * with the `=` WeCom leaves off, to 32 bytes. The IV is the key's first 16 bytes.
 */
export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw fail(400, 'wecom.bad_aes_key');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw fail(400, 'wecom.bad_aes_key');
  return key;
}

/** A random EncodingAESKey of the kind WeCom's admin page generates (43 letters and digits). */
export function generateEncodingAesKey(): string {
  // Base64 of 32 random bytes is 43 characters plus '='; '+' and '/' are redrawn so it is letters and digits only.
  for (;;) {
    const candidate = randomBytes(32).toString('base64').slice(0, 43);
    if (/^[A-Za-z0-9]{43}$/.test(candidate)) return candidate;
  }
}

/** SHA-1 hex over the lexicographically sorted token, timestamp, nonce and ciphertext, joined without separator. */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  const parts = [token, timestamp, nonce, encrypted].sort();
  return createHash('sha1').update(parts.join(''), 'utf8').digest('hex');
}

/** Checks a msg_signature in constant time; a forged or altered message fails with `wecom.bad_signature`. */
export function verifySignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
  signature: string,
): void {
  const expected = Buffer.from(msgSignature(token, timestamp, nonce, encrypted), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw fail(403, 'wecom.bad_signature');
}

export function pkcs7Pad(data: Buffer, block = PAD_BLOCK): Buffer {
  const pad = block - (data.length % block);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

/** Removes WeCom's padding: the last byte says how many (1–32), and every one of those bytes must say the same. */
export function pkcs7Unpad(data: Buffer, block = PAD_BLOCK): Buffer {
  const pad = data[data.length - 1] ?? 0;
  if (pad < 1 || pad > block || pad > data.length) throw fail(400, 'wecom.bad_padding');
  for (let i = data.length - pad; i < data.length; i++) if (data[i] !== pad) throw fail(400, 'wecom.bad_padding');
  return data.subarray(0, data.length - pad);
}

/**
 * Encrypts `message` for `receiveId`: 16 random bytes, the message's UTF-8 length as 4 bytes big-endian, the
 * message, the receive id; padded to 32-byte blocks; AES-256-CBC; base64. `random` fixes the prefix (tests).
 */
export function encryptMessage(key: Buffer, message: string, receiveId: string, random?: Buffer): string {
  if (key.length !== 32) throw fail(400, 'wecom.bad_aes_key');
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(LENGTH_FIELD);
  length.writeUInt32BE(body.length, 0);
  const prefix = random ?? randomBytes(RANDOM_PREFIX);
  if (prefix.length !== RANDOM_PREFIX) throw new Error('the random prefix is 16 bytes');
  const plain = pkcs7Pad(Buffer.concat([prefix, length, body, Buffer.from(receiveId, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/**
 * Decrypts a message and checks that it was meant for `receiveId`. Fails with `wecom.truncated_ciphertext` (not
 * base64, or not whole 32-byte blocks), `wecom.bad_padding`, `wecom.bad_message_length` (the length field points
 * past the end) or `wecom.wrong_receive_id`.
 */
export function decryptMessage(key: Buffer, encrypted: string, receiveId: string): string {
  if (key.length !== 32) throw fail(400, 'wecom.bad_aes_key');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted) || encrypted.length % 4 !== 0) {
    throw fail(400, 'wecom.truncated_ciphertext');
  }
  const data = Buffer.from(encrypted, 'base64');
  // Whole 32-byte blocks, and at least one: the 20 bytes of prefix and length alone pad to 32.
  if (data.length === 0 || data.length % PAD_BLOCK !== 0) throw fail(400, 'wecom.truncated_ciphertext');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = pkcs7Unpad(Buffer.concat([decipher.update(data), decipher.final()]));
  if (plain.length < RANDOM_PREFIX + LENGTH_FIELD) throw fail(400, 'wecom.bad_message_length');
  const length = plain.readUInt32BE(RANDOM_PREFIX);
  const start = RANDOM_PREFIX + LENGTH_FIELD;
  if (start + length > plain.length) throw fail(400, 'wecom.bad_message_length');
  const message = plain.subarray(start, start + length);
  const to = plain.subarray(start + length);
  const expected = Buffer.from(receiveId, 'utf8');
  if (to.length !== expected.length || !timingSafeEqual(to, expected)) throw fail(403, 'wecom.wrong_receive_id');
  return message.toString('utf8');
}

export interface SignedMessage {
  timestamp: string;
  nonce: string;
  encrypted: string;
  signature: string;
}

/** Verifies and decrypts one callback (the echostr of a URL verification, or the Encrypt of an event). */
export function openMessage(keys: CallbackKeys, msg: SignedMessage): string {
  verifySignature(keys.token, msg.timestamp, msg.nonce, msg.encrypted, msg.signature);
  return decryptMessage(aesKeyOf(keys.encodingAesKey), msg.encrypted, keys.receiveId);
}

/** Encrypts and signs a message the way WeCom sends one (the simulator's side of `openMessage`). */
export function sealMessage(
  keys: CallbackKeys,
  message: string,
  timestamp: string,
  nonce: string,
): { encrypted: string; signature: string } {
  const encrypted = encryptMessage(aesKeyOf(keys.encodingAesKey), message, keys.receiveId);
  return { encrypted, signature: msgSignature(keys.token, timestamp, nonce, encrypted) };
}
