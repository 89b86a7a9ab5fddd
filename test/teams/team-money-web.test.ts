import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, csrfTokenFrom, makeAdmin, signedUpAgent, type TestApp } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { insertCalls } from '../calls/helpers/call-rows.js';
import { invitationLink } from './helpers.js';

let t: TestApp;
let olive: Awaited<ReturnType<typeof signedUpAgent>>;
let mia: Awaited<ReturnType<typeof signedUpAgent>>;
let xena: Awaited<ReturnType<typeof signedUpAgent>>;
let root: Awaited<ReturnType<typeof signedUpAgent>>;
let teamId: number;
let miaId: number;

const post = (who: typeof olive, path: string, fields: Record<string, string> = {}) => who.agent.post(path).type('form').send({ _csrf: who.csrf, ...fields });
const personal = async (id: number) => (await t.testDb.db('accounts').where({ personal_user_id: id }).first('id')).id as number;
const userId = async (email: string) => (await t.testDb.db('users').where({ email }).first('id')).id as number;

beforeAll(async () => {
  t = await createTestApp({ SIMULATE: 'true' });
  olive = await signedUpAgent(t, { name: 'Olive Owner', email: 'olive@example.com' });
  mia = await signedUpAgent(t, { name: 'Mia Member', email: 'mia@example.com' });
  xena = await signedUpAgent(t, { name: 'Xena Outsider', email: 'xena@example.com' });
  root = await signedUpAgent(t, { name: 'Root Admin', email: 'root@example.com' });
  await makeAdmin(t, 'root@example.com');
  miaId = await userId('mia@example.com');
  teamId = Number((await post(olive, '/teams', { name: 'Acme' })).headers.location!.split('/').pop());
  await post(olive, `/teams/${teamId}/invitations`, { email: 'mia@example.com', role: 'member' });
  expect((await post(mia, new URL(await invitationLink(t, 'mia@example.com')).pathname)).status).toBe(303);
});
afterAll(async () => {
  await t.close();
});

/** A settled call by Mia paid by the team: the call row and its charge in the team's ledger, as settlement writes them. */
async function teamCall(costMicros: number, to: string) {
  const db = t.testDb.db;
  const now = new Date().toISOString();
  await insertCalls(db, [{ id: `cl_team${String(costMicros).padStart(15, '0')}`, userId: miaId, createdAt: now, to, costMicros }]);
  await db('calls').where({ id: `cl_team${String(costMicros).padStart(15, '0')}` }).update({ account_id: teamId });
  await db.transaction(async (trx) => {
    const wallet = await trx('wallets').where({ account_id: teamId }).first();
    const after = Number(wallet.balance_micros) - costMicros;
    await trx('wallets').where({ account_id: teamId }).update({ balance_micros: after });
    await trx('ledger_entries').insert({ account_id: teamId, user_id: miaId, kind: 'call_charge', amount_micros: -costMicros, balance_after_micros: after, free_seconds: 0, reference: null, description: `Call to ${to}`, created_at: now });
  });
}

