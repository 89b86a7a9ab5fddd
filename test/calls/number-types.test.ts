import { afterEach, describe, expect, it } from 'vitest';
import { DECK, startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

/**
 * Issue 26, finding 3 through the calls service: revenue-share number types are refused as destinations unless an
 * admin allowed the type for the country, and so are our own caller ID and the user's own number. Finding 13: the
 * disabled-account (and on-hold) check is made again inside the placement's transaction.
 */

const GB_VOIP = '+445612345678';
const GB_PERSONAL = '+447011234567';
const DE_PERSONAL = '+4970012345678';
const TYPES_DECK = `${DECK}\nDE,Germany,49,Germany,0.16,0.14,60,60,0,0,true`;

let h: CallHarness;
afterEach(async () => {
  await h.close();
});

const callCount = async () => Number(((await h.testDb.db('calls').where({ user_id: h.userId }).count({ n: '*' }).first()) as { n: number | string }).n);

describe('destinations refused by type, our caller ID and the user\'s own number', () => {
  it('refuses VoIP, personal and DE 0700 numbers, our caller ID and the own phone, and places nothing', async () => {
    h = await startCallHarness({ deck: TYPES_DECK });
    for (const to of [GB_VOIP, GB_PERSONAL, DE_PERSONAL]) {
      const { res, id } = await startCall(h, to);
      expect(id, to).toBeUndefined();
      expect(res.status).toBe(422);
      expect(res.text).toMatch(/numbers cannot be called/);
    }
    const own = await startCall(h, USER_PHONE);
    expect(own.id).toBeUndefined();
    expect(own.res.text).toContain('This is your own phone');
    const ours = await startCall(h, h.sim.callerId);
    expect(ours.id).toBeUndefined();
    expect(ours.res.text).toContain('This number cannot be called');
    expect(await callCount()).toBe(0);
    expect(h.sim.control.calls()).toHaveLength(0);
  });

  it('calls a type an admin allowed for that country (NUMBER_TYPES_ALLOWED=GB:VOIP), and no other', async () => {
    h = await startCallHarness({ deck: TYPES_DECK, env: { NUMBER_TYPES_ALLOWED: 'GB:VOIP' } });
    h.sim.control.setBehaviour(GB_VOIP, { kind: 'answer', answerAfterS: 1, hangupAfterS: 5 });
    const allowed = await startCall(h, GB_VOIP);
    expect(allowed.id).toBeDefined();
    await h.waitForCall(allowed.id!, (c) => c.settledAt !== null);
    await h.sim.control.waitForIdle(10_000);
    const other = await startCall(h, GB_PERSONAL);
    expect(other.id).toBeUndefined();
  });
});

describe('the account check inside the placement transaction (finding 13)', () => {
  it('refuses a start whose request read the user before an admin disabled them', async () => {
    h = await startCallHarness();
    const user = await h.built.services.users.findById(h.userId);
    await h.testDb.db('users').where({ id: h.userId }).update({ disabled_at: new Date().toISOString() });
    const result = await h.built.services.calls.start({ userId: h.userId, to: '+442079460958', user });
    expect(result).toMatchObject({ ok: false, reason: 'account-disabled' });
    expect(await callCount()).toBe(0);
    const wallet = await h.built.services.money.wallet.summary(h.userId);
    expect(wallet.heldMicros).toBe(0);
  });

  it('refuses a start of an account put on hold after the request read it', async () => {
    h = await startCallHarness();
    const user = await h.built.services.users.findById(h.userId);
    await h.testDb.db('users').where({ id: h.userId }).update({ held_at: new Date().toISOString(), held_reason: 'test' });
    const result = await h.built.services.calls.start({ userId: h.userId, to: '+442079460958', user });
    expect(result).toMatchObject({ ok: false, reason: 'on-hold' });
    expect(await callCount()).toBe(0);
  });
});
