import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { accountOf, expectLedgerConsistent } from '../helpers/ledger.js';
import { balanceOf, loggedInUser, payOnPage, startPaymentsStack, startTopUp, type PaymentsStack } from './helpers/payments-stack.js';

let stack: PaymentsStack;
beforeEach(async () => {
  stack = await startPaymentsStack();
});
afterEach(async () => {
  await stack.stripe.waitForDeliveries(5_000).catch(() => undefined);
  await expectLedgerConsistent(stack.testDb.db);
  await stack.close();
});

const TEN = 10_000_000;

async function teamBalance(accountId: number): Promise<number> {
  const row = await stack.testDb.db('wallets').where({ account_id: accountId }).first('balance_micros');
  return Number(row?.balance_micros ?? 0);
}

/** An owner paying from their team "Acme" and a member of it paying from it too, both signed in. */
async function teamWithMember() {
  const { services } = stack.built;
  const owner = await loggedInUser(stack, 'owner@example.com');
  const created = await services.teams.create(owner.userId, 'Acme');
  if (!created.ok) throw new Error('team not created');
  const teamId = created.value;
  const member = await loggedInUser(stack, 'member@example.com');
  const now = new Date().toISOString();
  await stack.testDb.db('account_members').insert({ account_id: teamId, user_id: member.userId, role: 'member', created_at: now, updated_at: now });
  expect(await services.payingAccounts.choose(owner.userId, teamId)).toBe(true);
  expect(await services.payingAccounts.choose(member.userId, teamId)).toBe(true);
  return { owner, member, teamId };
}

/** The owner tops up the team by $10 through Checkout and the webhook. */
async function ownerPaysTeam(owner: { agent: Parameters<typeof startTopUp>[0]; csrf: string }, amount = '10') {
  const { sessionId, pagePath } = await startTopUp(owner.agent, owner.csrf, amount);
  await payOnPage(owner.agent, pagePath, '4242424242424242').expect(303);
  await stack.stripe.waitForDeliveries();
  return stack.testDb.db('payments').where({ checkout_session_id: sessionId }).first();
}

async function admin() {
  const a = await loggedInUser(stack, 'admin@example.com');
  await stack.testDb.db('users').where({ id: a.userId }).update({ role: 'admin' });
  return a;
}

