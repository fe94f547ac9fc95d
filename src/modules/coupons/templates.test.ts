// Coupon templates over HTTP: each kind created as a draft and read back, bad definitions refused with a code per
// mistake, the terms frozen once the template is active, status changes, and who may read and manage them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { activeTemplate, amountOff, createCustomer, freeShipping, gift, issueTo, percentOff } from './fixtures.ts';

let server: TestServer;
let owner: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'coupon-templates' });
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
});
afterAll(() => server.close());

async function staff(role: string): Promise<ApiClient> {
  const email = `${role}@coupon-templates.demo`;
  const password = `${role}-pw-12345`;
  expect((await owner.post('/api/staff', { name: role, email, role, password })).status).toBe(201);
  const client = new ApiClient(server.url);
  expect((await client.login(email, password, server.owner.workspace)).status).toBe(200);
  return client;
}

test('each kind is created as a draft with its terms, listed, and moves active → paused → active → ended', async () => {
  const bodies = [
    amountOff(),
    percentOff(),
    gift(),
    freeShipping({ scope: { channels: ['mini_program'], stores: [' SH-001 ', 'SH-001'] }, stackable: true }),
  ];
  const ids: string[] = [];
  for (const body of bodies) {
    const res = await owner.post('/api/coupon-templates', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'draft', kind: body.kind, title: body.title, issuedCount: 0 });
    ids.push(res.body.id);
  }
  const read = await owner.get(`/api/coupon-templates/${ids[1]}`);
  expect(read.body).toMatchObject({
    kind: 'percent_off',
    percentOffBp: 1500,
    maxDiscountFen: 5000,
    minSpendFen: 0,
    validityKind: 'fixed',
    amountOffFen: null,
    stackable: false,
    pointsOffset: true,
    expiryReminderDays: 3,
    stats: { available: 0, redeemed: 0, expired: 0, void: 0 },
  });
  const shipping = await owner.get(`/api/coupon-templates/${ids[3]}`);
  expect(shipping.body.scope).toEqual({ skus: [], categories: [], channels: ['mini_program'], stores: ['SH-001'] });

  const drafts = await owner.get('/api/coupon-templates?status=draft&limit=2');
  expect(drafts.body.items).toHaveLength(2);
  const rest = await owner.get(`/api/coupon-templates?status=draft&limit=2&cursor=${drafts.body.nextCursor}`);
  expect([...drafts.body.items, ...rest.body.items].map((t: { id: string }) => t.id)).toEqual([...ids].reverse());
  expect((await owner.get('/api/coupon-templates?q=包邮')).body.items.map((t: { id: string }) => t.id)).toEqual([
    ids[3],
  ]);

  const id = ids[0];
  const steps = [
    ['active', 200, 'active'],
    ['active', 200, 'active'],
    ['paused', 200, 'paused'],
    ['active', 200, 'active'],
    ['ended', 200, 'ended'],
  ] as const;
  for (const [status, code, after] of steps) {
    const res = await owner.post(`/api/coupon-templates/${id}/status`, { status });
    expect(res.status).toBe(code);
    expect(res.body.status).toBe(after);
  }
  const back = await owner.post(`/api/coupon-templates/${id}/status`, { status: 'active' });
  expect(back.status).toBe(409);
  expect(back.body.error.code).toBe('coupon.invalid_status_change');
  expect((await owner.patch(`/api/coupon-templates/${id}`, { title: '改名' })).body.error.code).toBe(
    'coupon.template_ended',
  );
  const audit = await owner.get('/api/audit?action=coupon_template.status');
  expect(audit.body.items[0]).toMatchObject({ targetId: id, details: { from: 'active', to: 'ended', voided: 0 } });
});

test('bad definitions are refused with a code that names the mistake', async () => {
  const past = new Date(Date.now() - 86_400_000).toISOString();
  const cases: [Record<string, unknown>, number, string][] = [
    [{ ...amountOff(), amountOffFen: undefined }, 400, 'coupon.amount_required'],
    [{ ...amountOff(), amountOffFen: 12_000 }, 400, 'coupon.discount_exceeds_threshold'],
    [{ ...amountOff(), percentOffBp: 1000 }, 400, 'coupon.field_not_applicable'],
    [{ ...percentOff(), percentOffBp: undefined }, 400, 'coupon.percent_required'],
    [{ ...percentOff(), percentOffBp: 10_000 }, 400, 'request.invalid'],
    [{ ...gift(), giftName: undefined }, 400, 'coupon.gift_required'],
    [{ ...amountOff(), title: '   ' }, 400, 'coupon.title_required'],
    [{ ...amountOff(), validDays: undefined }, 400, 'coupon.validity_days_required'],
    [{ ...amountOff(), validFrom: past }, 400, 'coupon.validity_field_not_applicable'],
    [{ ...percentOff(), validUntil: undefined }, 400, 'coupon.validity_dates_required'],
    [{ ...percentOff(), validUntil: percentOff().validFrom }, 400, 'coupon.validity_range_invalid'],
    [
      { ...percentOff(), validFrom: past, validUntil: past.replace(/\d\d\.\d+Z$/, '59.999Z') },
      400,
      'coupon.validity_in_past',
    ],
    [{ ...percentOff(), validDays: 5 }, 400, 'coupon.validity_field_not_applicable'],
    [{ ...amountOff(), amountOffFen: 12.5 }, 400, 'request.invalid'],
    [{ ...amountOff(), amountOffFen: '2000' }, 400, 'request.invalid'],
    [{ ...amountOff(), totalStock: 0 }, 400, 'request.invalid'],
    [{ ...amountOff(), kind: 'cashback' }, 400, 'request.invalid'],
    [{ ...amountOff(), surprise: true }, 400, 'request.invalid'],
  ];
  for (const [body, status, code] of cases) {
    const res = await owner.post('/api/coupon-templates', body);
    expect(res.status, `${code}: ${JSON.stringify(res.body)}`).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
  }
  const en = await owner.request(
    'POST',
    '/api/coupon-templates',
    { ...amountOff(), amountOffFen: 12_000 },
    {
      'accept-language': 'en',
    },
  );
  expect(en.body.error.message).toBe('The amount off (¥120.00) cannot exceed the minimum spend (¥100.00)');
  expect((await owner.get('/api/coupon-templates/00000000-0000-4000-8000-000000000000')).body.error.code).toBe(
    'coupon.template_not_found',
  );
});

