// The demo brand's WeCom, alive: a simulator on loopback bound to the running Siyu, the workspace's WeCom settings
// pointing at it, the demo guides as its members, and two weeks of traffic replayed through its real signed
// callbacks and its session archive — adds (many of them the demo's own customers, matched by unionid), channel
// codes, churn, a succession, customer groups with members coming and going, chatter, check-ins, auto-replies and a
// spammer removed by moderation — then, while `siyu start` serves, a light trickle of live traffic.
//
// Decisions:
// - History through real callbacks: the simulator's clock runs behind Siyu's and is moved forward event by event,
//   so CreateTime, follow and join times and archive message times are the history's, while each callback is
//   stamped with Siyu's clock when it is sent (WeCom's timestamp is the sending moment; Siyu refuses stale ones).
// - Replayed adds carry no WelcomeCode (as WeCom sends them when the member has a welcome message of WeCom's own):
//   a greeting days late cannot happen, and acquisition would record its latency as days. Today's adds and the
//   trickle's carry one and are greeted through acquisition within the 20 seconds.
// - Relationships that predate the history (the demo customers that have an external user id) are put in the
//   simulator without callbacks and taken in by a real full sync, as a brand's first sync finds them.
// - Siyu's workers run in parallel, and a day of the replay passes in about a second: wherever order matters the
//   replay waits for Siyu to catch up (before a delete or remark of someone whose add is unprocessed, before the
//   owner removes the spammer, after groups and codes are created, whose ids the next steps need).
// - The demo acts through the HTTP API with an admin API key of its own (created in the database: the only step
//   not through the API, since the owner's password is not kept); a restart revokes it and makes another.
// - Its callbacks and calls come from loopback like the console's, so they stay under a share of the per-IP rate
//   limit, and a callback Siyu did not take is delivered again, as WeCom retries.
// - The shipped SOP plans are opened only for today, so the replayed adds leave no pile of overdue tasks.
// - A restart rebuilds the simulator from what Siyu knows, on its old port when free (the settings and the QR code
//   images stay right); the history is not replayed again, and an interrupted first population is not redone.
import { setTimeout as sleep } from 'node:timers/promises';
import { generateEncodingAesKey, loadSettings } from '../connectors/wecom/index.ts';
import { Simulator, SimulatorError, type SimulatorOptions } from '../connectors/wecom/simulator.ts';
import { API_KEY_PREFIX } from '../platform/auth/api-keys.ts';
import { randomToken, sha256 } from '../platform/auth/secrets.ts';
import type { Db } from '../platform/db/index.ts';
import { DEMO_BRAND, STORES } from './brand.ts';
import { dayFactor } from './customers.ts';
import { Rng } from './random.ts';

/** The demo's corp: a CorpID of WeCom's shape that no real corp has (real ones are ww + 16 hex digits). */
export const DEMO_CORP_ID = 'wwc4a7d3e0demo0001';
const CONTACT_SECRET = 'chayu-demo-contact-secret';
const APP_SECRET = 'chayu-demo-app-secret';
const AGENT_ID = 1000002;
/** The API key the demo acts with (console and archive connector); a restart revokes the last one's and makes anew. */
const DEMO_KEY_NAME = '演示企微流量 Demo WeCom traffic';

const DAY = 86_400_000;
const SHANGHAI = 8 * 3_600_000;

// ---------------------------------------------------------------------------------------------------------------
// The plan: who does what on which day, decided from the seed alone.

export interface DemoGuide {
  staffId: string;
  name: string;
  /** Index into STORES. */
  store: number;
  userId: string;
  /** The store's head guide (店长), who manages the others and owns the store's group. */
  head: boolean;
  managerStaffId: string | null;
  /** Left the brand (a restart finds them so in Siyu). */
  resigned?: boolean;
}

/** A demo customer WeCom can know: by their WeChat unionid, their external user id, or both. */
export interface DemoCustomer {
  seq: number;
  name: string;
  gender: string;
  city: string;
  unionId: string | null;
  externalUserId: string | null;
  signedUpDaysAgo: number;
}

/** Someone in WeCom: a demo customer, or a newcomer the brand does not know yet. */
export interface Person {
  key: string;
  externalUserId: string;
  unionId: string;
  name: string;
  gender: number;
  city: string;
  customerSeq: number | null;
}

export type Channel = { guide: string } | { code: ChannelCodeKey };

export type PlanEvent =
  | { kind: 'add'; person: string; via: Channel }
  | { kind: 'delete'; person: string; by: 'customer' | 'guide' }
  | { kind: 'remark'; person: string; remark: string }
  | { kind: 'join'; group: string; people: string[]; scene: 0 | 3 }
  | { kind: 'scan'; person: string }
  | { kind: 'quit'; group: string; people: string[]; removed: boolean }
  | { kind: 'message'; group: string; from: string; text: string; link?: { title: string; url: string } };

export interface Timed {
  /** Minutes after local midnight (Asia/Shanghai). */
  minute: number;
  event: PlanEvent;
}

export interface DayPlan {
  daysAgo: number;
  /** In time order. */
  events: Timed[];
}

export interface GroupPlan {
  key: string;
  name: string;
  owner: string;
  admins: string[];
  /** The store whose customers it gathers; null for the online groups behind the group live code. */
  store: number | null;
  members: string[];
}

export interface TrafficPlan {
  people: Map<string, Person>;
  /** The group live code's cap: the first online group fills to it and the code moves on to the second. */
  onlineCap: number;
  /** Relationships from before Siyu was connected: in WeCom already, found by the first full sync. */
  book: { person: string; guide: string; daysAgo: number }[];
  groups: GroupPlan[];
  days: DayPlan[];
  /** Today, live: adds with their welcome messages, a resignation and its succession, a few messages. */
  live: { adds: PlanEvent[]; messages: PlanEvent[]; resign: { guide: string; takeover: string; refuser: string } };
}

/** The demo's channel codes, on the acquisition module's built-in channels (DEFAULT_CHANNEL_KEYS). */
export const CHANNEL_CODES = {
  poster: { name: '门店海报', channel: 'poster' },
  menu: { name: '公众号菜单', channel: 'official_account' },
  live: { name: '直播间', channel: 'live' },
  moments: { name: '朋友圈广告', channel: 'moments' },
} as const;
export type ChannelCodeKey = keyof typeof CHANNEL_CODES;
const CODE_WEIGHTS: { key: ChannelCodeKey; weight: number }[] = [
  { key: 'poster', weight: 40 },
  { key: 'menu', weight: 25 },
  { key: 'live', weight: 15 },
  { key: 'moments', weight: 20 },
];

/** Where a customer of a city is looked after: the stores of that city, or the nearest. */
const CITY_STORES: Record<string, number[]> = {
  上海: [0, 1],
  杭州: [2],
  北京: [3],
  深圳: [4],
  成都: [5],
  南京: [0, 1],
  苏州: [0, 1, 2],
  广州: [4],
};
const CITIES = ['上海', '上海', '上海', '杭州', '北京', '北京', '深圳', '成都', '南京', '苏州', '广州'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾';
const GIVEN = '子梓浩宇欣怡思涵雨晨佳琪一诺嘉俊文博静婷晓明丽娜芳敏杰磊鑫悦彤萱瑶轩睿熙妍';
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const TEXTS = {
  chatter: [
    '新品多肉葡萄冻太好喝了！',
    '今天的芝士奶盖乌龙很不错，推荐',
    '有没有少糖的推荐？',
    '周末去店里打卡了，环境超棒',
    '请问周末人多吗？',
    '谢谢店长～',
    '杨枝甘露真的绝了',
    '今天排队太久了，有点失望',
    '奶茶有点太甜了，下次要少糖',
    '外卖送到都化了……',
    '随行杯好看！已经下单',
    '明天有活动吗？',
    '第二杯半价还有吗',
    '茉莉绿茶清爽，夏天必备',
    '蛋挞刚出炉的最好吃',
    '店员小姐姐服务很好，点赞',
  ],
  questions: [
    '请问营业时间是几点到几点？',
    '周末几点关门呀',
    '优惠券怎么领？',
    '新人券在哪里领',
    '我的积分怎么用',
    '会员等级怎么升级',
  ],
  checkIns: ['签到', '打卡', '签到！', '打卡～'],
  owner: [
    '早上好～今日推荐：杨枝甘露，第二杯半价',
    '本周新品「桂花乌龙」上线啦，进群福利券已更新',
    '周末门店活动：满 30 减 5，欢迎大家来店里坐坐',
    '下雨天外卖也准时送达，记得领外卖券哦',
  ],
  remarks: ['少糖常客', '爱喝果茶', '周末来店', '公司团购联系人', '下月生日', '喜欢新品试饮'],
  spam: { title: '兼职日结 300+，在家就能做', url: 'http://jz-rijie.top/join?id=88' },
  sensitive: '有需要代购的私聊我，价格好商量',
};

const AUTO_REPLIES = [
  {
    name: '营业时间',
    match: 'contains' as const,
    keywords: ['营业时间', '几点开门', '几点关门', '营业到几点'],
    reply: '各门店营业时间 10:00–22:00，节假日延长到 22:30。门店地址在小程序「门店」页可查～',
  },
  {
    name: '优惠券',
    match: 'contains' as const,
    keywords: ['优惠券', '领券', '新人券'],
    reply: '新人券和本周福利券都在小程序「我的 → 优惠券」里领取，群福利券每周一更新哦～',
  },
  {
    name: '会员积分',
    match: 'contains' as const,
    keywords: ['积分', '会员等级'],
    reply: '积分在小程序「会员中心」查看和兑换：每消费 1 元积 1 分，银卡起生日当月双倍积分～',
  },
];

const weightedPick = <T extends { weight: number }>(rng: Rng, items: readonly T[]): T => {
  let x = rng.next() * items.reduce((s, i) => s + i.weight, 0);
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1] as T;
};

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const idOf = (rng: Rng, prefix: string, length: number) => {
  let out = prefix;
  while (out.length < prefix.length + length) out += ID_CHARS[rng.int(0, ID_CHARS.length - 1)];
  return out;
};