describe('card top-ups follow the paying account', () => {
  it('a top-up started while paying from a team credits the team wallet exactly once; the receipt is the payer\'s', async () => {
    const { owner, member, teamId } = await teamWithMember();
    const wallet = await owner.agent.get('/wallet').expect(200);
    expect(wallet.text).toContain('Add credit to Acme by card');
    expect(wallet.text).toContain('Automatic top-up and saved cards are for your personal wallet only');
    expect(wallet.text).not.toContain('name="save_card"');
    const payment = await ownerPaysTeam(owner);
    expect(payment).toMatchObject({ account_id: teamId, user_id: owner.userId, status: 'credited' });
    expect(await teamBalance(teamId)).toBe(TEN);
    expect(await balanceOf(stack, owner.userId)).toBe(0);
    const [completed] = stack.stripe.events('checkout.session.completed');
    for (let i = 0; i < 3; i++) stack.stripe.bus.resend(completed!.id);
    await stack.stripe.waitForDeliveries();
    expect(await teamBalance(teamId)).toBe(TEN);
    const entries = await stack.testDb.db('ledger_entries').where({ kind: 'purchase' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ account_id: teamId, user_id: owner.userId, reference: payment.checkout_session_id });
    // The payer's receipt page is theirs (and 404 for the team's member).
    await owner.agent.get(`/wallet/top-ups/${payment.public_id}`).expect(200);
    await member.agent.get(`/wallet/top-ups/${payment.public_id}`).expect(404);
    // The ledger CSV follows the paying account: the team's for its owner, none for its members.
    const csv = await owner.agent.get('/wallet/ledger.csv').expect(200);
    expect(csv.text).toContain('Card top-up $10.00');
    await member.agent.get('/wallet/ledger.csv').expect(404);
  });

  it('the wallet lists the top-ups of the account it shows; the admin page names the account a top-up credited', async () => {
    const { owner, member, teamId } = await teamWithMember();
    await stack.testDb.db('users').where({ id: owner.userId }).update({ name: 'Olive Owner' });
    const second = await loggedInUser(stack, 'second@example.com');
    const now = new Date().toISOString();
    await stack.testDb.db('account_members').insert({ account_id: teamId, user_id: second.userId, role: 'admin', created_at: now, updated_at: now });
    expect(await stack.built.services.payingAccounts.choose(second.userId, teamId)).toBe(true);
    const teamPayment = await ownerPaysTeam(owner);
    // The second admin pays $5 into their personal wallet: not the team's, so not in the team's list.
    expect(await stack.built.services.payingAccounts.choose(second.userId, await accountOf(stack.testDb.db, second.userId))).toBe(true);
    const personalPayment = await ownerPaysTeam(second, '5');
    expect(await stack.built.services.payingAccounts.choose(second.userId, teamId)).toBe(true);

    const ownerWallet = (await owner.agent.get('/wallet').expect(200)).text;
    expect(ownerWallet).toContain('<h3>Card top-ups of Acme</h3>');
    expect(ownerWallet).toContain('<td>Olive Owner</td>');
    expect(ownerWallet).toContain(`href="/wallet/top-ups/${teamPayment.public_id}"`);
    expect(ownerWallet).not.toContain(personalPayment.public_id);
    // Another admin of the team sees the owner's top-up, without a link to the owner's receipt.
    const secondWallet = (await second.agent.get('/wallet').expect(200)).text;
    expect(secondWallet).toContain('<h3>Card top-ups of Acme</h3>');
    expect(secondWallet).toContain('<td>Olive Owner</td>');
    expect(secondWallet).not.toContain(`/wallet/top-ups/${teamPayment.public_id}`);
    const teamRows = secondWallet.split('<h3>Card top-ups of Acme</h3>')[1]!.split('</table>')[0]!;
    expect(teamRows.match(/<tr><td>/g), 'only the team top-up').toHaveLength(1);
    // A member of the team sees no list; the owner paying from Personal sees their own (none).
    const memberWallet = (await member.agent.get('/wallet').expect(200)).text;
    expect(memberWallet).not.toContain('top-ups of Acme');
    expect(await stack.built.services.payingAccounts.choose(owner.userId, await accountOf(stack.testDb.db, owner.userId))).toBe(true);
    const ownerPersonal = (await owner.agent.get('/wallet').expect(200)).text;
    expect(ownerPersonal).not.toContain('top-ups of Acme');
    expect(ownerPersonal).not.toContain(teamPayment.public_id);
    expect(ownerPersonal).not.toContain('Your card top-ups');
    // The second admin's own wallet lists their personal top-up.
    expect(await stack.built.services.payingAccounts.choose(second.userId, await accountOf(stack.testDb.db, second.userId))).toBe(true);
    const secondPersonal = (await second.agent.get('/wallet').expect(200)).text;
    expect(secondPersonal).toContain('<h3>Your card top-ups</h3>');
    expect(secondPersonal).toContain(`href="/wallet/top-ups/${personalPayment.public_id}"`);
    expect(secondPersonal).not.toContain(teamPayment.public_id);

    const boss = await admin();
    expect((await boss.agent.get(`/admin/payments/${teamPayment.id}`).expect(200)).text).toContain(`<dt>Credited to</dt><dd>Team <a href="/admin/teams/${teamId}">Acme</a></dd>`);
    expect((await boss.agent.get(`/admin/payments/${personalPayment.id}`).expect(200)).text).toContain('<dt>Credited to</dt><dd>The user’s personal account</dd>');
  });

  it('a member of the team is refused with a clear message, and nothing is opened at Stripe', async () => {
    const { member, teamId } = await teamWithMember();
    const page = await member.agent.get('/wallet').expect(200);
    expect(page.text).toContain('Only the owners and admins of Acme can add credit');
    expect(page.text).not.toContain('action="/wallet/top-up"');
    const res = await member.agent.post('/wallet/top-up').type('form').send({ _csrf: csrfTokenFrom(page.text), amount: '10' }).expect(303);
    expect(res.headers.location).toBe('/wallet#top-up');
    const after = await member.agent.get('/wallet').expect(200);
    expect(after.text).toContain('Only the owners and admins of Acme can add credit to its wallet');
    expect(await stack.testDb.db('payments')).toHaveLength(0);
    expect(stack.stripe.state.sessions.size).toBe(0);
    expect(await teamBalance(teamId)).toBe(0);
  });

  it('a top-up while paying from Personal still credits the personal wallet', async () => {
    const owner = await loggedInUser(stack, 'solo@example.com');
    const payment = await ownerPaysTeam(owner);
    expect(payment.account_id).toBe(await accountOf(stack.testDb.db, owner.userId));
    expect(await balanceOf(stack, owner.userId)).toBe(TEN);
  });

  it('an admin refund of a team top-up debits the team wallet, even after the payer paid from Personal again', async () => {
    const { owner, teamId } = await teamWithMember();
    const payment = await ownerPaysTeam(owner);
    await stack.built.services.payingAccounts.choose(owner.userId, await accountOf(stack.testDb.db, owner.userId));
    const boss = await admin();
    const page = await boss.agent.get(`/admin/payments/${payment.id}`).expect(200);
    await boss.agent.post(`/admin/payments/${payment.id}/refund`).type('form').send({ _csrf: csrfTokenFrom(page.text), amount: '4', reason: 'asked' }).expect(303);
    await stack.stripe.waitForDeliveries();
    expect(await teamBalance(teamId)).toBe(6_000_000);
    expect(await balanceOf(stack, owner.userId)).toBe(0);
    const refund = await stack.testDb.db('ledger_entries').where({ kind: 'refund' }).first();
    expect(refund).toMatchObject({ account_id: teamId, amount_micros: -4_000_000 });
  });

  it('a dispute debits the team (spent part owed, once however often sent), winning restores it; the next team top-up repays what is owed', async () => {
    const { owner, teamId } = await teamWithMember();
    const payment = await ownerPaysTeam(owner);
    // The team spends $7 of it.
    await stack.built.services.money.wallet.credit({ accountId: teamId, userId: owner.userId }, { kind: 'adjustment', amountMicros: -7_000_000, description: 'calls (test)' });
    const chargeId = [...stack.stripe.state.charges.values()].find((c) => c.payment_intent === payment.payment_intent_id)!.id;
    const opened = await fetch(`${stack.stripe.url}/control/stripe/charges/${chargeId}/dispute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    const dispute = (await opened.json()) as { id: string };
    await stack.stripe.waitForDeliveries();
    for (const e of stack.stripe.events('charge.dispute.created')) stack.stripe.bus.resend(e.id);
    await stack.stripe.waitForDeliveries();
    expect(await teamBalance(teamId)).toBe(0);
    expect(Number((await stack.testDb.db('payments').where({ id: payment.id }).first()).owed_micros)).toBe(7_000_000);
    expect(await stack.testDb.db('ledger_entries').where({ reference: dispute.id })).toHaveLength(1);
    // A new $10 top-up of the team pays the $7 owed first.
    await ownerPaysTeam(owner);
    expect(await teamBalance(teamId)).toBe(3_000_000);
    expect(Number((await stack.testDb.db('payments').where({ id: payment.id }).first()).owed_micros)).toBe(0);
    // Won: all $10 the dispute took ($3 at once, $7 repaid later) comes back to the team.
    await fetch(`${stack.stripe.url}/control/stripe/disputes/${dispute.id}/close`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ outcome: 'won' }) });
    await stack.stripe.waitForDeliveries();
    expect(await teamBalance(teamId)).toBe(13_000_000);
    expect(await balanceOf(stack, owner.userId)).toBe(0);
    const entries = await stack.testDb.db('ledger_entries').whereNot({ account_id: teamId });
    expect(entries).toHaveLength(0);
  });
});
