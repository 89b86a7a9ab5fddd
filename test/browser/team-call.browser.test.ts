import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import { projectRoot } from '../../src/paths.js';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, reportBrowserFailures, watchPage } from '../helpers/browser.js';
import { invitationLink } from '../teams/helpers.js';
import { CALLER, type CallStack, logInAsCaller, startCallStack } from './helpers/call-stack.js';

const screenshots = join(projectRoot, 'test-results', 'teams');
/** Simulator test number: answers after 3 s and stays on the line (src/sim/handsets.ts MAGIC_NUMBERS). */
const ALICE = '+15005550100';
/** data/rates.csv: United States $0.1431/min per leg; a call under a minute bills one minute on both legs. */
const ONE_MINUTE_BOTH_LEGS_MICROS = 2 * 143_100;
const OWNER = { name: 'Olive Owner', email: 'olive.team@example.com', password: 'a long enough password' };
const ADMIN = { name: 'Root Admin', email: 'root.team@example.com', password: 'a long enough password' };

describe.skipIf(!hasChromium)('a team pays for a member’s call to a shared contact (390 px)', BROWSER_JOURNEY, () => {
  let stack: CallStack;
  let browser: Browser;
  const csp: string[] = [];
  reportBrowserFailures();

  beforeAll(async () => {
    stack = await startCallStack();
    browser = await launchBrowser();
    mkdirSync(screenshots, { recursive: true });
    const hasher = argon2Hasher({ memoryCost: 1024, timeCost: 1 });
    const now = new Date().toISOString();
    for (const [who, role] of [[OWNER, 'user'], [ADMIN, 'admin']] as const) {
      await stack.built.services.users.insert({ email: who.email, name: who.name, passwordHash: await hasher.hash(who.password), role, emailConfirmedAt: now }, now);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    return watchPage(await context.newPage(), csp);
  }
  const shoot = async (page: Page, name: string) => {
    expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `${name} fits 390 px`).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(screenshots, `${name}-390.png`), fullPage: true });
  };
  async function logIn(page: Page, who: { email: string; password: string }) {
    await page.goto(`${stack.base}/login`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${stack.base}/`, { waitUntil: 'load' });
  }
  async function payFrom(page: Page, label: string) {
    await page.goto(`${stack.base}/`);
    await page.getByLabel('Pay from').selectOption({ label });
    await page.getByRole('button', { name: 'Use', exact: true }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#pay-from option:checked').textContent()).toBe(label);
  }

  it('owner creates and funds a team, adds Alice, invites; the member calls Alice by name from the team; the owner sees it', async () => {
    const { base } = stack;
    const owner = await newPage();
    await logIn(owner, OWNER);
    await owner.goto(`${base}/teams`);
    await owner.getByLabel('Team name').fill('Acme');
    await owner.getByRole('button', { name: 'Create team' }).click();
    await owner.waitForURL(/\/teams\/\d+$/);
    const teamPath = new URL(owner.url()).pathname;
    const teamId = Number(teamPath.split('/').pop());

    // An admin adds $5.00 to the team's wallet from the admin team page.
    const admin = await newPage();
    await logIn(admin, ADMIN);
    await admin.goto(`${base}/admin/teams/${teamId}`);
    await admin.getByLabel('Amount').fill('5.00');
    await admin.getByLabel('Reason').fill('Welcome credit for Acme');
    await admin.getByRole('button', { name: 'Adjust credit' }).click();
    // The page the form returns to shows the new balance (the confirmation above it is checked in
    // test/teams/team-money-web.test.ts; once, under CI load on PostgreSQL, this browser did not show it: see #25's note).
    await expect.poll(() => admin.locator('.team-balance').textContent(), { timeout: 30_000 }).toBe('$5.0000');
    await shoot(admin, 'admin-team');

    // Paying from the team, the owner adds Alice to the team's address book, and invites the member.
    await payFrom(owner, 'Acme');
    await owner.goto(`${base}/contacts/new`);
    await owner.getByLabel('Name').fill('Alice Archer');
    await owner.getByLabel('Number 1').fill(ALICE);
    await owner.getByRole('button', { name: 'Save contact' }).click();
    await owner.locator('main').getByText('Alice Archer is saved.').first().waitFor();
    await owner.goto(`${base}${teamPath}`);
    await owner.getByLabel('Email address').fill(CALLER.email);
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.locator('.team-invitations').getByText(CALLER.email).first().waitFor();

    // The member accepts from the emailed link and pays from the team.
    const member = await newPage();
    await logInAsCaller(member, base);
    const link = new URL(await invitationLink(stack.built, CALLER.email));
    await member.goto(`${base}${link.pathname}`);
    await member.getByRole('button', { name: /Accept and join/ }).click();
    await member.waitForURL(`${base}${teamPath}`);
    await payFrom(member, 'Acme');

    // Search-as-you-type on the dial page finds the team's Alice; Call opens the dial page with her number.
    await member.getByLabel('Call a contact').pressSequentially('ali');
    const result = member.locator('#contact-results .contact-item', { hasText: 'Alice Archer' });
    await result.waitFor({ timeout: 5000 });
    await shoot(member, 'member-search');
    await result.getByRole('link', { name: /Call Alice Archer/ }).click();
    await member.waitForLoadState('load');
    await expect.poll(() => member.locator('#dial-preview').textContent(), { timeout: 5000 }).toContain('+1 500 555 0100');
    await member.getByRole('button', { name: 'Call', exact: true }).click();
    const status = member.locator('#call-status');
    await status.getByText('Calling your phone').waitFor({ timeout: 5000 });

    const phones = await newPage();
    await phones.goto(`${base}/phones`);
    const handset = phones.locator('.handset', { hasText: CALLER.phone });
    await handset.getByRole('button', { name: 'Answer' }).click({ timeout: 5000 });
    await status.getByText('Press 1 on your phone').waitFor({ timeout: 5000 });
    await handset.getByRole('button', { name: 'Press 1' }).click({ timeout: 5000 });
    await status.getByText('Connected').waitFor({ timeout: 10_000 });
    await expect.poll(() => status.locator('.call-clock').textContent(), { timeout: 5000 }).toMatch(/^00:0[2-9]$/);
    await status.getByRole('button', { name: 'Hang up' }).click();
    // The outcome's cost (.facts), not the connected state's "cost so far", which reads the same first minute and
    // showed before the hangup was settled (the check below then found cost 0 once on PostgreSQL).
    await expect.poll(() => status.locator('.facts .amount').textContent(), { timeout: 10_000 }).toContain('$0.2862');
    await shoot(member, 'member-call-ended');

    // The team paid: the call carries the team's account, and the team's balance dropped by its cost.
    const call = await stack.testDb.db('calls').where({ user_id: stack.userId }).first();
    expect(call.account_id).toBe(teamId);
    expect(Number(call.cost_micros)).toBe(ONE_MINUTE_BOTH_LEGS_MICROS);
    const wallet = await stack.built.services.money.ledger.peek({ accountId: teamId });
    expect(wallet.balanceMicros).toBe(5_000_000 - ONE_MINUTE_BOTH_LEGS_MICROS);

    // The member's own history names Alice (from the team's book she acts in) and says the team paid.
    await member.goto(`${base}/calls`);
    const mine = member.locator('table tbody tr').first();
    expect(await mine.locator('.history-contact').textContent()).toBe('Alice Archer');
    expect(await mine.locator('.history-paid-by').textContent()).toBe('Paid by Acme');
    await shoot(member, 'member-history');

    // The owner sees the call in the team's calls with Alice's name, and the new balance.
    await owner.goto(`${base}${teamPath}`);
    const row = owner.locator('table.team-calls tbody tr').first();
    expect(await row.locator('.team-call-contact').textContent()).toBe('Alice Archer');
    expect(await row.locator('.team-call-caller').textContent()).toBe('Caller');
    expect(await row.textContent()).toContain('$0.2862');
    expect(await owner.locator('.team-balance').textContent()).toBe('$4.7138');
    await shoot(owner, 'owner-team-calls');
    await owner.getByRole('link', { name: 'The team’s ledger' }).click();
    await owner.locator('.team-ledger').getByText('Caller').first().waitFor();
    await shoot(owner, 'owner-team-ledger');
    expect(csp).toEqual([]);
  });
});