/** The guide who resigns today: a newcomer (no book from before), not a head, in the store with most guides. */
export function leaverOf(guides: readonly DemoGuide[]): DemoGuide {
  const byStore = STORES.map((_, s) => guides.filter((g) => g.store === s));
  const largest = byStore.reduce((best, gs, s) => (gs.length > (byStore[best] as DemoGuide[]).length ? s : best), 0);
  return (byStore[largest] as DemoGuide[]).find((g) => !g.head) ?? (guides[0] as DemoGuide);
}

/** Local midnight (Asia/Shanghai) of the day a moment falls on. */
function localMidnight(at: Date): Date {
  return new Date(Math.floor((at.getTime() + SHANGHAI) / DAY) * DAY - SHANGHAI);
}

/** A demo customer as WeCom knows them: their own external user id when the demo gave them one. */
function personOf(rng: Rng, c: DemoCustomer): Person {
  return {
    key: `c${c.seq}`,
    externalUserId: c.externalUserId ?? idOf(rng, 'wm', 30),
    unionId: c.unionId ?? '',
    name: c.name,
    gender: c.gender === 'male' ? 1 : c.gender === 'female' ? 2 : 0,
    city: c.city,
    customerSeq: c.seq,
  };
}

/** Someone the brand has never seen, with a WeChat name and unionid of their own. */
function newcomerOf(rng: Rng, key: string): Person {
  const given = rng.next() < 0.4 ? rng.pick([...GIVEN]) : `${rng.pick([...GIVEN])}${rng.pick([...GIVEN])}`;
  return {
    key,
    externalUserId: idOf(rng, 'wm', 30),
    unionId: idOf(rng, 'o', 27),
    name: `${rng.pick([...SURNAMES])}${given}`,
    gender: rng.next() < 0.68 ? 2 : 1,
    city: rng.pick(CITIES),
    customerSeq: null,
  };
}

export interface PlanInput {
  seed: number;
  /** Local midnight (Asia/Shanghai) of the day the replay ends; its weekdays shape the traffic. */
  today: Date;
  guides: DemoGuide[];
  customers: DemoCustomer[];
  /** Days of history before today. */
  days: number;
  /** Adds over those days. */
  adds: number;
  /** Relationships that predate Siyu (at most the customers that have an external user id). */
  book: number;
}

/**
 * The whole replay, as data: the same input gives the same plan. Events only name people and groups; which guide a
 * channel code hands a customer to is WeCom's (the code's rotation), and which of the two online groups a scan
 * lands in is the join way's, so later events about them look that up when they run.
 */
