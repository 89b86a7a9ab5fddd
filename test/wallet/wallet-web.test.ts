import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfTokenFrom, makeAdmin, signedUpAgent, type TestApp } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ FREE_MINUTES_PER_MONTH: '30' });
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(t.testDb.db);
  } finally {
    await t.close();
  }
});

async function userId(email: string): Promise<number> {
  const row = await t.testDb.db('users').where({ email }).first<{ id: number }>();
  return Number(row!.id);
}

describe('wallet page', () => {
  it('asks for a log-in first', async () => {
    const res = await request(t.app).get('/wallet');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fwallet');
  });

  it('shows balance, available credit, free minutes, the chart and the history', async () => {
    const { agent } = await signedUpAgent(t);
    const id = await userId('ada@example.com');
    await t.services.money.wallet.credit(id, { kind: 'grant', amountMicros: 12_345_678, description: 'Welcome credit' });
    const res = await agent.get('/wallet');
    expect(res.status).toBe(200);
    // The one money format: four decimals on every page.
    expect(res.text).toContain('$12.3457');
    expect(res.text).toMatch(/Free minutes left this month<\/dt><dd>30 of 30/);
    expect(res.text).toContain('Welcome credit');
    // No charges yet: a sentence, not an empty chart.
    expect(res.text).not.toContain('<svg');
    expect(res.text).toContain('<p class="empty">No call charges in the last 30 days.</p>');
    expect(res.text).not.toMatch(/<script(?![^>]*src=)/);
    expect(res.text).not.toMatch(/ style="/);
    expect(res.text).toMatch(/<a href="\/wallet"[^>]*aria-current="page">Wallet<\/a>/);
  });

  it('pages the history', async () => {
    const { agent } = await signedUpAgent(t);
    const id = await userId('ada@example.com');
    for (let i = 1; i <= 25; i++) await t.services.money.wallet.credit(id, { kind: 'grant', amountMicros: 1_000_000, description: `Grant number ${i}` });
    const first = await agent.get('/wallet');
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toContain('Grant number 25');
    expect(first.text).not.toContain('Grant number 5<');
    const second = await agent.get('/wallet?page=2');
    expect(second.text).toContain('Grant number 5<');
    expect(second.text).toContain('rel="prev"');
  });

  it('exports the whole history as CSV', async () => {
    const { agent } = await signedUpAgent(t);
    const id = await userId('ada@example.com');
    await t.services.money.wallet.credit(id, { kind: 'grant', amountMicros: 2_500_000, description: '=cmd|calc' });
    const res = await agent.get('/wallet/ledger.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="callbridge-ledger-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe('date,kind,description,amount,balance_after,free_seconds,reference');
    expect(lines[1]).toMatch(/,grant,'=cmd\|calc,2\.5000,2\.5000,0,$/);
  });

  it('invites a new user to add credit, then warns on every page while credit is low, until there is enough', async () => {
    const { agent } = await signedUpAgent(t);
    for (const page of ['/account', '/wallet']) {
      const text = (await agent.get(page)).text;
      expect(text).toContain('You have no credit for calls. <a href="/wallet#top-up">Add credit</a>');
      expect(text).not.toContain('running low');
    }
    await t.services.money.wallet.credit(await userId('ada@example.com'), { kind: 'grant', amountMicros: 1_000_000, description: 'Top-up' });
    expect((await agent.get('/account')).text).toContain('Your credit is running low: <strong>$1.0000</strong>');
    await t.services.money.wallet.credit(await userId('ada@example.com'), { kind: 'grant', amountMicros: 1_000_000, description: 'Top-up' });
    expect((await agent.get('/account')).text).not.toContain('Your credit is running low');
    expect((await request(t.app).get('/login')).text).not.toContain('Your credit is running low');
  });

  it('does not warn of low credit because a live call holds most of it', async () => {
    const { agent } = await signedUpAgent(t);
    const id = await userId('ada@example.com');
    await t.testDb.db('users').where({ id }).update({ phone_e164: '+12015550123', phone_verified_at: new Date().toISOString() });
    await t.services.money.wallet.credit(id, { kind: 'grant', amountMicros: 5_000_000, description: 'Top-up' });
    await t.services.money.rates.importDeck({ text: 'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled\nUS,United States,1,United States,0.10,0.05,60,60,0,0,true\n' });
    const hold = await t.services.money.callCredit.hold({ userId: id, callSid: 'cl_live', tariffs: { first: t.services.money.rates.lookup('+12015550123')!, bridged: t.services.money.rates.lookup('+12015550199')! } });
    expect(hold.amountMicros).toBeGreaterThan(4_000_000);
    expect((await agent.get('/account')).text).not.toContain('running low');
  });

  it('shows no credit banner to an admin who has no wallet', async () => {
    const { agent } = await signedUpAgent(t, { email: 'root@example.com' });
    await makeAdmin(t, 'root@example.com');
    expect(await t.testDb.db('wallets').where({ user_id: await userId('root@example.com') }).first()).toBeUndefined();
    const text = (await agent.get('/admin')).text;
    expect(text).not.toContain('banner-low-balance');
  });
});

describe('redeeming a voucher', () => {
  async function code(): Promise<string> {
    const batch = await t.services.money.vouchers.createBatch({ label: 'Promo', valueMicros: 5_000_000, quantity: 1, expiresAt: new Date(Date.now() + 86_400_000) });
    return batch.codes[0]!;
  }

  it('adds the value, once, with the error next to the field the second time', async () => {
    const { agent, csrf } = await signedUpAgent(t);
    const voucher = await code();
    const ok = await agent.post('/wallet/redeem').type('form').send({ _csrf: csrf, code: voucher.toLowerCase() });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/wallet');
    const page = await agent.get('/wallet');
    expect(page.text).toContain('Voucher redeemed: $5.0000 added to your balance.');
    expect(page.text).toMatch(/Balance<\/dt><dd class="amount">\$5\.00/);
    const again = await agent.post('/wallet/redeem').type('form').send({ _csrf: csrfTokenFrom(page.text), code: voucher });
    expect(again.status).toBe(422);
    expect(again.text).toMatch(/id="code-error">This voucher has already been used\./);
    expect(again.text).toContain('aria-invalid="true"');
  });

  it('explains an empty or unknown code without changing anything', async () => {
    const { agent, csrf } = await signedUpAgent(t);
    const empty = await agent.post('/wallet/redeem').type('form').send({ _csrf: csrf, code: '' });
    expect(empty.status).toBe(422);
    expect(empty.text).toMatch(/id="code-error">Enter the code printed on your voucher\./);
    const unknown = await agent.post('/wallet/redeem').type('form').send({ _csrf: csrf, code: 'ABCD-EFGH-JKMN' });
    expect(unknown.text).toMatch(/id="code-error">No voucher has that code/);
    expect(await t.testDb.db('ledger_entries').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('refuses a form without its CSRF token', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.post('/wallet/redeem').type('form').send({ code: await code() });
    expect(res.status).toBe(403);
  });
});

describe('admin vouchers', () => {
  it('are for administrators only', async () => {
    const { agent } = await signedUpAgent(t);
    expect((await agent.get('/admin/vouchers')).status).toBe(403);
  });

  it('creates a batch, redirects to it (a reload cannot create a second) and exports the unused ones', async () => {
    const { agent } = await signedUpAgent(t);
    await makeAdmin(t, 'ada@example.com');
    const form = await agent.get('/admin/vouchers');
    expect(form.status).toBe(200);
    const bad = await agent.post('/admin/vouchers').type('form').send({ _csrf: csrfTokenFrom(form.text), label: '', value: '-1', quantity: '0', expires: 'soon' });
    expect(bad.status).toBe(422);
    for (const field of ['label', 'value', 'quantity', 'expires']) expect(bad.text).toContain(`id="${field}-error"`);
    const res = await agent
      .post('/admin/vouchers')
      .type('form')
      .send({ _csrf: csrfTokenFrom(form.text), label: 'Launch', value: '2.50', quantity: '3', expires: '2099-12-31' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/vouchers\/\d+$/);
    const page = await agent.get(res.headers.location!);
    expect(page.text).toContain('Created batch “Launch”: 3 codes worth $2.5000 each');
    const codes = /<textarea[^>]*>([^<]+)<\/textarea>/.exec(page.text)![1]!.split('\n');
    expect(codes).toHaveLength(3);
    expect((await agent.get('/admin/vouchers')).text).toMatch(/Launch<\/a><\/td><td data-label="Value" class="num">\$2\.5000<\/td><td data-label="Redeemed" class="num">0 of 3/);
    expect(await t.testDb.db('voucher_batches').count({ n: '*' }).first()).toEqual({ n: 1 });
    const id = (await t.testDb.db('voucher_batches').first<{ id: number }>())!.id;
    await t.services.money.vouchers.redeem(await userId('ada@example.com'), codes[0]!);
    const csv = await agent.get(`/admin/vouchers/${id}/codes.csv`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\r\n')).toEqual(['code,value,expires_at,batch', ...codes.slice(1).map((c) => `${c},$2.5000,2099-12-31T23:59:59.999Z,Launch`)]);
    expect((await agent.get('/admin/vouchers/999/codes.csv')).status).toBe(404);
    expect((await agent.get('/admin')).text).toContain('href="/admin/vouchers"');
  });
});
