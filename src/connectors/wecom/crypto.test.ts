// WeCom's callback crypto against the published examples of its documentation (the WXBizMsgCrypt samples), by
// round trips with random keys and messages of every length, and by each way a message can be wrong.
import { createCipheriv, randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import {
  aesKeyOf,
  decryptMessage,
  encryptMessage,
  generateEncodingAesKey,
  msgSignature,
  openMessage,
  PAD_BLOCK,
  pkcs7Pad,
  sealMessage,
  verifySignature,
} from './crypto.ts';

// The sample corp of WeCom's 加解密 documentation and its WXBizMsgCrypt samples (C#, Java, Python, PHP alike).
const SAMPLE = {
  token: 'QDG6eK',
  receiveId: 'wx5823bf96d3bd56c7',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

test('the documented URL verification decrypts to its echostr', () => {
  const query = {
    signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
    timestamp: '1409659589',
    nonce: '263014780',
    encrypted: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  };
  expect(msgSignature(SAMPLE.token, query.timestamp, query.nonce, query.encrypted)).toBe(query.signature);
  expect(openMessage(SAMPLE, query)).toBe('1616140317555161061');
});

test('the documented POST sample verifies and decrypts to its message', () => {
  const encrypted =
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUk' +
    'SUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNX' +
    'ZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k' +
    '22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
  const message = openMessage(SAMPLE, {
    signature: '477715d11cdb4164915debcba66cb864d751f3e6',
    timestamp: '1409659813',
    nonce: '1372623149',
    encrypted,
  });
  expect(message).toBe(
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n' +
      '<FromUserName><![CDATA[mycreate]]></FromUserName>\n' +
      '<CreateTime>1409659813</CreateTime>\n' +
      '<MsgType><![CDATA[text]]></MsgType>\n' +
      '<Content><![CDATA[hello]]></Content>\n' +
      '<MsgId>4561255354251345929</MsgId>\n' +
      '<AgentID>218</AgentID>\n' +
      '</xml>',
  );
});

test('encrypting with the sample key and a fixed prefix is what WeCom’s decryptor reads back byte for byte', () => {
  const key = aesKeyOf(SAMPLE.encodingAesKey);
  const prefix = Buffer.from('aaaabbbbccccdddd');
  const message = '我是中文abcd123';
  const once = encryptMessage(key, message, SAMPLE.receiveId, prefix);
  expect(encryptMessage(key, message, SAMPLE.receiveId, prefix)).toBe(once);
  expect(decryptMessage(key, once, SAMPLE.receiveId)).toBe(message);
  // 16 + 4 + 19 bytes of UTF-8 + 18 of receive id = 57: padded with 7 bytes of 7 to 64.
  expect(Buffer.from(once, 'base64')).toHaveLength(64);
});

test('round trips with random keys, for messages of every length modulo 32, Chinese included', () => {
  for (let keyRound = 0; keyRound < 8; keyRound++) {
    const encodingAesKey = generateEncodingAesKey();
    expect(encodingAesKey).toMatch(/^[A-Za-z0-9]{43}$/);
    const keys = {
      token: randomBytes(8).toString('hex'),
      encodingAesKey,
      receiveId: `ww${randomBytes(8).toString('hex')}`,
    };
    for (let length = 0; length <= 2 * PAD_BLOCK + 1; length++) {
      for (const alphabet of ['a', '中', 'x中😀']) {
        // Whole code points: the emoji is two UTF-16 units and four UTF-8 bytes.
        const message = Array.from(alphabet.repeat(length)).slice(0, length).join('');
        const { encrypted, signature } = sealMessage(keys, message, '1700000000', '123456');
        const data = Buffer.from(encrypted, 'base64');
        expect(data.length % PAD_BLOCK).toBe(0);
        expect(openMessage(keys, { encrypted, signature, timestamp: '1700000000', nonce: '123456' })).toBe(message);
      }
    }
  }
});

test('padding always adds 1 to 32 bytes, a whole block when the data already fills one', () => {
  for (let n = 0; n <= 96; n++) {
    const padded = pkcs7Pad(Buffer.alloc(n, 1));
    const pad = padded.length - n;
    expect(padded.length % 32).toBe(0);
    expect(pad).toBeGreaterThanOrEqual(1);
    expect(pad).toBeLessThanOrEqual(32);
    expect([...padded.subarray(n)].every((b) => b === pad)).toBe(true);
  }
});

/** Raw AES-256-CBC with WeCom's IV and no padding, to build ciphertexts a correct encryptor never makes. */
function rawEncrypt(key: Buffer, plain: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
};

test('each way a message can be wrong is refused with its own code', () => {
  const key = aesKeyOf(SAMPLE.encodingAesKey);
  const good = sealMessage(SAMPLE, '<xml><a>1</a></xml>', '1700000000', '42');
  const open = (overrides: Partial<{ encrypted: string; signature: string; timestamp: string; nonce: string }>) =>
    codeOf(() => openMessage(SAMPLE, { ...good, timestamp: '1700000000', nonce: '42', ...overrides }));

  // Forged or altered: any part that went into the signature.
  expect(open({ signature: 'f'.repeat(40) })).toBe('wecom.bad_signature');
  expect(open({ signature: 'abc' })).toBe('wecom.bad_signature');
  expect(open({ timestamp: '1700000001' })).toBe('wecom.bad_signature');
  expect(open({ nonce: '43' })).toBe('wecom.bad_signature');
  expect(
    codeOf(() => openMessage({ ...SAMPLE, token: 'other' }, { ...good, timestamp: '1700000000', nonce: '42' })),
  ).toBe('wecom.bad_signature');
  expect(() =>
    verifySignature(SAMPLE.token, '1700000000', '42', good.encrypted, good.signature.toUpperCase()),
  ).not.toThrow();

  // Encrypted for another corp.
  const elsewhere = { ...SAMPLE, receiveId: 'ww0000000000000000' };
  expect(codeOf(() => openMessage(elsewhere, { ...good, timestamp: '1700000000', nonce: '42' }))).toBe(
    'wecom.wrong_receive_id',
  );

  // Corrupted padding: a last byte of 0, of 33, and a run of pad bytes that disagree.
  const body = Buffer.concat([
    randomBytes(16),
    Buffer.from([0, 0, 0, 1]),
    Buffer.from('x'),
    Buffer.from(SAMPLE.receiveId),
  ]);
  const withTail = (tail: number[]) => {
    const plain = Buffer.concat([body, Buffer.alloc(64 - body.length - tail.length, 9), Buffer.from(tail)]);
    return rawEncrypt(key, plain);
  };
  expect(codeOf(() => decryptMessage(key, withTail([0]), SAMPLE.receiveId))).toBe('wecom.bad_padding');
  expect(codeOf(() => decryptMessage(key, withTail([33]), SAMPLE.receiveId))).toBe('wecom.bad_padding');
  expect(codeOf(() => decryptMessage(key, withTail([5, 4, 4, 4]), SAMPLE.receiveId))).toBe('wecom.bad_padding');

  // Truncated: half a block missing, nothing at all, not base64. A whole 32-byte block missing still decrypts
  // block by block (CBC), so it shows as bad padding: here the cut ends inside "<xml><a>1</a", on an "a".
  const data = Buffer.from(good.encrypted, 'base64');
  expect(codeOf(() => decryptMessage(key, data.subarray(0, 32).toString('base64'), SAMPLE.receiveId))).toBe(
    'wecom.bad_padding',
  );
  expect(
    codeOf(() => decryptMessage(key, data.subarray(0, data.length - 16).toString('base64'), SAMPLE.receiveId)),
  ).toBe('wecom.truncated_ciphertext');
  expect(codeOf(() => decryptMessage(key, '', SAMPLE.receiveId))).toBe('wecom.truncated_ciphertext');
  expect(codeOf(() => decryptMessage(key, 'not base64!', SAMPLE.receiveId))).toBe('wecom.truncated_ciphertext');
  expect(codeOf(() => decryptMessage(key, good.encrypted.slice(0, -3), SAMPLE.receiveId))).toBe(
    'wecom.truncated_ciphertext',
  );

  // A length field pointing past the end of the message.
  const lying = Buffer.concat([randomBytes(16), Buffer.from([0, 0, 1, 0]), Buffer.from('short')]);
  expect(codeOf(() => decryptMessage(key, rawEncrypt(key, pkcs7Pad(lying)), SAMPLE.receiveId))).toBe(
    'wecom.bad_message_length',
  );

  // Keys of the wrong length or alphabet.
  expect(codeOf(() => aesKeyOf(SAMPLE.encodingAesKey.slice(0, 42)))).toBe('wecom.bad_aes_key');
  expect(codeOf(() => aesKeyOf(`${SAMPLE.encodingAesKey}A`))).toBe('wecom.bad_aes_key');
  expect(codeOf(() => aesKeyOf(`${SAMPLE.encodingAesKey.slice(0, 42)}=`))).toBe('wecom.bad_aes_key');
  expect(codeOf(() => encryptMessage(randomBytes(16), 'x', 'y'))).toBe('wecom.bad_aes_key');
  expect(codeOf(() => decryptMessage(randomBytes(24), good.encrypted, 'y'))).toBe('wecom.bad_aes_key');
});
