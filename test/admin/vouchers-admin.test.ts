import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VoucherError } from '../../src/wallet/vouchers.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { adminAgent, auditCount } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const good = { label: 'Promo', value: '5.00', quantity: '2', expires: '2099-12-31' };

describe('voucher admin', () => {
  it('refuses 1e3, 0x10, impossible dates and sub-cent values with a clear message, creating nothing', async () => {
    const { agent, csrf } = await adminAgent(t);
    const cases: [Record<string, string>, string, string][] = [
      [{ value: '1e3' }, 'value', 'Enter an amount such as 5.00'],
      [{ value: '0.001' }, 'value', 'Use whole cents'],
      [{ value: '0x10' }, 'value', 'Enter an amount such as 5.00'],
      [{ quantity: '1e3' }, 'quantity', 'Enter a whole number from 1 to 1000.'],
      [{ quantity: '0x10' }, 'quantity', 'Enter a whole number from 1 to 1000.'],
      [{ quantity: '2.5' }, 'quantity', 'Enter a whole number from 1 to 1000.'],
      [{ expires: '2099-02-31' }, 'expires', '2099-02-31 is not a real day'],
      [{ expires: '2099-13-01' }, 'expires', '2099-13-01 is not a real day'],
      [{ expires: '2001-01-01' }, 'expires', 'Pick a day in the future.'],
    ];
    for (const [override, field, message] of cases) {
      const res = await agent.post('/admin/vouchers').type('form').send({ _csrf: csrf, ...good, ...override });
      expect(res.status, JSON.stringify(override)).toBe(422);
      expect(res.text).toContain(`id="${field}-error">${message}`);
    }
    const repeated = await agent.post('/admin/vouchers').type('form').send(`_csrf=${csrf}&label=x&value=1&value=2&quantity=1&expires=2099-01-01`);
    expect(repeated.status).toBe(422);
    expect(await t.testDb.db('voucher_batches').count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await auditCount(t)).toBe(0);
  });

  it('writes one audit row per batch, and voids the unused codes of a batch after confirmation', async () => {
    const { agent, csrf } = await adminAgent(t);
    const created = await agent.post('/admin/vouchers').type('form').send({ _csrf: csrf, ...good, quantity: '3' });
    expect(await auditCount(t)).toBe(1);
    const page = await agent.get(created.headers.location!);
    const codes = /<textarea[^>]*>([^<]+)<\/textarea>/.exec(page.text)![1]!.split('\n');
    const ada = await signedUpAgent(t, { email: 'ada@example.com' });
    const adaId = Number((await t.testDb.db('users').where({ email: 'ada@example.com' }).first())!.id);
    await t.services.money.vouchers.redeem(adaId, codes[0]!);
    const confirm = await agent.get(`${created.headers.location}/void`);
    expect(confirm.text).toContain('2 codes worth $5.0000 each will stop working');
    const voided = await agent.post(`${created.headers.location}/void`).type('form').send({ _csrf: csrf });
    expect(voided.status).toBe(303);
    const after = await agent.get(created.headers.location!);
    expect(after.text).toContain('Voided 2 unused codes');
    expect(after.text).toContain('No unused codes left.');
    await expect(t.services.money.vouchers.redeem(adaId, codes[1]!)).rejects.toThrow(VoucherError);
    await expect(t.services.money.vouchers.redeem(adaId, codes[1]!)).rejects.toThrow(/withdrawn/);
    expect((await t.services.money.wallet.peek(adaId)).balanceMicros).toBe(5_000_000);
    expect(await auditCount(t)).toBe(2);
    await agent.post(`${created.headers.location}/void`).type('form').send({ _csrf: csrf });
    expect(await auditCount(t)).toBe(2);
    const csv = await agent.get(`${created.headers.location}/codes.csv`);
    expect(csv.text.trim().split('\r\n')).toHaveLength(1);
    void ada;
  });

  it('pages through batches', async () => {
    const { agent, id } = await adminAgent(t);
    for (let i = 0; i < 23; i++) {
      await t.services.money.vouchers.createBatch({ label: `Batch ${i}`, valueMicros: 1_000_000, quantity: 1, expiresAt: new Date('2099-01-01T00:00:00Z'), createdBy: id });
    }
    const first = await agent.get('/admin/vouchers');
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toContain('Batch 22');
    expect(first.text).not.toContain('Batch 2<');
    const second = await agent.get('/admin/vouchers?page=2');
    expect(second.text).toContain('Batch 0<');
    expect((await agent.get('/admin/vouchers/9999')).status).toBe(404);
  });
});
