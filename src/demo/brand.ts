// The demo brand: 「茶语」, a new-style tea-drink chain with stores in six cities, its staff and guides.
// Later issues add customers, events, orders, members, groups and campaigns to the same generator.
import type { Role } from '../contracts/foundation.ts';
import type { NewStaffMember } from '../platform/workspaces.ts';
import { Rng } from './random.ts';

export const DEMO_BRAND = { slug: 'chayu', name: '茶语 Chayu', ownerEmail: 'owner@chayu.demo' } as const;

export const STORES = [
  '上海南京西路店',
  '上海静安寺店',
  '杭州湖滨银泰店',
  '北京三里屯店',
  '深圳万象天地店',
  '成都太古里店',
] as const;

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '林',
  '何',
];
const GIVEN = [
  '晓',
  '雨',
  '欣',
  '婷',
  '佳',
  '子',
  '思',
  '梓',
  '浩',
  '宇',
  '明',
  '静',
  '琳',
  '涵',
  '悦',
  '诗',
  '博',
  '楠',
];

function chineseName(rng: Rng): string {
  const given = rng.next() < 0.4 ? rng.pick(GIVEN) : `${rng.pick(GIVEN)}${rng.pick(GIVEN)}`;
  return `${rng.pick(SURNAMES)}${given}`;
}

/** One guide per ~500 customers, at least two per store, at most 60 in all. */
export function guideCount(customers: number): number {
  return Math.min(60, Math.max(STORES.length * 2, Math.round(customers / 500)));
}

export interface DemoStaff extends Omit<NewStaffMember, 'password'> {
  id: string;
}

/** The brand's staff for a seed: the same names, e-mails, phones, stores and ids every time. */
export function demoStaff(seed: number, customers: number): DemoStaff[] {
  const rng = new Rng(seed);
  const people: DemoStaff[] = [];
  const add = (role: Role, department: string, email: string | null, withPhone = true) => {
    const n = people.length + 1;
    people.push({
      id: rng.uuid(),
      name: chineseName(rng),
      role,
      department,
      email,
      // 139 0000 nnnn style numbers: valid mainland mobiles reserved-looking enough for a demo.
      phone: withPhone ? `+86139${String(10_000_000 + seed * 1000 + n).slice(-8)}` : null,
    });
  };
  add('owner', '品牌总部', DEMO_BRAND.ownerEmail, false);
  add('admin', '品牌总部', 'admin@chayu.demo');
  add('operator', '私域运营部', 'ops1@chayu.demo');
  add('operator', '私域运营部', 'ops2@chayu.demo');
  add('analyst', '数据分析部', 'analyst@chayu.demo');
  add('auditor', '法务合规部', 'audit@chayu.demo');
  const guides = guideCount(customers);
  for (let i = 0; i < guides; i++) add('guide', STORES[i % STORES.length] as string, `guide${i + 1}@chayu.demo`);
  return people;
}