test('a draft changes freely (switching kind drops the old kind’s fields); an active template keeps its terms', async () => {
  const draft = await owner.post('/api/coupon-templates', amountOff({ title: '草稿券' }));
  const switched = await owner.patch(`/api/coupon-templates/${draft.body.id}`, {
    kind: 'percent_off',
    percentOffBp: 1000,
    minSpendFen: 0,
  });
  expect(switched.status, JSON.stringify(switched.body)).toBe(200);
  expect(switched.body).toMatchObject({ kind: 'percent_off', percentOffBp: 1000, amountOffFen: null });

  const t = await activeTemplate(owner, amountOff({ title: '冻结券', totalStock: 5 }));
  const locked = await owner.patch(`/api/coupon-templates/${t.id}`, { amountOffFen: 3000 });
  expect(locked.status).toBe(409);
  expect(locked.body.error).toMatchObject({ code: 'coupon.template_locked' });
  // The console sends the whole form back: unchanged terms pass, and the editable fields change.
  const { id: _id, ...form } = t;
  const saved = await owner.patch(`/api/coupon-templates/${t.id}`, {
    title: '冻结券（加量）',
    description: '每人限两张',
    kind: form.kind,
    amountOffFen: form.amountOffFen,
    minSpendFen: form.minSpendFen,
    validityKind: form.validityKind,
    validDays: form.validDays,
    totalStock: 10,
    perMemberLimit: 2,
    scope: form.scope,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  expect(saved.body).toMatchObject({ title: '冻结券（加量）', totalStock: 10, perMemberLimit: 2, amountOffFen: 2000 });

  const people = [await createCustomer(owner, '13900139001'), await createCustomer(owner, '13900139002')];
  await issueTo(owner, t.id, people, 2);
  const below = await owner.patch(`/api/coupon-templates/${t.id}`, { totalStock: 3 });
  expect(below.status).toBe(409);
  expect(below.body.error.code).toBe('coupon.stock_below_issued');
  expect((await owner.get(`/api/coupon-templates/${t.id}`)).body).toMatchObject({
    issuedCount: 4,
    stats: { available: 4, redeemed: 0, expired: 0, void: 0 },
  });

  const ended = await owner.post(`/api/coupon-templates/${t.id}/status`, { status: 'ended' });
  expect(ended.body.stats).toEqual({ available: 0, redeemed: 0, expired: 0, void: 4 });
});

test('a fixed template whose end has passed while it was a draft cannot be activated', async () => {
  const t = await owner.post('/api/coupon-templates', percentOff());
  expect(t.status).toBe(201);
  // As if the draft had waited past its end: the validity is moved into the past directly.
  await server.siyu.db.query(
    `UPDATE coupon_templates SET valid_from = now() - interval '10 days', valid_until = now() - interval '1 day'
      WHERE id = $1`,
    [t.body.id],
  );
  const res = await owner.post(`/api/coupon-templates/${t.body.id}/status`, { status: 'active' });
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('coupon.template_expired');
});

test('analysts and guides read templates, only operators and up manage them, auditors see none', async () => {
  const analyst = await staff('analyst');
  const guide = await staff('guide');
  const auditor = await staff('auditor');
  const operator = await staff('operator');
  expect((await analyst.get('/api/coupon-templates')).status).toBe(200);
  expect((await guide.get('/api/coupon-templates')).status).toBe(200);
  expect((await auditor.get('/api/coupon-templates')).status).toBe(403);
  expect((await analyst.post('/api/coupon-templates', amountOff())).status).toBe(403);
  expect((await guide.post('/api/coupon-templates', amountOff())).status).toBe(403);
  expect((await operator.post('/api/coupon-templates', amountOff())).status).toBe(201);
  const me = await guide.get('/api/auth/me');
  expect(me.body.permissions).toEqual(expect.arrayContaining(['coupon.read', 'coupon.redeem']));
  expect(me.body.permissions).not.toContain('coupon.manage');
});