describe('team money views', () => {
  it('an admin adds credit to the team wallet with an audit row; a bad amount is named; a resent form applies once', async () => {
    const page = await root.agent.get(`/admin/teams/${teamId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Adjust the team’s credit');
    const submission = /name="submission" value="([^"]+)"/.exec(page.text)![1]!;
    const csrf = csrfTokenFrom(page.text);
    const bad = await root.agent.post(`/admin/teams/${teamId}/credit`).type('form').send({ _csrf: csrf, amount: 'ten', reason: 'welcome', submission });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter an amount such as 5.00');
    for (let i = 0; i < 2; i++) {
      const done = await root.agent.post(`/admin/teams/${teamId}/credit`).type('form').send({ _csrf: csrf, amount: '10.00', reason: 'welcome credit', submission });
      expect(done.status).toBe(303);
    }
    // The page the form returns to says what happened: applied, then the resent form applied once.
    const returned = await root.agent.get(`/admin/teams/${teamId}`);
    expect(returned.text).toContain('Balance of Acme is now $10.0000.');
    expect(returned.text).toContain('That adjustment was already made');
    const wallet = await t.services.money.ledger.peek({ accountId: teamId });
    expect(wallet.balanceMicros).toBe(10_000_000);
    const audit = await t.testDb.db('audit_log').where({ action: 'team.credit', subject: `team ${teamId}` });
    expect(audit).toHaveLength(1);
    expect(audit[0].summary).toContain('Added $10.0000 to team Acme: welcome credit');
    const removeTooMuch = await root.agent.post(`/admin/teams/${teamId}/credit`).type('form').send({ _csrf: csrf, amount: '-50.00', reason: 'oops', submission: 'x'.repeat(22) });
    expect(removeTooMuch.status).toBe(422);
    expect(removeTooMuch.text).toContain('at most $10.0000 can be removed');
    const after = await root.agent.get(`/admin/teams/${teamId}`);
    expect(after.text).toContain('<dd class="team-balance">$10.0000</dd>');
    expect(after.text).toContain('Adjustment: welcome credit');
    expect(after.text).toContain('Root Admin');
    await expectLedgerConsistent(t.testDb.db);
  });

  it('owners see the balance, the team calls with the caller and contact name, spend per member and the ledger', async () => {
    // Paying from the team, Olive adds Alice to the team's address book.
    expect((await post(olive, '/dial/pay-from', { account: String(teamId) })).status).toBe(303);
    expect((await post(olive, '/contacts', { name: 'Alice Archer', label: 'mobile', number: '+442079460958' })).status).toBe(303);
    await teamCall(250_000, '+442079460958');
    const page = await olive.agent.get(`/teams/${teamId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dd class="team-balance">$9.7500</dd>');
    expect(page.text).toContain('<td data-label="Who" class="team-call-caller">Mia Member</td>');
    expect(page.text).toContain('<strong class="team-call-contact">Alice Archer</strong>');
    expect(page.text).toMatch(/<td data-label="Member">Mia Member<\/td><td data-label="Spent" class="num">\$0\.2500<\/td>/);
    expect(page.text).toContain(`href="/teams/${teamId}/ledger"`);
    const ledger = await olive.agent.get(`/teams/${teamId}/ledger`);
    expect(ledger.status).toBe(200);
    expect(ledger.text).toContain('<td data-label="Member" class="ledger-member">Mia Member</td>');
    expect(ledger.text).toContain('<td data-label="Member" class="ledger-member">Root Admin</td>');
  });

  it('members see the balance only; the ledger tells them who sees it; outsiders get 404', async () => {
    const page = await mia.agent.get(`/teams/${teamId}`);
    expect(page.text).toContain('<dd class="team-balance">$9.7500</dd>');
    expect(page.text).not.toContain('team-call-caller');
    expect(page.text).toContain('shown to its owner and admins');
    const ledger = await mia.agent.get(`/teams/${teamId}/ledger`);
    expect(ledger.status).toBe(403);
    expect(ledger.text).toContain('Only the team’s owner and admins see the team’s ledger.');
    expect((await xena.agent.get(`/teams/${teamId}/ledger`)).status).toBe(404);
    expect((await xena.agent.get(`/teams/${teamId}`)).status).toBe(404);
    expect((await mia.agent.get(`/admin/teams/${teamId}`)).status).toBe(403);
  });
});

describe('the team’s address book', () => {
  it('members paying from the team see and search its contacts; in their personal account they do not', async () => {
    expect((await mia.agent.get('/contacts?q=ali')).text).not.toContain('Alice Archer');
    expect((await post(mia, '/dial/pay-from', { account: String(teamId) })).status).toBe(303);
    expect((await mia.agent.get('/contacts?q=ali')).text).toContain('Alice Archer');
    const found = await mia.agent.get('/contacts/search?q=ali').set('HX-Request', 'true');
    expect(found.status).toBe(200);
    expect(found.text).toContain('Alice Archer');
    // Her personal book is hers alone: the same number can be saved there too.
    expect((await post(mia, '/dial/pay-from', { account: String(await personal(miaId)) })).status).toBe(303);
    expect((await post(mia, '/contacts', { name: 'Alice at home', number: '+442079460958' })).status).toBe(303);
  });

  it('removing a member keeps the contacts they added to the team', async () => {
    expect((await post(mia, '/dial/pay-from', { account: String(teamId) })).status).toBe(303);
    expect((await post(mia, '/contacts', { name: 'Bob Builder', number: '+12015550188' })).status).toBe(303);
    expect((await post(olive, `/teams/${teamId}/members/${miaId}/remove`)).status).toBe(303);
    expect((await olive.agent.get('/contacts?q=bob')).text).toContain('Bob Builder');
    // Mia no longer reaches the team's book: her choice falls back to her personal account.
    await mia.agent.get('/contacts'); // shows (and clears) the flash of her last save, which names Bob
    const hers = await mia.agent.get('/contacts');
    expect(hers.text).toContain('Alice at home');
    expect(hers.text).not.toContain('Bob Builder');
  });
});