export function planTraffic(input: PlanInput): TrafficPlan {
  const rng = new Rng((input.seed * 7_919 + 0x77ec) >>> 0);
  const people = new Map<string, Person>();
  const byStore = STORES.map((_, s) => input.guides.filter((g) => g.store === s));
  const heads = byStore.map((gs) => gs.find((g) => g.head) ?? gs[0]);
  const leaver = leaverOf(input.guides);
  const storesOf = (city: string) => CITY_STORES[city] ?? [0];
  const guideFor = (city: string): DemoGuide => {
    const pool = storesOf(city)
      .flatMap((s) => byStore[s] as DemoGuide[])
      .filter((g) => g !== leaver);
    return rng.pick(pool.length > 0 ? pool : input.guides.filter((g) => g !== leaver));
  };
  const person = (c: DemoCustomer): Person => {
    const p = personOf(rng, c);
    people.set(p.key, p);
    return p;
  };
  let newcomers = 0;
  const newcomer = (): Person => {
    const p = newcomerOf(rng, `n${++newcomers}`);
    people.set(p.key, p);
    return p;
  };

  // The book: customers the demo generated with an external user id are the brand's WeCom contacts already.
  const known = shuffled(
    rng,
    input.customers.filter((c) => c.externalUserId !== null),
  ).slice(0, input.book);
  const bookKeys = new Set<string>();
  const book = known.map((c) => {
    const p = person(c);
    bookKeys.add(p.key);
    const span = Math.max(1, c.signedUpDaysAgo - input.days - 1);
    return { person: p.key, guide: guideFor(p.city).userId, daysAgo: input.days + 1 + rng.int(0, span) };
  });
  const candidates = shuffled(
    rng,
    input.customers.filter((c) => c.unionId !== null && !bookKeys.has(`c${c.seq}`)),
  );
  let nextCandidate = 0;
  /** Someone adding a guide: a demo customer six times in ten (matched by unionid), else a newcomer. */
  const adder = (): Person => {
    const c = candidates[nextCandidate];
    if (c && rng.next() < 0.6) {
      nextCandidate++;
      return person(c);
    }
    return newcomer();
  };

  /** Who follows a guide now, so that deletes, joins and messages come only from people who could make them. */
  const following = new Set(bookKeys);
  const leaverCustomers: string[] = [];
  /** People who came for the welcome coupon and delete the guide a day or three later, by the day they do. */
  const quickLeavers = new Map<number, string[]>();
  const addEvent = (p: Person, toLeaver: boolean, daysAgo = 0): PlanEvent => {
    following.add(p.key);
    if (toLeaver) leaverCustomers.push(p.key);
    else if (daysAgo > 1 && rng.next() < 0.08) {
      const when = Math.max(1, daysAgo - rng.int(1, 3));
      quickLeavers.set(when, [...(quickLeavers.get(when) ?? []), p.key]);
    }
    const via: Channel =
      !toLeaver && rng.next() < 0.5
        ? { code: weightedPick(rng, CODE_WEIGHTS).key }
        : { guide: toLeaver ? leaver.userId : guideFor(p.city).userId };
    return { kind: 'add', person: p.key, via };
  };

  const groups: GroupPlan[] = [0, 2, 3, 4].map((s) => {
    const admin = (byStore[s] as DemoGuide[]).find((g) => !g.head && g !== leaver);
    return {
      key: `store${s}`,
      name: `茶语·${STORES[s]}福利群`,
      owner: (heads[s] as DemoGuide).userId,
      admins: admin ? [admin.userId] : [],
      store: s,
      members: [],
    };
  });
  for (const n of [1, 2]) {
    const owner = heads[1] as DemoGuide;
    groups.push({
      key: `online${n}`,
      name: `茶语新品体验${n}群`,
      owner: owner.userId,
      admins: [],
      store: null,
      members: [],
    });
  }
  const storeGroups = groups.filter((g) => g.store !== null);
  const members = new Map(storeGroups.map((g) => [g.key, new Set<string>()]));
  /** People in one of the online groups (which one is the join way's choice). */
  const online = new Set<string>();
  const regulars = new Set<string>();
  const storeGroupOf = (key: string) => {
    const stores = storesOf((people.get(key) as Person).city);
    return storeGroups.find((g) => stores.includes(g.store as number)) ?? null;
  };
  // The store groups begin with a dozen of the store's book customers, invited when the group was made.
  for (const g of storeGroups) {
    for (const b of book.filter((b) => storeGroupOf(b.person) === g).slice(0, 12)) {
      g.members.push(b.person);
      members.get(g.key)?.add(b.person);
      if (rng.next() < 0.3) regulars.add(b.person);
    }
  }
  const talkers = (g: string, today: Set<string>) =>
    [...(g === 'online' ? online : (members.get(g) as Set<string>))].filter((k) => !today.has(k));

  const days: DayPlan[] = [];
  const dayOf = (daysAgo: number) => new Date(input.today.getTime() - daysAgo * DAY);
  let totalFactor = 0;
  for (let d = input.days; d >= 1; d--) totalFactor += dayFactor(dayOf(d));
  let addsLeft = input.adds;
  let leaverAdds = 0;
  const spamDay = Math.max(1, Math.ceil(input.days / 2));
  const wordDay = Math.max(1, Math.ceil(input.days / 3));
  const guideDeleteDays = new Set([Math.max(1, input.days - 2), Math.max(1, Math.ceil(input.days / 4))]);
  for (let daysAgo = input.days; daysAgo >= 1; daysAgo--) {
    const count =
      daysAgo === 1 ? addsLeft : Math.min(addsLeft, Math.round((input.adds * dayFactor(dayOf(daysAgo))) / totalFactor));
    addsLeft -= count;
    const day: DayPlan = { daysAgo, events: [] };
    const at = (minute: number, event: PlanEvent) => day.events.push({ minute, event });
    const minute = () => rng.int(8 * 60, 22 * 60 - 1);
    /** Who joined a group today: they have not had time to say anything yet. */
    const joinedToday = new Set<string>();

    const leaving = new Set(quickLeavers.get(daysAgo));
    for (const key of [...following]) {
      if (leaving.has(key) || rng.next() < (bookKeys.has(key) ? 0.0003 : 0.002)) {
        following.delete(key);
        at(minute(), { kind: 'delete', person: key, by: 'customer' });
      } else if (!bookKeys.has(key) && rng.next() < 0.01) {
        at(minute(), { kind: 'remark', person: key, remark: rng.pick(TEXTS.remarks) });
      }
    }
    if (guideDeleteDays.has(daysAgo)) {
      const victim = [...following].find((k) => !bookKeys.has(k) && !leaverCustomers.includes(k));
      if (victim) {
        following.delete(victim);
        at(minute(), { kind: 'delete', person: victim, by: 'guide' });
      }
    }

    for (const g of storeGroups) {
      const set = members.get(g.key) as Set<string>;
      const outside = [...following].filter((k) => !set.has(k) && !online.has(k) && storeGroupOf(k) === g);
      const invited = shuffled(rng, outside).slice(0, rng.next() < 0.5 ? rng.int(1, 4) : 0);
      if (invited.length > 0) {
        for (const k of invited) set.add(k);
        at(minute(), { kind: 'join', group: g.key, people: invited, scene: 0 });
      }
      const rest = outside.filter((k) => !set.has(k));
      if (rest.length > 0 && rng.next() < 0.6) {
        const k = rng.pick(rest);
        set.add(k);
        at(minute(), { kind: 'join', group: g.key, people: [k], scene: 3 });
      }
      for (const k of [...invited, ...rest.filter((k) => set.has(k))]) joinedToday.add(k);
      for (const k of [...set]) {
        if (!joinedToday.has(k) && rng.next() < 0.008) {
          set.delete(k);
          regulars.delete(k);
          at(minute(), { kind: 'quit', group: g.key, people: [k], removed: false });
        }
      }
    }
    const inAGroup = (k: string) => online.has(k) || storeGroups.some((g) => members.get(g.key)?.has(k));
    const scanners = shuffled(
      rng,
      [...following].filter((k) => !inAGroup(k)),
    ).slice(0, rng.int(2, 6));
    for (const k of scanners) {
      online.add(k);
      joinedToday.add(k);
      if (rng.next() < 0.25) regulars.add(k);
      at(minute(), { kind: 'scan', person: k });
    }

    for (const g of [...storeGroups.map((s) => s.key), 'online']) {
      const voices = talkers(g, joinedToday);
      if (voices.length === 0) continue;
      for (let n = rng.int(1, 3); n > 0; n--) {
        const text = rng.next() < 0.3 ? rng.pick(TEXTS.questions) : rng.pick(TEXTS.chatter);
        at(minute(), { kind: 'message', group: g, from: rng.pick(voices), text });
      }
      for (const k of voices) {
        if (regulars.has(k) && rng.next() < 0.5) {
          at(rng.int(8 * 60, 10 * 60), { kind: 'message', group: g, from: k, text: rng.pick(TEXTS.checkIns) });
        }
      }
      const owner = storeGroups.find((s) => s.key === g)?.owner;
      if (owner && rng.next() < 0.35) {
        at(rng.int(9 * 60, 10 * 60), { kind: 'message', group: g, from: owner, text: rng.pick(TEXTS.owner) });
      }
    }
    if (daysAgo === wordDay) {
      const g = (storeGroups[1] as GroupPlan).key;
      const from = talkers(g, joinedToday)[0];
      if (from) at(13 * 60 + 20, { kind: 'message', group: g, from, text: TEXTS.sensitive });
    }
    if (daysAgo === spamDay) {
      // A stranger scans a store group's QR code, posts an ad link, and the owner removes them that afternoon.
      const g = (storeGroups[0] as GroupPlan).key;
      const spammer = newcomer();
      at(11 * 60 + 2, { kind: 'join', group: g, people: [spammer.key], scene: 3 });
      at(11 * 60 + 9, { kind: 'message', group: g, from: spammer.key, text: '', link: TEXTS.spam });
      at(17 * 60 + 30, { kind: 'quit', group: g, people: [spammer.key], removed: true });
    }

    // Today's adds come last in the plan (nobody added today does anything else today), at their own times.
    for (let n = 0; n < count; n++) {
      // The leaver joined two weeks ago: a few of the adds are hers, the customers her succession hands over.
      const toLeaver = leaverAdds < 6 && rng.next() < 0.25;
      if (toLeaver) leaverAdds++;
      at(rng.int(9 * 60, 22 * 60 - 1), addEvent(adder(), toLeaver, daysAgo));
    }
    // Stable: events of one minute keep the order they were planned in (a join before the message it enables).
    day.events.sort((a, b) => a.minute - b.minute);
    days.push(day);
  }

  const liveAdds = Array.from({ length: 6 }, () => addEvent(adder(), false));
  const liveMessages: PlanEvent[] = [];
  for (const g of storeGroups) {
    const from = talkers(g.key, new Set()).find((k) => following.has(k));
    if (from) liveMessages.push({ kind: 'message', group: g.key, from, text: rng.pick(TEXTS.checkIns) });
  }
  const scans = days.reduce((n, d) => n + d.events.filter((t) => t.event.kind === 'scan').length, 0);
  return {
    people,
    onlineCap: Math.max(5, Math.ceil(scans * 0.6)),
    book,
    groups,
    days,
    live: {
      adds: liveAdds,
      messages: liveMessages,
      resign: {
        guide: leaver.userId,
        takeover: (heads[leaver.store] as DemoGuide).userId,
        refuser: leaverCustomers.find((k) => following.has(k)) ?? '',
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running it: the simulator on a replay clock, Siyu's API with the demo's key, pacing under the per-IP limit.

/**
 * The simulator's clock: behind Siyu's by `lagMs` while history is replayed (event times, join times, message times
 * are the simulator's), moved forward event by event, and equal to Siyu's once the replay reaches today.
 */
class ReplayClock {
  private lagMs = 0;
  constructor(private readonly real: () => Date) {}
  readonly now = (): Date => new Date(this.real().getTime() - this.lagMs);
  get replaying(): boolean {
    return this.lagMs > 0;
  }
  /** Back to a moment in the past, where the replay starts. */
  startAt(at: number): void {
    this.lagMs = Math.max(0, this.real().getTime() - at);
  }
  /** On to a later moment (never back, never past Siyu's now). */
  advanceTo(at: number): void {
    this.lagMs = Math.max(0, Math.min(this.lagMs, this.real().getTime() - at));
  }
  live(): void {
    this.lagMs = 0;
  }
}

type SealFields = Parameters<Simulator['seal']>[0];
type SealOptions = NonNullable<Parameters<Simulator['seal']>[1]>;

/**
 * The simulator with two differences a replay needs. Callbacks are stamped with Siyu's clock, as WeCom stamps the
 * moment it sends (Siyu refuses stale timestamps), while CreateTime keeps the moment things happened. And a replayed
 * add carries no WelcomeCode — WeCom leaves it out when the member has a welcome message set in WeCom's own admin —
 * since nobody can greet a customer days late; live adds carry theirs and are greeted within the 20 seconds.
 */
class DemoSimulator extends Simulator {
  constructor(
    options: SimulatorOptions,
    private readonly clock: ReplayClock,
    private readonly siyuNow: () => Date,
  ) {
    super({ ...options, now: clock.now });
  }

  override seal(fields: SealFields, options: SealOptions = {}) {
    let sent = fields;
    if (this.clock.replaying && 'WelcomeCode' in fields) {
      const { WelcomeCode: _code, ...rest } = fields;
      sent = rest;
    }
    return super.seal(sent, { timestamp: String(Math.floor(this.siyuNow().getTime() / 1000)), ...options });
  }
}

/** Counts what the demo sends to Siyu's /api (callbacks, archive batches, API calls) and waits to stay under a rate. */
class Pace {
  private readonly sent: number[] = [];
  private noted = 0;
  constructor(private readonly perMinute: number) {}
  /** Records requests made so far (a running total), then waits until one more fits in the last minute. */
  async room(total: number): Promise<void> {
    const t = Date.now();
    for (; this.noted < total; this.noted++) this.sent.push(t);
    for (;;) {
      const cut = Date.now() - 60_000;
      while ((this.sent[0] ?? Number.POSITIVE_INFINITY) <= cut) this.sent.shift();
      if (this.sent.length < this.perMinute) return;
      await sleep((this.sent[0] as number) + 60_000 - Date.now() + 20);
    }
  }
}

class DemoStopped extends Error {
  constructor() {
    super('the demo WeCom was closed');
  }
}

export interface WeComDemoOptions {
  /** Siyu's origin on loopback (http://127.0.0.1:3000): callbacks, archive batches and API calls go there. */
  baseUrl: string;
  seed: number;
  /** The demo workspace; by default the one with the demo's slug. */
  workspaceId?: string;
  /** Siyu's clock: callback timestamps must agree with it. */
  now?: () => Date;
  /** Days of history replayed before today (14). */
  days?: number;
  /** Adds over those days (220). */
  adds?: number;
  /** Relationships from before Siyu was connected, taken in by a full sync (600; at most the customers with an external user id). */
  book?: number;
  /** Requests a minute the demo may send: keep it under SIYU_RATE_LIMIT_IP_PER_MINUTE, which the console shares. */
  requestsPerMinute?: number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

/** What the replay did, for the log and the tests. */
export interface DemoSummary {
  guides: number;
  book: number;
  adds: number;
  codeAdds: number;
  deletes: number;
  groups: number;
  joins: number;
  quits: number;
  messages: number;
  skipped: number;
  callbacks: number;
  redelivered: number;
  seconds: number;
  /** Seconds (wall and CPU) of each part: settings, guides, rules and codes; the first sync; groups; the replay; today. */
  phases: Record<string, { seconds: number; cpuSeconds: number }>;
  /** CPU seconds this process spent meanwhile (Siyu's workers included): the wall time on an idle machine, roughly. */
  cpuSeconds: number;
}

interface Loaded {
  slug: string;
  guides: DemoGuide[];
  customers: DemoCustomer[];
}

const HTTP_OK = 200;

/**
 * The demo's WeCom for one workspace: `populate()` on a fresh demo, `resume()` after a restart, `startTraffic()`
 * while Siyu serves, `close()` on shutdown (also in the middle of a populate, which then stops with DemoStopped).
 */
export class WeComDemo {
  sim: DemoSimulator | null = null;
  /** What populate() replayed. */
  plan: TrafficPlan | null = null;
  readonly summary: DemoSummary = {
    guides: 0,
    book: 0,
    adds: 0,
    codeAdds: 0,
    deletes: 0,
    groups: 0,
    joins: 0,
    quits: 0,
    messages: 0,
    skipped: 0,
    callbacks: 0,
    redelivered: 0,
    seconds: 0,
    phases: {},
    cpuSeconds: 0,
  };
  private readonly now: () => Date;
  private readonly clock: ReplayClock;
  private readonly pace: Pace;
  private key = '';
  private apiCalls = 0;
  private archivePosted = 0;
  private deliveriesChecked = 0;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private rng: Rng;
  /** Channel code → the contact way's config id, and the group live code's join way. */
  private readonly codes = new Map<ChannelCodeKey, string>();
  private joinWay: string | null = null;
  /** Contacts whose add was sent since Siyu last caught up. */
  private readonly unsettled = new Set<string>();
  private readonly chats = new Map<string, string>();
  private onlineChats: string[] = [];
  private loaded: Loaded | null = null;

  private workspaceId: string;

  constructor(
    private readonly db: Db,
    private readonly options: WeComDemoOptions,
  ) {
    this.workspaceId = options.workspaceId ?? '';
    this.now = options.now ?? (() => new Date());
    this.clock = new ReplayClock(this.now);
    this.pace = new Pace(options.requestsPerMinute ?? 500);
    this.rng = new Rng((options.seed * 104_729 + 0x71c) >>> 0);
  }

  private log(message: string, data?: Record<string, unknown>): void {
    this.options.log?.(message, data);
  }

  private check(): void {
    if (this.closed) throw new DemoStopped();
  }

  private get simulator(): DemoSimulator {
    if (!this.sim) throw new Error('the demo simulator is not running');
    return this.sim;
  }

  /** Requests sent to Siyu so far. */
  private get sent(): number {
    return (this.sim?.deliveries.length ?? 0) + this.apiCalls;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Siyu's API, as the demo's API key.

  private async api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.check();
      await this.pace.room(this.sent);
      this.apiCalls++;
      const res = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status === 429 && attempt < 5) {
        await sleep(Number(res.headers.get('retry-after') ?? 5) * 1000);
        continue;
      }
      if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
      return (text ? JSON.parse(text) : null) as T;
    }
  }

  /** A new admin API key for the demo (the last one revoked): the secret lives only in this process. */
  private async createKey(): Promise<void> {
    const secret = `${API_KEY_PREFIX}${randomToken(30)}`;
    await this.db.tenant(this.workspaceId, async (tx) => {
      await tx.query(
        'UPDATE api_keys SET revoked_at = $3 WHERE workspace_id = $1 AND name = $2 AND revoked_at IS NULL',
        [this.workspaceId, DEMO_KEY_NAME, this.now()],
      );
      await tx.query(
        `INSERT INTO api_keys (workspace_id, name, prefix, secret_hash, role, created_at)
         VALUES ($1, $2, $3, $4, 'admin', $5)`,
        [this.workspaceId, DEMO_KEY_NAME, secret.slice(0, 10), sha256(secret), this.now()],
      );
    });
    this.key = secret;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Waiting for Siyu.

  /**
   * Until every callback is handled and every job and domain event due now is done, retries of failed ones
   * included (a deadlock between two subscribers is retried seconds later), or two minutes pass.
   */
  async settle(): Promise<void> {
    await this.sim?.idle();
    this.unsettled.clear();
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      this.check();
      const [busy] = await this.db.query<{ n: number }>(
        `SELECT (SELECT count(*)::int FROM wecom_inbox WHERE state = 'received')
              + (SELECT count(*)::int FROM jobs WHERE state = 'running' OR (state = 'queued'
                   AND (run_at <= now() OR (attempts > 0 AND run_at <= now() + interval '2 minutes'))))
              + (SELECT count(*)::int FROM outbox_events WHERE dispatched_at IS NULL) AS n`,
      );
      if (busy?.n === 0) return;
      await sleep(100);
    }
    this.log('demo WeCom: Siyu is still busy after two minutes; going on');
  }

  /** Until Siyu has recorded the relationship an add started (or ten seconds pass). */
  private async addRecorded(externalUserId: string): Promise<void> {
    await this.sim?.idle();
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(50)) {
      this.check();
      const rows = await this.db.query(
        'SELECT 1 FROM customer_relationships WHERE workspace_id = $1 AND external_userid = $2',
        [this.workspaceId, externalUserId],
      );
      if (rows.length > 0) break;
    }
    this.unsettled.delete(externalUserId);
  }

  /**
   * When the group a join way leads to has reached the live code's cap and another group is behind it, until Siyu
   * has pointed the join way at the next group (or ten seconds pass): the days between the scans that filled a
   * group and the next ones are a moment here.
   */
  private async joinWayMovedOn(configId: string, cap: number): Promise<void> {
    const sim = this.simulator;
    const way = sim.joinWays.get(configId);
    const current = way?.chatIds[0];
    const full = () => (sim.chats.get(current ?? '')?.members.length ?? 0) >= cap;
    if (!way || !current || way.chatIds.length < 2 || !full()) return;
    for (const until = Date.now() + 10_000; Date.now() < until && way.chatIds[0] === current; await sleep(50)) {
      this.check();
    }
  }

  /** Callbacks Siyu did not take (a 429 under load, a timeout) go again, the way WeCom retries them. */
  private async redeliverFailed(): Promise<void> {
    const sim = this.simulator;
    for (let round = 0; round < 3; round++) {
      const failed = sim.deliveries
        .slice(this.deliveriesChecked)
        .filter((d) => d.status !== HTTP_OK && (d.status !== null || d.error !== null));
      this.deliveriesChecked = sim.deliveries.length;
      if (failed.length === 0) return;
      await sleep(2000 * (round + 1));
      for (const d of failed) {
        await this.pace.room(this.sent);
        await sim.redeliver(d);
        this.summary.redelivered++;
      }
      await sim.idle();
    }
  }

  /** The session archive connector's part: new archive records to POST /api/community/messages, in batches. */
  private async pumpArchive(): Promise<void> {
    const sim = this.simulator;
    await sim.idle();
    while (this.archivePosted < sim.archive.length) {
      const batch = sim.archive.slice(this.archivePosted, this.archivePosted + 1000);
      await this.api('POST', '/api/community/messages', { messages: batch.map(({ seq: _seq, ...m }) => m) });
      this.archivePosted += batch.length;
    }
  }

  /** Group owners confirm in the WeCom app the group messages Siyu proposed (auto-replies, warnings, SOP). */
  private confirmProposals(): void {
    const sim = this.simulator;
    for (const m of sim.messages.values()) {
      if (m.chatType !== 'group') continue;
      for (const owner of new Set(m.recipients.filter((r) => r.status === 0).map((r) => r.userId))) {
        sim.confirmGroupMessage({ msgId: m.msgId, userId: owner });
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // What there is: the workspace, its guides and the customers WeCom can know.

  private async load(linked: boolean): Promise<Loaded> {
    const workspaceId = this.workspaceId;
    return this.db.tenant(workspaceId, async (tx) => {
      const [ws] = await tx.query<{ slug: string }>('SELECT slug FROM workspaces WHERE id = $1', [workspaceId]);
      if (!ws) throw new Error(`no workspace ${workspaceId}`);
      const guides = linked ? await linkedGuides() : await staffGuides();
      const customers = await tx.query<{
        seq: number;
        name: string;
        gender: string;
        city: string;
        union_id: string | null;
        external_userid: string | null;
        age: number;
      }>(
        `SELECT c.seq, coalesce(c.name, '') AS name, coalesce(c.gender, '') AS gender, coalesce(c.city, '') AS city,
                u.value AS union_id, e.value AS external_userid,
                greatest(0, floor(extract(epoch FROM $2::timestamptz - c.created_at) / 86400))::int AS age
           FROM customers c
           LEFT JOIN customer_identities u
                  ON u.workspace_id = c.workspace_id AND u.customer_id = c.id AND u.kind = 'wechat_unionid'
           LEFT JOIN customer_identities e
                  ON e.workspace_id = c.workspace_id AND e.customer_id = c.id AND e.kind = 'wecom_external_userid'
          WHERE c.workspace_id = $1 AND c.merged_into IS NULL AND (u.value IS NOT NULL OR e.value IS NOT NULL)
          ORDER BY c.seq`,
        [workspaceId, this.now()],
      );
      return {
        slug: ws.slug,
        guides,
        customers: customers.map((c) => ({
          seq: c.seq,
          name: c.name,
          gender: c.gender,
          city: c.city,
          unionId: c.union_id,
          externalUserId: c.external_userid,
          signedUpDaysAgo: c.age,
        })),
      };

      /** The demo's guide staff, numbered as the demo made them; each store's first is its head (店长). */
      async function staffGuides(): Promise<DemoGuide[]> {
        const staff = await tx.query<{
          id: string;
          name: string;
          email: string | null;
          department: string | null;
          role: string;
        }>(
          `SELECT id, name, email, department, role FROM staff
            WHERE workspace_id = $1 AND status = 'active' AND role IN ('guide', 'operator', 'admin')`,
          [workspaceId],
        );
        const number = (email: string | null) => Number(/\d+/.exec(email ?? '')?.[0] ?? 0);
        const byNumber = (a: { email: string | null }, b: { email: string | null }) =>
          number(a.email) - number(b.email) || (a.email ?? '').localeCompare(b.email ?? '');
        // Heads answer to the operators (私域运营), the first three stores to one and the rest to the other.
        const managers = [
          ...staff.filter((s) => s.role === 'operator').sort(byNumber),
          ...staff.filter((s) => s.role === 'admin'),
        ];
        const heads = new Map<number, string>();
        return staff
          .filter((s) => s.role === 'guide')
          .sort(byNumber)
          .map((s, i) => {
            const found = STORES.indexOf(s.department as (typeof STORES)[number]);
            const store = found >= 0 ? found : i % STORES.length;
            const head = !heads.has(store);
            if (head) heads.set(store, s.id);
            const manager = head ? managers[store < 3 ? 0 : Math.min(1, managers.length - 1)] : null;
            return {
              staffId: s.id,
              name: s.name,
              store,
              userId: `guide${String(i + 1).padStart(2, '0')}`,
              head,
              managerStaffId: head ? (manager?.id ?? null) : (heads.get(store) as string),
            };
          });
      }

      /** The guides linked already (a restart): who they are in WeCom and whether they have left. */
      async function linkedGuides(): Promise<DemoGuide[]> {
        const rows = await tx.query<{
          staff_id: string;
          name: string;
          wecom_userid: string;
          manager_staff_id: string | null;
          department: string | null;
          status: string;
        }>(
          `SELECT g.staff_id, s.name, g.wecom_userid, g.manager_staff_id, s.department, g.status
             FROM guides g JOIN staff s ON s.workspace_id = g.workspace_id AND s.id = g.staff_id
            WHERE g.workspace_id = $1 ORDER BY g.wecom_userid`,
          [workspaceId],
        );
        return rows.map((r) => ({
          staffId: r.staff_id,
          name: r.name,
          store: Math.max(0, STORES.indexOf(r.department as (typeof STORES)[number])),
          userId: r.wecom_userid,
          head: false,
          managerStaffId: r.manager_staff_id,
          resigned: r.status === 'resigned',
        }));
      }
    });
  }

  private async startSimulator(input: {
    slug: string;
    token: string;
    encodingAesKey: string;
    guides: { userId: string; name: string }[];
    contactSecret?: string;
    appSecret?: string;
    seed?: number;
    port?: number;
  }): Promise<DemoSimulator> {
    const make = (port: number) =>
      new DemoSimulator(
        {
          corpId: DEMO_CORP_ID,
          token: input.token,
          encodingAesKey: input.encodingAesKey,
          agentId: AGENT_ID,
          contactSecret: input.contactSecret ?? CONTACT_SECRET,
          appSecret: input.appSecret ?? APP_SECRET,
          callbackUrl: `${this.options.baseUrl}/api/wecom/callback/${input.slug}`,
          guides: input.guides,
          port,
          ...(input.seed === undefined ? {} : { seed: input.seed }),
        },
        this.clock,
        this.now,
      );
    let sim = make(input.port ?? 0);
    try {
      await sim.listen();
    } catch (err) {
      // The port of last time is taken: any port will do, and the settings follow it.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !input.port) throw err;
      sim = make(0);
      await sim.listen();
    }
    this.sim = sim;
    return sim;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Starting: populate a new demo, resume one after a restart, or leave a workspace alone.

  /**
   * What `siyu start` calls: the demo workspace without WeCom settings is populated; one whose settings are the
   * demo's (its corp, a simulator on loopback) gets its simulator back; one connected to a real corp is left alone.
   */
  async start(): Promise<'populated' | 'resumed' | 'none'> {
    if (!this.workspaceId) {
      const [ws] = await this.db.query<{ id: string }>('SELECT id FROM workspaces WHERE slug = $1', [DEMO_BRAND.slug]);
      if (!ws) return 'none';
      this.workspaceId = ws.id;
    }
    const settings = await this.db.tenant(this.workspaceId, (tx) => loadSettings(tx, this.workspaceId));
    if (!settings) {
      await this.populate();
      return 'populated';
    }
    const host = new URL(settings.apiBaseUrl).hostname;
    if (settings.corpId !== DEMO_CORP_ID || !['127.0.0.1', 'localhost', '[::1]'].includes(host)) return 'none';
    await this.resume();
    return 'resumed';
  }

  /** A fresh demo: settings, guides, rules and codes, the book, two weeks of history, then today. */
  async populate(): Promise<DemoSummary> {
    const started = Date.now();
    const cpu = process.cpuUsage();
    const cpuSeconds = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return Math.round((used.user + used.system) / 100_000) / 10;
    };
    let lap = { at: started, cpu };
    const phase = (name: string) => {
      this.summary.phases[name] = {
        seconds: Math.round((Date.now() - lap.at) / 100) / 10,
        cpuSeconds: cpuSeconds(lap.cpu),
      };
      lap = { at: Date.now(), cpu: process.cpuUsage() };
    };
    await this.createKey();
    const loaded = await this.load(false);
    this.loaded = loaded;
    const token = randomToken(30)
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 32);
    const encodingAesKey = generateEncodingAesKey();
    const sim = await this.startSimulator({
      slug: loaded.slug,
      token,
      encodingAesKey,
      guides: loaded.guides.map((g) => ({ userId: g.userId, name: g.name })),
      seed: this.options.seed,
    });
    await this.api('PUT', '/api/wecom/settings', {
      corpId: DEMO_CORP_ID,
      agentId: AGENT_ID,
      contactSecret: CONTACT_SECRET,
      appSecret: APP_SECRET,
      token,
      encodingAesKey,
      apiBaseUrl: sim.url,
    });
    const verified = await sim.verifyCallbackUrl();
    if (!verified.ok)
      throw new Error(`Siyu refused the simulator's URL verification: ${verified.status} ${verified.body}`);
    for (const g of loaded.guides) {
      await this.api('PUT', `/api/guides/${g.staffId}`, { wecomUserId: g.userId, managerStaffId: g.managerStaffId });
    }
    this.summary.guides = loaded.guides.length;
    await this.configureCommunity();
    await this.createChannelCodes(loaded.guides);
    const today = localMidnight(this.now());
    const plan = planTraffic({
      seed: this.options.seed,
      today,
      guides: loaded.guides,
      customers: loaded.customers,
      days: this.options.days ?? 14,
      adds: this.options.adds ?? 220,
      book: this.options.book ?? 600,
    });
    this.plan = plan;
    phase('setup');
    await this.takeInBook(plan, today);
    phase('book');
    await this.replay(plan, today, () => phase('groups'));
    phase('replay');
    await this.goLive(plan, loaded.guides);
    phase('live');
    this.summary.callbacks = sim.deliveries.length;
    this.summary.seconds = Math.round((Date.now() - started) / 100) / 10;
    this.summary.cpuSeconds = cpuSeconds(cpu);
    this.log('demo WeCom populated', { ...this.summary });
    return this.summary;
  }

  /** Check-in, keyword auto-replies, moderation (an ad link is a removal request) and a weekly group SOP. */
  private async configureCommunity(): Promise<void> {
    await this.api('PUT', '/api/community/settings', { checkIn: { enabled: true, keywords: ['签到', '打卡'] } });
    for (const rule of AUTO_REPLIES)
      await this.api('POST', '/api/community/auto-replies', { ...rule, cooldownSeconds: 300 });
    await this.api('POST', '/api/community/moderation-rules', {
      name: '广告链接',
      kind: 'ad_link',
      action: 'remove',
      allowDomains: ['chayu.demo', 'weixin.qq.com'],
    });
    await this.api('POST', '/api/community/moderation-rules', {
      name: '代购刷单',
      kind: 'sensitive_words',
      action: 'warn',
      words: ['代购', '刷单', '加微信', '私聊我'],
      warningText: '{name} 你好，群里请勿发布代购、刷单等信息，谢谢配合～',
    });
    await this.api('POST', '/api/community/moderation-rules', {
      name: '刷屏',
      kind: 'flood',
      action: 'warn',
      maxMessages: 8,
      windowSeconds: 60,
    });
    await this.api('POST', '/api/community/sop-plans', {
      name: '周一福利提醒',
      schedule: 'weekly',
      weekdays: [1],
      time: '10:00',
      text: '新的一周开始啦，群福利券已更新～在小程序「我的 → 优惠券」领取',
    });
  }

  /**
   * The four channel codes on the acquisition module's channels, each with its guide pool and rotation, an
   * auto-tag of its own and a welcome message; the workspace's default welcome for direct adds. The contact ways
   * are pushed to WeCom by acquisition's jobs; their config ids are what customers scan.
   */
  private async createChannelCodes(guides: DemoGuide[]): Promise<void> {
    const leaver = leaverOf(guides);
    const pool = (stores: number[], heads: boolean | null) =>
      guides.filter((g) => g !== leaver && stores.includes(g.store) && (heads === null || g.head === heads));
    const channels = await this.api<{ items: { id: string; key: string }[] }>('GET', '/api/acquisition/channels');
    const tagGroup = await this.api<{ id: string }>('POST', '/api/tag-groups', { name: '活码来源' });
    await this.api('PUT', '/api/acquisition/settings', {
      defaultWelcomeEnabled: true,
      defaultWelcome: { text: '你好，我是茶语的{{guide}}，很高兴认识你～有任何问题都可以随时找我。', attachments: [] },
    });
    const designs: Record<ChannelCodeKey, Record<string, unknown>> = {
      poster: {
        mode: 'round_robin',
        guides: pool([0, 1], null).map((g) => ({ staffId: g.staffId })),
        dailyCap: 40,
        welcome: {
          text: '{{name|亲}}你好，我是茶语{{store}}的{{guide}}～扫码加我就送一张 5 元新人券，已放进你的小程序券包，到店出示即可使用。',
          attachments: [],
        },
      },
      menu: {
        mode: 'weighted',
        guides: pool([0, 1, 2, 3, 4, 5], true).map((g) => ({ staffId: g.staffId, weight: g.store < 2 ? 3 : 1 })),
        welcome: {
          text: '欢迎从公众号来找我！我是{{guide}}，新品、福利和会员积分的问题都可以问我～',
          attachments: [
            {
              kind: 'link',
              title: '茶语会员中心',
              url: 'https://chayu.demo/member',
              description: '查看积分、等级和专属福利',
            },
          ],
        },
      },
      live: {
        mode: 'all',
        guides: pool([2, 3, 4, 5], false)
          .slice(0, 4)
          .map((g) => ({ staffId: g.staffId })),
        welcome: {
          text: '直播间的福利来啦！我是{{guide}}，直播专享「第二杯半价」券已发放，7 天内有效～',
          attachments: [],
        },
      },
      moments: {
        mode: 'round_robin',
        guides: pool([3, 4], false).map((g) => ({ staffId: g.staffId })),
        workingHours: { days: [1, 2, 3, 4, 5, 6, 7], from: '09:00', to: '22:00' },
        backupStaffId: (pool([3], true)[0] ?? guides[0])?.staffId ?? null,
        welcome: {
          text: '{{name|你好}}！我是茶语的{{guide}}，朋友圈同款新品「多肉葡萄冻」本周买一送一，回复「门店」帮你查最近的店～',
          attachments: [],
        },
      },
    };
    const created = new Map<ChannelCodeKey, string>();
    for (const key of Object.keys(CHANNEL_CODES) as ChannelCodeKey[]) {
      const design = CHANNEL_CODES[key];
      const channel = channels.items.find((c) => c.key === design.channel);
      if (!channel) throw new Error(`the acquisition module has no channel ${design.channel}`);
      const tag = await this.api<{ id: string }>('POST', '/api/tags', { groupId: tagGroup.id, name: design.name });
      const code = await this.api<{ id: string }>('POST', '/api/acquisition/codes', {
        name: design.name,
        channelId: channel.id,
        skipVerify: true,
        tagIds: [tag.id],
        ...designs[key],
      });
      created.set(key, code.id);
    }
    await this.settle();
    for (const [key, id] of created) {
      const code = await this.api<{ configId: string | null; syncError: string | null }>(
        'GET',
        `/api/acquisition/codes/${id}`,
      );
      if (!code.configId)
        throw new Error(`channel code ${CHANNEL_CODES[key].name} was not pushed to WeCom: ${code.syncError}`);
      this.codes.set(key, code.configId);
    }
  }

  /** WeCom's contact record of a person, made when the simulator first meets them. */
  private contactOf(p: Person): SimContact {
    const sim = this.simulator;
    let contact = sim.contacts.get(p.externalUserId);
    if (!contact) {
      contact = {
        externalUserId: p.externalUserId,
        name: p.name,
        type: 1,
        avatar: '',
        gender: p.gender,
        unionId: p.unionId,
        follows: [],
      };
      sim.contacts.set(p.externalUserId, contact);
    }
    return contact;
  }

  /**
   * The book: follows that were in WeCom before Siyu was connected (no callback ever told of them), put in the
   * simulator as they are and taken in by Siyu's full sync, the way a brand's first sync finds them.
   */
  private async takeInBook(plan: TrafficPlan, today: Date): Promise<void> {
    if (plan.book.length === 0) return;
    for (const [i, b] of plan.book.entries()) {
      const p = plan.people.get(b.person) as Person;
      this.contactOf(p).follows.push({
        userId: b.guide,
        remark: '',
        description: '',
        createTime: Math.floor((today.getTime() - b.daysAgo * DAY + (600 + ((i * 37) % 660)) * 60_000) / 1000),
        tagIds: [],
        state: null,
        addWay: 1,
        operUserId: p.externalUserId,
      });
    }
    const run = await this.api<{ id: string }>('POST', '/api/relationships/sync');
    for (;;) {
      await sleep(500);
      const runs = await this.api<{ items: { id: string; status: string; errors: unknown[] }[] }>(
        'GET',
        '/api/relationships/sync-runs',
      );
      const mine = runs.items.find((r) => r.id === run.id);
      if (mine && mine.status !== 'running') {
        if (mine.status !== 'succeeded')
          this.log('demo WeCom: the first sync failed for some guides', { errors: mine.errors });
        break;
      }
    }
    this.summary.book = plan.book.length;
  }

  /** The groups on the first day, the group live code over the online ones, then day after day of traffic. */
  private async replay(plan: TrafficPlan, today: Date, grouped: () => void): Promise<void> {
    const sim = this.simulator;
    const at = (daysAgo: number, minute: number) => today.getTime() - daysAgo * DAY + minute * 60_000;
    const first = plan.days[0]?.daysAgo ?? 1;
    this.clock.startAt(at(first, 9 * 60));
    for (const g of plan.groups) {
      const memberIds = g.members.map((k) => this.contactOf(plan.people.get(k) as Person).externalUserId);
      await this.pace.room(this.sent);
      const { chatId } = await sim.createGroup({ owner: g.owner, name: g.name, memberIds, admins: g.admins });
      this.chats.set(g.key, chatId);
      this.summary.groups++;
      this.summary.joins += memberIds.length;
    }
    this.onlineChats = plan.groups.filter((g) => g.store === null).map((g) => this.chats.get(g.key) as string);
    await this.settle();
    const groups = await this.api<{ items: { id: string; chatId: string }[] }>(
      'GET',
      '/api/community/groups?limit=100',
    );
    const groupIds = this.onlineChats.map((chatId) => groups.items.find((g) => g.chatId === chatId)?.id);
    if (groupIds.every((id) => id !== undefined)) {
      await this.api('POST', '/api/community/live-codes', {
        name: '新品体验群活码',
        remark: '公众号推文和门店桌贴上的进群二维码',
        groupIds,
        cap: plan.onlineCap,
      });
      await this.settle();
      this.joinWay = [...sim.joinWays.keys()][0] ?? null;
    }
    grouped();

    for (const day of plan.days) {
      for (const t of day.events) {
        this.clock.advanceTo(at(day.daysAgo, t.minute));
        await this.act(plan, t.event);
      }
      this.confirmProposals();
      await this.pumpArchive();
      this.log('demo WeCom: day replayed', { daysAgo: day.daysAgo, events: day.events.length });
    }
    await this.settle();
    await this.redeliverFailed();
  }

  /** Runs one planned event in the simulator; what WeCom would refuse (the plan ran ahead of WeCom) is skipped. */
  private async act(plan: TrafficPlan, e: PlanEvent): Promise<void> {
    const sim = this.simulator;
    const person = (key: string) => plan.people.get(key) as Person;
    const idOfMember = (key: string) => plan.people.get(key)?.externalUserId ?? key;
    if ((e.kind === 'delete' || e.kind === 'remark') && this.unsettled.has(person(e.person).externalUserId)) {
      // A day later in the replay is a second later here: Siyu's parallel workers could take the delete before
      // the add it ends (and rightly ignore the older add), so the add is let through first, as a day would.
      await this.addRecorded(person(e.person).externalUserId);
    }
    await this.pace.room(this.sent);
    try {
      switch (e.kind) {
        case 'add': {
          const p = person(e.person);
          this.contactOf(p);
          const via = 'guide' in e.via ? { userId: e.via.guide } : { configId: this.codes.get(e.via.code) as string };
          await sim.customerAddsGuide({ ...via, externalUserId: p.externalUserId });
          this.unsettled.add(p.externalUserId);
          this.summary.adds++;
          if ('configId' in via) this.summary.codeAdds++;
          return;
        }
        case 'delete': {
          const p = person(e.person);
          const userId = sim.contacts.get(p.externalUserId)?.follows[0]?.userId;
          if (!userId) throw new SimulatorError(84061, 'follows nobody');
          const input = { userId, externalUserId: p.externalUserId };
          await (e.by === 'customer' ? sim.customerDeletesGuide(input) : sim.guideDeletesCustomer(input));
          this.summary.deletes++;
          return;
        }
        case 'remark': {
          const p = person(e.person);
          const userId = sim.contacts.get(p.externalUserId)?.follows[0]?.userId;
          if (!userId) throw new SimulatorError(84061, 'follows nobody');
          await sim.guideEditsCustomer({ userId, externalUserId: p.externalUserId, remark: e.remark });
          return;
        }
        case 'join': {
          const chatId = this.chats.get(e.group) as string;
          const chat = sim.chats.get(chatId);
          const memberIds = e.people
            .map((k) => this.contactOf(person(k)).externalUserId)
            .filter((id) => !chat?.members.some((m) => m.userId === id));
          if (memberIds.length === 0) throw new SimulatorError(40058, 'already members');
          await sim.joinGroup({
            chatId,
            memberIds,
            joinScene: e.scene,
            ...(e.scene === 0 && chat ? { invitor: chat.owner } : {}),
          });
          this.summary.joins += memberIds.length;
          return;
        }
        case 'scan': {
          const p = person(e.person);
          this.contactOf(p);
          if (this.joinWay) {
            await this.joinWayMovedOn(this.joinWay, plan.onlineCap);
            await sim.customerScansJoinWay({ configId: this.joinWay, externalUserId: p.externalUserId });
          } else
            await sim.joinGroup({ chatId: this.onlineChats[0] as string, memberIds: [p.externalUserId], joinScene: 3 });
          this.summary.joins++;
          return;
        }
        case 'quit': {
          const chatId = this.chats.get(e.group) as string;
          const memberIds = e.people.map(idOfMember);
          if (e.removed) {
            // The owner acts on Siyu's removal request: the message that broke the rule must have been read first.
            await this.pumpArchive();
            await this.settle();
          }
          await sim.quitGroup({ chatId, memberIds, quitScene: e.removed ? 1 : 0 });
          this.summary.quits += memberIds.length;
          return;
        }
        case 'message': {
          const from = idOfMember(e.from);
          const chatId =
            e.group === 'online'
              ? this.onlineChats.find((id) => sim.chats.get(id)?.members.some((m) => m.userId === from))
              : this.chats.get(e.group);
          if (!chatId) throw new SimulatorError(40058, `${from} is in no online group`);
          await sim.postGroupMessage(
            e.link ? { chatId, from, msgtype: 'link', link: e.link } : { chatId, from, text: e.text },
          );
          this.summary.messages++;
          return;
        }
      }
    } catch (err) {
      if (!(err instanceof SimulatorError)) throw err;
      this.summary.skipped++;
    }
  }

  /**
   * Today: the shipped SOP plans are opened (so today's adds get their tasks), customers add guides through the
   * channel codes and get their welcome messages, the resigning guide's customers are handed to her store's head
   * (one refuses), and the morning check-ins come in.
   */
  private async goLive(plan: TrafficPlan, guides: DemoGuide[]): Promise<void> {
    const sim = this.simulator;
    this.clock.live();
    await this.settle();
    await this.api('GET', '/api/sop/plans');
    for (const e of plan.live.adds) await this.act(plan, e);
    const { resign } = plan.live;
    const leaver = guides.find((g) => g.userId === resign.guide) as DemoGuide;
    const takeover = guides.find((g) => g.userId === resign.takeover) as DemoGuide;
    sim.resignGuide(leaver.userId);
    await this.api('POST', `/api/guides/${leaver.staffId}/resign`, { takeoverStaffId: takeover.staffId });
    const refuser = plan.people.get(resign.refuser)?.externalUserId;
    if (refuser) await sim.settleTransfers({ outcome: 'refuse', externalUserIds: [refuser] });
    await this.pace.room(this.sent);
    await sim.settleTransfers({ outcome: 'accept' });
    for (const e of plan.live.messages) await this.act(plan, e);
    await this.pumpArchive();
    await this.settle();
    await this.redeliverFailed();
    this.confirmProposals();
    await this.pumpArchive();
    await this.settle();
  }

  // -------------------------------------------------------------------------------------------------------------
  // A restart: the simulator's state lived in memory, so it is rebuilt from what Siyu knows.

  /**
   * After a restart: the simulator comes back (on its old port when free, so the settings and the QR code images
   * stay right) holding what Siyu knows — guides (the resigned ones resigned), the active relationships, the groups
   * with their members, the channel codes' contact ways and the group live codes' join ways — so that console
   * actions reach WeCom as before and the nightly syncs find WeCom as Siyu left it.
   */
  async resume(): Promise<void> {
    const settings = await this.db.tenant(this.workspaceId, (tx) => loadSettings(tx, this.workspaceId));
    if (!settings) throw new Error('the demo workspace has no WeCom settings to resume');
    await this.createKey();
    const loaded = await this.load(true);
    this.loaded = loaded;
    const sim = await this.startSimulator({
      slug: loaded.slug,
      token: settings.token,
      encodingAesKey: settings.encodingAesKey,
      contactSecret: settings.contactSecret ?? CONTACT_SECRET,
      appSecret: settings.appSecret ?? APP_SECRET,
      guides: loaded.guides.map((g) => ({ userId: g.userId, name: g.name })),
      port: Number(new URL(settings.apiBaseUrl).port) || undefined,
    });
    for (const g of loaded.guides) if (g.resigned) sim.resignGuide(g.userId);
    await this.rebuildState();
    if (sim.url !== settings.apiBaseUrl) {
      await this.api('PUT', '/api/wecom/settings', {
        corpId: settings.corpId,
        contactSecret: settings.contactSecret ?? CONTACT_SECRET,
        appSecret: settings.appSecret ?? APP_SECRET,
        apiBaseUrl: sim.url,
      });
    }
    const verified = await sim.verifyCallbackUrl();
    if (!verified.ok)
      throw new Error(`Siyu refused the simulator's URL verification: ${verified.status} ${verified.body}`);
    this.summary.guides = loaded.guides.length;
    this.log('demo WeCom resumed', {
      simulator: sim.url,
      contacts: sim.contacts.size,
      groups: sim.chats.size,
      contactWays: sim.contactWays.size,
      joinWays: sim.joinWays.size,
    });
  }

  private async rebuildState(): Promise<void> {
    const sim = this.simulator;
    const seconds = (at: Date | null) => Math.floor((at ?? this.now()).getTime() / 1000);
    const { follows, groups, members } = await this.db.tenant(this.workspaceId, async (tx) => ({
      follows: await tx.query<{
        external_userid: string;
        wecom_userid: string;
        name: string;
        union_id: string | null;
        added_at: Date | null;
        state: string | null;
        remark: string;
        description: string;
        add_way: number;
      }>(
        `SELECT r.external_userid, r.wecom_userid, coalesce(r.contact_name, c.name, '') AS name, r.added_at, r.state,
                r.remark, r.description, r.add_way,
                (SELECT i.value FROM customer_identities i
                  WHERE i.workspace_id = r.workspace_id AND i.customer_id = r.customer_id AND i.kind = 'wechat_unionid'
                  LIMIT 1) AS union_id
           FROM customer_relationships r
           LEFT JOIN customers c ON c.workspace_id = r.workspace_id AND c.id = r.customer_id
          WHERE r.workspace_id = $1 AND r.status = 'active'
          ORDER BY r.added_at NULLS FIRST, r.id`,
        [this.workspaceId],
      ),
      groups: await tx.query<{
        chat_id: string;
        name: string;
        owner_userid: string;
        admin_userids: string[];
        notice: string;
        wecom_created_at: Date | null;
      }>(
        `SELECT chat_id, name, owner_userid, admin_userids, notice, wecom_created_at FROM community_groups
          WHERE workspace_id = $1 AND status = 'active' ORDER BY chat_id`,
        [this.workspaceId],
      ),
      members: await tx.query<{
        chat_id: string;
        member_id: string;
        type: string;
        name: string;
        unionid: string | null;
        joined_at: Date | null;
        join_scene: number | null;
        invitor_id: string | null;
        join_state: string | null;
      }>(
        `SELECT g.chat_id, m.member_id, m.type, m.name, m.unionid, m.joined_at, m.join_scene, m.invitor_id, m.join_state
           FROM community_members m
           JOIN community_groups g ON g.workspace_id = m.workspace_id AND g.id = m.group_id
          WHERE m.workspace_id = $1 AND m.status = 'active' AND g.status = 'active'
          ORDER BY m.joined_at NULLS FIRST, m.member_id`,
        [this.workspaceId],
      ),
    }));
    const contact = (externalUserId: string, name: string, unionId: string | null) =>
      this.contactOf({
        key: externalUserId,
        externalUserId,
        unionId: unionId ?? '',
        name,
        gender: 0,
        city: '',
        customerSeq: null,
      });
    for (const f of follows) {
      contact(f.external_userid, f.name, f.union_id).follows.push({
        userId: f.wecom_userid,
        remark: f.remark,
        description: f.description,
        createTime: seconds(f.added_at),
        tagIds: [],
        state: f.state,
        addWay: f.add_way,
        operUserId: f.external_userid,
      });
    }
    for (const g of groups) {
      sim.chats.set(g.chat_id, {
        chatId: g.chat_id,
        name: g.name,
        owner: g.owner_userid,
        createTime: seconds(g.wecom_created_at),
        notice: g.notice,
        admins: g.admin_userids,
        dismissed: false,
        changes: 0,
        members: members
          .filter((m) => m.chat_id === g.chat_id)
          .map((m) => {
            if (m.type === 'external') contact(m.member_id, m.name, m.unionid);
            return {
              userId: m.member_id,
              type: m.type === 'internal' ? 1 : 2,
              joinTime: seconds(m.joined_at),
              joinScene: m.join_scene ?? 1,
              invitor: m.invitor_id,
              name: m.name,
              state: m.join_state,
            };
          }),
      });
    }
    // Expired codes are gone from WeCom; active and paused ones keep their contact ways.
    const codes: {
      skipVerify: boolean;
      ways: { configId: string | null; state: string; pushedUserIds: string[] }[];
    }[] = [];
    for (const status of ['active', 'paused']) {
      const page = await this.api<{ items: typeof codes }>('GET', `/api/acquisition/codes?status=${status}&limit=100`);
      codes.push(...page.items);
    }
    for (const code of codes) {
      for (const way of code.ways) {
        if (!way.configId) continue;
        sim.contactWays.set(way.configId, {
          configId: way.configId,
          type: way.pushedUserIds.length > 1 ? 2 : 1,
          scene: 2,
          style: 0,
          remark: '',
          skipVerify: code.skipVerify,
          state: way.state,
          userIds: way.pushedUserIds,
          partyIds: [],
          isTemp: false,
          expiresIn: 0,
          chatExpiresIn: 0,
          unionId: '',
          qrCode: `${sim.url}/qr/${way.configId}`,
          turn: 0,
        });
      }
    }
    const liveCodes = await this.api<{
      items: {
        configId: string | null;
        state: string;
        remark: string;
        autoCreate: boolean;
        roomBaseName: string | null;
        roomBaseId: number | null;
        pushedChatIds: string[];
      }[];
    }>('GET', '/api/community/live-codes');
    for (const code of liveCodes.items) {
      if (!code.configId) continue;
      sim.joinWays.set(code.configId, {
        configId: code.configId,
        scene: 2,
        remark: code.remark,
        autoCreateRoom: code.autoCreate,
        roomBaseName: code.roomBaseName ?? '',
        roomBaseId: code.roomBaseId ?? 0,
        chatIds: code.pushedChatIds,
        state: code.state,
        qrCode: `${sim.url}/qr/${code.configId}`,
      });
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // The trickle: light live traffic while Siyu serves.

  /**
   * One moment of live traffic: someone adds a guide (through a channel code or directly; greeted within the
   * window), writes or checks in in a group, joins one, or deletes a guide; then owners confirm what Siyu proposed
   * and the archive connector posts the new messages.
   */
  async tick(): Promise<void> {
    const sim = this.sim;
    if (!sim || this.closed) return;
    const rng = this.rng;
    const roll = rng.next();
    const chats = [...sim.chats.values()].filter((c) => !c.dismissed);
    const customersIn = (c: (typeof chats)[number]) => c.members.filter((m) => m.type === 2);
    await this.pace.room(this.sent);
    try {
      if (roll < 0.45) {
        const p = this.newPerson();
        this.contactOf(p);
        const ways = [...sim.contactWays.keys()];
        const guides = [...sim.guides.values()].filter((g) => g.status === 'active');
        if (ways.length === 0 && guides.length === 0) return;
        const via =
          ways.length > 0 && (guides.length === 0 || rng.next() < 0.6)
            ? { configId: rng.pick(ways) }
            : { userId: rng.pick(guides).userId };
        await sim.customerAddsGuide({ ...via, externalUserId: p.externalUserId });
      } else if (roll < 0.85 && chats.length > 0) {
        const chat = rng.pick(chats);
        const members = customersIn(chat);
        if (members.length === 0) return;
        const pool = roll < 0.75 ? (rng.next() < 0.3 ? TEXTS.questions : TEXTS.chatter) : TEXTS.checkIns;
        await sim.postGroupMessage({ chatId: chat.chatId, from: rng.pick(members).userId, text: rng.pick(pool) });
      } else if (roll < 0.95 && chats.length > 0) {
        const inGroups = new Set(chats.flatMap((c) => c.members.map((m) => m.userId)));
        const outside = [...sim.contacts.values()].filter(
          (c) => c.follows.length > 0 && !inGroups.has(c.externalUserId),
        );
        if (outside.length === 0) return;
        const who = rng.pick(outside).externalUserId;
        const way = [...sim.joinWays.keys()][0];
        if (way) await sim.customerScansJoinWay({ configId: way, externalUserId: who });
        else await sim.joinGroup({ chatId: rng.pick(chats).chatId, memberIds: [who], joinScene: 3 });
      } else {
        const following = [...sim.contacts.values()].filter((c) => c.follows.length > 0);
        if (following.length === 0) return;
        const c = rng.pick(following);
        await sim.customerDeletesGuide({
          externalUserId: c.externalUserId,
          userId: (c.follows[0] as { userId: string }).userId,
        });
      }
    } catch (err) {
      if (!(err instanceof SimulatorError)) throw err;
    }
    this.confirmProposals();
    await this.pumpArchive();
    await this.redeliverFailed();
  }

  /** A demo customer WeCom has not met yet (matched by unionid when they add), else a newcomer. */
  private newPerson(): Person {
    const sim = this.simulator;
    const customers = this.loaded?.customers ?? [];
    for (let tries = 0; tries < 20 && customers.length > 0; tries++) {
      const c = this.rng.pick(customers);
      if (c.unionId && !(c.externalUserId && sim.contacts.has(c.externalUserId))) {
        const known = [...sim.contacts.values()].some((k) => k.unionId === c.unionId);
        if (!known) return personOf(this.rng, c);
      }
    }
    return newcomerOf(this.rng, `t${sim.contacts.size}`);
  }

  /** A tick every `intervalMs` until close(); a tick still running makes the next one wait its turn. */
  startTraffic(intervalMs: number): void {
    if (this.timer || this.closed || !this.sim) return;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = this.tick()
        .catch((err: Error) => this.log('demo WeCom traffic: a tick failed', { error: err.message }))
        .finally(() => {
          this.ticking = null;
        });
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the trickle (and a populate or resume under way) and the simulator. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    await this.sim?.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

type SimContact = NonNullable<ReturnType<Simulator['contacts']['get']>>;
