import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { isFinal } from '../../src/calls/call-state.js';
import { DESTINATION, startCallHarness, USER_PHONE, type CallHarness } from '../calls/helpers/call-harness.js';
import { createTokenViaPage } from './helpers/tokens.js';
import { statementsDuring } from '../helpers/statements.js';

/** API tokens act for one account: the one their creator paid from when making them. */

let h: CallHarness;
let teamId: number;
beforeEach(async () => {
  h = await startCallHarness({ creditMicros: 5_000_000 });
  const created = await h.built.services.teams.create(h.userId, 'Acme');
  if (!created.ok) throw new Error('no team');
  teamId = created.value;
  await h.built.services.money.wallet.credit({ accountId: teamId, userId: h.userId }, { kind: 'voucher', amountMicros: 9_000_000, description: 'team credit' });
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

const api = (token: string) => ({
  get: (path: string) => request(h.baseUrl).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  post: (path: string, body: object = {}) => request(h.baseUrl).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
  del: (path: string) => request(h.baseUrl).delete(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
});

/** One token of the personal account and one of the team (made while paying from each). */
async function bothTokens() {
  const personal = await createTokenViaPage(h.agent, { name: 'Mine' });
  expect(await h.built.services.payingAccounts.choose(h.userId, teamId)).toBe(true);
  const team = await createTokenViaPage(h.agent, { name: "Acme CRM" });
  const rows = await h.testDb.db('api_tokens').orderBy('id');
  expect(rows.map((r) => Number(r.account_id))).toEqual([Number((await h.testDb.db('accounts').where({ personal_user_id: h.userId }).first()).id), teamId]);
  return { personal: personal.secret, team: team.secret, page: team.page };
}

describe('a token acts for one account', () => {
  it('the token list says which account each acts for; the balance is that account\'s', async () => {
    const { personal, team, page } = await bothTokens();
    expect(page).toMatch(/data-label="Acts for">Acme</);
    expect(page).toMatch(/data-label="Acts for">Personal</);
    expect(page).toContain('The token acts for <strong>Acme</strong>');
    expect((await api(personal).get('/wallet').expect(200)).body.balance.micros).toBe(5_000_000);
    expect((await api(team).get('/wallet').expect(200)).body.balance.micros).toBe(9_000_000);
  });

  it("a personal token's balance is read from its account as the bearer check found it: no lookup of the personal account", async () => {
    const { personal, team } = await bothTokens();
    for (const [token, micros] of [[personal, 5_000_000], [team, 9_000_000]] as const) {
      let balance = 0;
      const sqls = await statementsDuring(h.testDb.db, async () => (balance = (await api(token).get('/wallet').expect(200)).body.balance.micros), { prepared: true });
      expect(balance).toBe(micros);
      expect(sqls.filter((sql) => /personal_user_id/.test(sql)), sqls.join('\n')).toEqual([]);
    }
  });

  it('a call placed with the team token is paid by the team; the personal token gets 404 for it, its recording and its hangup, and the reverse', async () => {
    const { personal, team } = await bothTokens();
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 1, hangupAfterS: 5 });
    const placed = await api(team).post('/calls', { to: DESTINATION }).expect(201);
    const id = String(placed.body.id);
    expect((await h.call(id)).accountId).toBe(teamId);
    await h.waitForCall(id, (c) => isFinal(c.status) && c.costMicros !== null, 20_000);
    await api(team).get(`/calls/${id}`).expect(200);
    expect((await api(team).get('/calls').expect(200)).body.data.map((c: { id: string }) => c.id)).toContain(id);
    await api(personal).get(`/calls/${id}`).expect(404);
    expect((await api(personal).get('/calls').expect(200)).body.data).toEqual([]);
    await api(personal).post(`/calls/${id}/hangup`).expect(404);
    await api(personal).get(`/calls/${id}/recordings`).expect(404);
    await api(personal).get(`/calls/${id}/recording`).expect(404);
    await api(personal).get(`/calls/${id}/recording/media`).expect(404);
    // The personal token's own call is a 404 to the team token.
    const own = await api(personal).post('/calls', { to: DESTINATION });
    expect(own.status).toBe(201);
    await api(team).get(`/calls/${own.body.id}`).expect(404);
    expect((await h.call(String(own.body.id))).accountId).not.toBe(teamId);
    await h.waitForCall(String(own.body.id), (c) => isFinal(c.status) && c.costMicros !== null, 20_000);
  });

  it("each token reaches its account's address book: a personal contact is a 404 to the team token and the team's is a 404 to the personal one", async () => {
    const { personal, team } = await bothTokens();
    const contact = await api(personal).post('/contacts', { name: 'Alice', numbers: [{ number: '+442079460958', label: 'work' }] }).expect(201);
    await api(personal).get(`/contacts/${contact.body.id}`).expect(200);
    await api(team).get(`/contacts/${contact.body.id}`).expect(404);
    await api(team).del(`/contacts/${contact.body.id}`).expect(404);
    expect((await api(team).get('/contacts').expect(200)).body.data).toEqual([]);
    // The team's book is its own: the same number may be saved there too.
    const teamContact = await api(team).post('/contacts', { name: 'Bob', numbers: [{ number: '+442079460958' }] }).expect(201);
    expect((await api(team).get('/contacts').expect(200)).body.data.map((c: { name: string }) => c.name)).toEqual(['Bob']);
    await api(personal).get(`/contacts/${teamContact.body.id}`).expect(404);
    await api(personal).del(`/contacts/${teamContact.body.id}`).expect(404);
    expect((await api(personal).get('/contacts').expect(200)).body.data.map((c: { name: string }) => c.name)).toEqual(['Alice']);
    await api(personal).get(`/contacts/${contact.body.id}`).expect(200);
  });

  it('a team member (not owner or admin) cannot create a token for the team; one who leaves the team loses the token', async () => {
    const { team } = await bothTokens();
    const now = new Date().toISOString();
    // Demoted to member: no new team tokens.
    await h.testDb.db('account_members').where({ account_id: teamId, user_id: h.userId }).update({ role: 'member', updated_at: now });
    const before = await h.testDb.db('api_tokens').count({ n: '*' }).first();
    const csrf = csrfTokenFrom((await h.agent.get('/account')).text);
    await h.agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'Sneaky', scope: 'calls', expires_on: '', webhook_url: '' }).expect(303);
    const page = (await h.agent.get('/account')).text;
    expect(page).toContain('Only the owners and admins of Acme can create tokens for it');
    expect(await h.testDb.db('api_tokens').count({ n: '*' }).first()).toEqual(before);
    // No longer a member at all: the team token is refused (after the token cache's few seconds).
    await h.testDb.db('account_members').where({ account_id: teamId, user_id: h.userId }).delete();
    await new Promise((r) => setTimeout(r, 5_100));
    const refused = await api(team).get('/wallet');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('token_revoked');
  });
});
