// `siyu wecom-sim` as a scripted run uses it: started from the command line, driven through its control endpoints,
// its callbacks signed and encrypted with the keys it was given, stopped by a signal.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createWeComClient, TokenCache } from './client.ts';
import { generateEncodingAesKey, openMessage } from './crypto.ts';
import { parseXml, text } from './xml.ts';

const BIN = fileURLToPath(new URL('../../../bin/siyu.js', import.meta.url));
const KEYS = { token: 'cliToken', encodingAesKey: generateEncodingAesKey(), receiveId: 'wwclisim000001' };

let receiver: Server;
const received: string[] = [];
let child: ChildProcess;
let simUrl = '';
let output = '';

beforeAll(async () => {
  // Stands where Siyu's callback endpoint would: opens each callback with the keys the simulator was given.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const envelope = parseXml(Buffer.concat(chunks).toString('utf8'));
      received.push(
        openMessage(KEYS, {
          signature: url.searchParams.get('msg_signature') ?? '',
          timestamp: url.searchParams.get('timestamp') ?? '',
          nonce: url.searchParams.get('nonce') ?? '',
          encrypted: text(envelope, 'Encrypt') ?? '',
        }),
      );
      res.end('success');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;
  child = spawn(
    process.execPath,
    [
      BIN,
      'wecom-sim',
      '--port',
      '0',
      '--callback-url',
      callbackUrl,
      '--token',
      KEYS.token,
      '--aes-key',
      KEYS.encodingAesKey,
      '--corp-id',
      KEYS.receiveId,
      '--guides',
      'guide1:导购一,guide2:导购二',
    ],
    { env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  simUrl = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // The whole banner, which ends with the list of controls.
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] && output.includes('/__sim/verify-url')) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`wecom-sim exited with ${code}: ${output}`)));
  });
});
afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGTERM');
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const control = async (path: string, body?: unknown) => {
  const res = await fetch(`${simUrl}/__sim${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

test('a scripted run adds a customer, whose callback arrives signed with the given keys, and moves the clock', async () => {
  expect(output).toContain(`"apiBaseUrl":"${simUrl}"`);
  const added = await control('/customers/add', { userId: 'guide1', name: '脚本客户' });
  expect(added.status).toBe(200);
  expect(added.body.delivery).toMatchObject({ event: 'change_external_contact', status: 200, response: 'success' });
  const event = parseXml(received.at(-1) ?? '');
  expect(event).toMatchObject({
    ToUserName: KEYS.receiveId,
    ChangeType: 'add_external_contact',
    UserID: 'guide1',
    ExternalUserID: added.body.externalUserId,
    WelcomeCode: added.body.welcomeCode,
  });

  const client = createWeComClient({
    corpId: KEYS.receiveId,
    secret: 'sim-contact-secret',
    baseUrl: simUrl,
    tokens: new TokenCache(),
  });
  expect((await client.getExternalContact(added.body.externalUserId)).contact.name).toBe('脚本客户');
  expect((await control('/clock', { advanceSeconds: 25 })).status).toBe(200);
  await expect(
    client.sendWelcomeMessage({ welcomeCode: added.body.welcomeCode, text: '迟到的欢迎' }),
  ).rejects.toMatchObject({
    code: 'wecom.welcome_code_expired',
  });

  const state = await control('/state');
  expect(state.body.guides.map((g: { userId: string }) => g.userId)).toEqual(['guide1', 'guide2']);
  expect(state.body.contacts).toHaveLength(1);
  expect((await control('/customers/add', { userId: 'nobody' })).body).toMatchObject({ errcode: 60111 });
  expect((await control('/transfers/settle', { outcome: 'maybe' })).status).toBe(400);
  expect((await control('/no-such-control', {})).status).toBe(404);
});

test('bad options are refused before anything starts, and a signal stops the simulator cleanly', async () => {
  const bad = spawn(process.execPath, [BIN, 'wecom-sim', '--token', 't', '--aes-key', 'short', '--corp-id', 'ww1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  bad.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
  expect(code).not.toBe(0);
  expect(stderr).toMatch(/--aes-key.*must be 43 letters and digits/);

  child.kill('SIGTERM');
  expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
});
