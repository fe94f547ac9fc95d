// `siyu wecom-sim`: runs the WeCom simulator on loopback until stopped, for scripted runs against a running Siyu
// and for the demo. It prints its URL, the settings to save in the Siyu workspace, and its control endpoints.
import { type Command, InvalidArgumentError } from 'commander';
import { aesKeyOf } from './crypto.ts';
import { startSimulator } from './simulator.ts';

export interface WeComSimCliDeps {
  stdout?: (text: string) => void;
  /** Resolves when the simulator should stop; SIGINT or SIGTERM by default. */
  stopped?: () => Promise<void>;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0 for any)');
  return n;
}

function pattern(re: RegExp, what: string) {
  return (value: string) => {
    if (!re.test(value)) throw new InvalidArgumentError(what);
    return value;
  };
}

function encodingAesKey(value: string): string {
  try {
    aesKeyOf(value);
  } catch {
    throw new InvalidArgumentError('must be 43 letters and digits (an EncodingAESKey)');
  }
  return value;
}

/** `userId:名字,userId:名字` */
function guides(value: string): { userId: string; name: string }[] {
  return value.split(',').map((entry) => {
    const [userId, name] = entry.split(':');
    if (!userId || !/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) throw new InvalidArgumentError(`bad guide "${entry}"`);
    return { userId, name: name || userId };
  });
}

const DEFAULT_GUIDES = 'zhangsan:张三,lisi:李四,wangwu:王五';

const untilSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

const CONTROLS = [
  'GET  /__sim/state',
  'POST /__sim/guides                 {userId, name}',
  'POST /__sim/guides/resign          {userId}',
  'POST /__sim/customers/add          {userId | configId, externalUserId?, name?, half?}',
  'POST /__sim/customers/edit         {userId, externalUserId, remark?, description?}',
  'POST /__sim/customers/delete-guide {externalUserId, userId}',
  'POST /__sim/guides/delete-customer {userId, externalUserId}',
  'POST /__sim/transfers/settle       {outcome: accept|refuse|limit, externalUserIds?}',
  'POST /__sim/groups                 {owner, name, memberIds?}',
  'POST /__sim/groups/:chatId/join    {memberIds, joinScene?, invitor?}',
  'POST /__sim/groups/:chatId/quit    {memberIds, quitScene?}',
  'POST /__sim/groups/:chatId/rename  {name}',
  'POST /__sim/groups/:chatId/owner   {owner}',
  'POST /__sim/groups/:chatId/dismiss',
  'POST /__sim/tags/shuffle           {groupId?}',
  'POST /__sim/messages/confirm       {msgId, userId}',
  'POST /__sim/tokens/expire',
  'POST /__sim/fail-next              {api, errcode, errmsg?}',
  'POST /__sim/clock                  {advanceSeconds}',
  'POST /__sim/verify-url',
];

export function wecomSimCommand(program: Command, deps: WeComSimCliDeps = {}): Command {
  const out = deps.stdout ?? ((t: string) => process.stdout.write(t));
  return program
    .command('wecom-sim')
    .description('run a WeCom simulator on loopback: the external-contact API, and signed callbacks to Siyu')
    .option('--port <port>', 'port to listen on (0 picks a free one)', port, 0)
    .option(
      '--callback-url <url>',
      "Siyu's callback URL, e.g. http://127.0.0.1:3000/api/wecom/callback/chayu",
      pattern(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
    )
    .requiredOption(
      '--token <token>',
      'callback Token (as saved in Siyu)',
      pattern(/^[A-Za-z0-9]{1,32}$/, 'must be 1–32 letters and digits'),
    )
    .requiredOption('--aes-key <key>', 'callback EncodingAESKey (as saved in Siyu)', encodingAesKey)
    .requiredOption(
      '--corp-id <id>',
      'CorpID (as saved in Siyu)',
      pattern(/^[A-Za-z0-9_-]{1,64}$/, 'must be a CorpID such as ww…'),
    )
    .option('--agent-id <id>', 'AgentID sent in callbacks', port)
    .option('--contact-secret <secret>', 'customer-contact secret gettoken accepts', 'sim-contact-secret')
    .option('--app-secret <secret>', 'self-built app secret gettoken accepts', 'sim-app-secret')
    .option('--guides <list>', `guides as userId:name,… (default: ${DEFAULT_GUIDES})`, guides)
    .option('--seed <n>', 'fixes generated ids', (v: string) => port(v))
    .action(
      async (opts: {
        port: number;
        callbackUrl?: string;
        token: string;
        aesKey: string;
        corpId: string;
        agentId?: number;
        contactSecret: string;
        appSecret: string;
        guides?: { userId: string; name: string }[];
        seed?: number;
      }) => {
        const sim = await startSimulator({
          corpId: opts.corpId,
          token: opts.token,
          encodingAesKey: opts.aesKey,
          callbackUrl: opts.callbackUrl ?? null,
          contactSecret: opts.contactSecret,
          appSecret: opts.appSecret,
          port: opts.port,
          guides: opts.guides ?? guides(DEFAULT_GUIDES),
          ...(opts.agentId === undefined ? {} : { agentId: opts.agentId }),
          ...(opts.seed === undefined ? {} : { seed: opts.seed }),
        });
        out(`WeCom simulator listening on ${sim.url}\n`);
        out(`callbacks go to ${opts.callbackUrl ?? '(nowhere: pass --callback-url)'}\n`);
        out(
          `save in Siyu (PUT /api/wecom/settings): ${JSON.stringify({
            corpId: opts.corpId,
            token: opts.token,
            encodingAesKey: opts.aesKey,
            contactSecret: opts.contactSecret,
            apiBaseUrl: sim.url,
          })}\n`,
        );
        out(`controls:\n${CONTROLS.map((c) => `  ${c}`).join('\n')}\n`);
        await (deps.stopped ?? untilSignal)();
        await sim.close();
      },
    );
}
