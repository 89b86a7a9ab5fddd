import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { estimatedCost } from '../../src/admin/dashboard.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { adminAgent, seedSampleDeck } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
  await seedSampleDeck(t);
});
afterEach(async () => {
  await t.close();
});

describe('admin dashboard', () => {
  it('shows revenue, estimated cost and margin from the ledger and settled holds, credit outstanding, users and a 30-day SVG chart', async () => {
    const { agent } = await adminAgent(t);
    await signedUpAgent(t, { email: 'ada@example.com' });
    const ada = Number((await t.testDb.db('users').where({ email: 'ada@example.com' }).first())!.id);
    await t.services.money.wallet.credit(ada, { kind: 'grant', amountMicros: 20_000_000, description: 'Welcome' });
    const rates = t.services.money.rates;
    const uk = rates.lookup('+442079460958')!;
    const hold = await t.services.money.callCredit.hold({ userId: ada, callSid: 'CA-dash', tariffs: { first: uk, bridged: uk } });
    expect(hold).toBeTruthy();
    const live = await agent.get('/admin');
    await t.services.money.callCredit.settle({ callSid: 'CA-dash', firstLegSeconds: 120, bridgedSeconds: 90 });
    const charged = -(await t.services.money.wallet.ledger(ada)).entries.find((e) => e.kind === 'call_charge')!.amountMicros;
    expect(charged).toBeGreaterThan(0);
    const page = await agent.get('/admin');
    expect(page.status).toBe(200);
    const money = (m: number) => `$${(m / 1e6).toFixed(4)}`;
    expect(page.text).toContain(`Revenue today</dt><dd>${money(charged)}`);
    expect(page.text).toContain(`Credit outstanding</dt><dd>${money(20_000_000 - charged)}`);
    expect(page.text).toMatch(/Users<\/dt><dd>2/);
    expect(page.text).toMatch(/<svg viewBox="0 0 600 160"/);
    expect((page.text.match(/class="chart-bar"/g) ?? []).length).toBe(30);
    expect(page.text).toContain('href="/admin/rates"');
    expect(page.text).toContain('href="/admin/users"');
  });

  it('shows money in (card top-ups, refunds) against call charges and their estimated cost, per day', async () => {
    const { agent } = await adminAgent(t);
    const empty = await agent.get('/admin').expect(200);
    expect(empty.text).toContain('No top-ups or call charges in the last 30 days.');
    await signedUpAgent(t, { email: 'ada@example.com' });
    const ada = Number((await t.testDb.db('users').where({ email: 'ada@example.com' }).first())!.id);
    await t.services.money.wallet.credit(ada, { kind: 'purchase', amountMicros: 30_000_000, description: 'Card top-up $30.00', idempotencyKey: 'stripe:cs_dash' });
    await t.services.money.wallet.credit(ada, { kind: 'refund', amountMicros: -5_000_000, description: 'Refund of card top-up $30.00', idempotencyKey: 'stripe:re_dash' });
    // A grant is not money in.
    await t.services.money.wallet.credit(ada, { kind: 'grant', amountMicros: 7_000_000, description: 'Welcome' });
    const uk = t.services.money.rates.lookup('+442079460958')!;
    await t.services.money.callCredit.hold({ userId: ada, callSid: 'CA-money-in', tariffs: { first: uk, bridged: uk } });
    await t.services.money.callCredit.settle({ callSid: 'CA-money-in', firstLegSeconds: 120, bridgedSeconds: 90 });
    const charged = -(await t.services.money.wallet.ledger(ada)).entries.find((e) => e.kind === 'call_charge')!.amountMicros;
    const page = await agent.get('/admin').expect(200);
    const today = t.clock.now().toISOString().slice(0, 10);
    const row = new RegExp(`<tr><td>${today}</td><td class="num">\\$30\\.0000</td><td class="num">\\$5\\.0000</td><td class="num">\\$25\\.0000</td><td class="num">\\$${(charged / 1e6).toFixed(4).replace('.', '\\.')}</td><td class="num">\\$(\\d+\\.\\d{4})</td></tr>`);
    const match = row.exec(page.text);
    expect(match, page.text.slice(page.text.indexOf('Money in against'), page.text.indexOf('Money in against') + 1200)).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
    expect(Number(match![1])).toBeLessThan(charged / 1e6);
  });

  it('estimates a call’s cost from its legs’ cost and sell rates', () => {
    const tariffs = JSON.stringify({ tariffs: { first: { sellPerMinMicros: 100, costPerMinMicros: 50 }, bridged: { sellPerMinMicros: 300, costPerMinMicros: 150 } } });
    expect(estimatedCost(4_000, tariffs)).toBe(2_000);
    expect(estimatedCost(4_000, JSON.stringify({ tariffs: { first: { sellPerMinMicros: 0 }, bridged: { sellPerMinMicros: 0 } } }))).toBe(0);
    expect(estimatedCost(4_000, 'not json')).toBe(0);
  });
});

describe('call economics', () => {
  it('gives sell, cost and margin per leg from the breakdown and the hold tariffs', async () => {
    const { callEconomics } = await import('../../src/admin/calls/call-economics.js');
    const leg = (seconds: number, costMicros: number) => ({ seconds, billedSeconds: 120, paidSeconds: seconds, ratePerMinMicros: 0, connectionFeeMicros: 0, costMicros });
    const breakdown = { firstLeg: leg(95, 20_000), bridgedLeg: leg(75, 200_000), freeSecondsUsed: 0, chargedMicros: 220_000, uncollectedMicros: 0 };
    const tariffs = JSON.stringify({ tariffs: { first: { costPerMinMicros: 5_000 }, bridged: { costPerMinMicros: 50_000 } } });
    const e = callEconomics(breakdown, tariffs)!;
    expect(e.first).toEqual({ seconds: 95, sellMicros: 20_000, costMicros: 10_000, marginMicros: 10_000 });
    expect(e.bridged).toEqual({ seconds: 75, sellMicros: 200_000, costMicros: 100_000, marginMicros: 100_000 });
    expect(e.total).toMatchObject({ sellMicros: 220_000, costMicros: 110_000, marginMicros: 110_000 });
    expect(callEconomics(null, tariffs)).toBeUndefined();
  });
});
