import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { seedSampleDeck } from '../admin/helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
  await seedSampleDeck(t);
});
afterEach(async () => {
  await t.close();
});

describe('wallet during a call', () => {
  it('says in words what is held for the call in progress, and drops it once the call is settled', async () => {
    const { agent } = await signedUpAgent(t, { email: 'ada@example.com' });
    const ada = Number((await t.testDb.db('users').where({ email: 'ada@example.com' }).first())!.id);
    await t.services.money.wallet.credit(ada, { kind: 'grant', amountMicros: 10_000_000, description: 'Welcome' });
    const uk = t.services.money.rates.lookup('+442079460958')!;
    await t.services.money.callCredit.hold({ userId: ada, callSid: 'CA-held', tariffs: { first: uk, bridged: uk } });
    const { heldMicros, availableMicros } = await t.services.money.wallet.peek(ada);
    expect(heldMicros).toBeGreaterThan(0);

    const during = (await agent.get('/wallet')).text;
    const dollars = (micros: number) => `$${(micros / 1e6).toFixed(4)}`;
    expect(during).toContain(`<dt>Available for calls</dt><dd class="amount">${dollars(availableMicros)}</dd>`);
    expect(during).toContain(`<dt>Held for your call in progress</dt><dd class="amount">${dollars(heldMicros)}</dd>`);
    expect(during).toContain('You pay only for the time you talk; the rest comes back to Available when the call ends.');
    expect(during).not.toContain('reserved');

    await t.services.money.callCredit.settle({ callSid: 'CA-held', firstLegSeconds: 70, bridgedSeconds: 60 });
    const after = (await agent.get('/wallet')).text;
    expect(after).not.toContain('Held for your call in progress');
  });
});
