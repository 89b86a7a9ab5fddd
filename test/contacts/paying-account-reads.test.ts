import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { insertTeam } from '../helpers/ledger.js';
import { statementsDuring, USERS_READ } from '../helpers/statements.js';
import { insertCalls } from '../calls/helpers/call-rows.js';

/**
 * The address book is the paying account's (docs/teams.md): its pages, and the names the call history and a call's
 * page show, take that account from the request's paying account (src/accounts/request-paying-account.ts), resolved
 * once and shared with the low-balance banner, instead of resolving it again (a membership read, and a users read
 * where the caller had no remembered choice).
 */
let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

/** The chosen account's membership (the personal account's, looked up by personal_user_id, is another read). */
const CHOSEN_MEMBERSHIP_READ = /from [`"]?account_members[`"]?.*limit/;

describe('pages that show the address book resolve the paying account once', () => {
  it('contacts list, contact, search, export, history and a call page: one membership read, no users read, the team book shown', async () => {
    const { agent, csrf } = await signedUpAgent(t);
    const db = t.testDb.db;
    const userId = Number((await db('users').where({ email: 'ada@example.com' }).first<{ id: number }>('id'))!.id);
    const acme = await insertTeam(db, 'Acme', [{ userId, role: 'owner' }]);
    expect((await agent.post('/dial/pay-from').type('form').send({ _csrf: csrf, account: String(acme) })).status).toBe(303);
    const number = '+442071234567';
    const team = await t.services.contacts.create({ userId, accountId: acme }, { name: 'Grace Hopper', company: '', notes: '', favourite: '', numbers: [number], labels: ['work'] }, undefined);
    const personal = await t.services.contacts.create({ userId, payingAccountId: null }, { name: 'Personal Pal', company: '', notes: '', favourite: '', numbers: [number], labels: ['mobile'] }, undefined);
    if (!team.ok || !personal.ok) throw new Error('contacts not saved');
    const callId = 'cl_payingaccountreads01';
    await insertCalls(db, [{ id: callId, userId, createdAt: new Date().toISOString(), to: number }]);

    // The search is the list's htmx fragment (no banner: the route alone asks).
    const fragment = { 'HX-Request': 'true' };
    for (const [path, headers] of [['/contacts', {}], [`/contacts/${team.id}`, {}], ['/contacts/search?q=grace', fragment], ['/contacts/export.csv', {}], ['/calls', {}], [`/calls/${callId}`, {}]] as const) {
      let text = '';
      const sqls = await statementsDuring(db, async () => (text = (await agent.get(path).set(headers)).text), { prepared: true });
      expect(text, path).toContain('Grace Hopper');
      expect(text, path).not.toContain('Personal Pal');
      expect(sqls.filter((sql) => USERS_READ.test(sql)), `${path}\n${sqls.join('\n')}`).toEqual([]);
      expect(sqls.filter((sql) => CHOSEN_MEMBERSHIP_READ.test(sql)), `${path}\n${sqls.join('\n')}`).toHaveLength(1);
    }
    // Another account's contact is still missing from this book.
    expect((await agent.get(`/contacts/${personal.id}`)).status).toBe(404);
  });
});
