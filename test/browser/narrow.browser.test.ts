import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dataDir, projectRoot } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import type { TestApp } from '../helpers/app.js';
import { BROWSER_JOURNEY, hasChromium, useBrowserApp } from '../helpers/browser.js';
import { insertCalls } from '../calls/helpers/call-rows.js';

/** Screenshots for a person to look at (test-results/ is ignored by git). */
const screenshots = join(projectRoot, 'test-results', 'narrow');
const USER = { name: 'Ada Lovelace', email: 'ada-narrow@example.com', password: 'a long enough password' };
const CALL_ID = `cl_${'b'.repeat(20)}`;

/** A caller with a verified phone, credit and a few finished calls: every page has something to lay out. */
async function caller(t: TestApp): Promise<void> {
  await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
  await t.services.money.rates.reload();
  const outcome = await t.services.accounts.signUp(USER, '127.0.0.1');
  if (outcome.limited || !outcome.created) throw new Error('sign-up failed');
  const userId = outcome.created.id;
  await t.testDb.db('users').where({ id: userId }).update({ phone_e164: '+12015550123', phone_verified_at: new Date().toISOString(), email_confirmed_at: new Date().toISOString() });
  await t.services.money.wallet.credit(userId, { kind: 'voucher', amountMicros: 5_000_000, description: 'Voucher ABCD-EFGH-JK23 (Launch promotion for new customers)' });
  const now = Date.now();
  await insertCalls(t.testDb.db, [
    { id: CALL_ID, userId, createdAt: new Date(now - 60_000).toISOString(), to: '+442079460958', bridgedSeconds: 75, costMicros: 572_400 },
    ...Array.from({ length: 6 }, (_, i) => ({ id: `cl_${'c'.repeat(19)}${'defghi'[i]}`, userId, createdAt: new Date(now - (i + 2) * 3_600_000).toISOString(), to: '+33612345678', country: 'FR', status: i % 2 ? 'destination-unanswered' : 'not-answered', bridgedSeconds: 0, costMicros: 0 })),
  ]);
  await t.testDb.db('calls').where({ id: CALL_ID }).update({ ended_by: 'destination', bridged_at: new Date(now - 50_000).toISOString(), answered_at: new Date(now - 58_000).toISOString() });
}

async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(USER.email);
  await page.getByLabel('Password').fill(USER.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

const pageWidth = (page: Page) => page.evaluate<number>('document.scrollingElement.scrollWidth');

describe.skipIf(!hasChromium)('the caller’s pages on a phone (390 × 844) and a desktop (1280 × 800)', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp(caller);
  mkdirSync(screenshots, { recursive: true });

  for (const [width, height] of [[390, 844], [1280, 800]] as const) {
    it(`at ${width} px: dial (Call on screen, one Tab from the number), history as cards, the call page and the wallet, none scrolling sideways`, async () => {
      const page = await fixture.newPage(width);
      await page.setViewportSize({ width, height });
      await logIn(page, fixture.base);

      // Dial: a number typed, its price shown, and Call still on screen without scrolling.
      await page.getByLabel('Number to call').pressSequentially('+44 20 7946 0958');
      await expect.poll(() => page.textContent('#dial-preview'), { timeout: 5000 }).toContain('Longest call');
      const call = page.getByRole('button', { name: 'Call', exact: true });
      const box = (await call.boundingBox())!;
      expect(box.y + box.height, 'Call is above the fold').toBeLessThanOrEqual(height);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      // The pad's keys are out of the Tab order: Call is the next stop after the number.
      await page.getByLabel('Number to call').focus();
      let tabs = 0;
      while (tabs < 5 && !(await page.evaluate<boolean>(`document.activeElement?.classList.contains('call-button') ?? false`))) {
        await page.keyboard.press('Tab');
        tabs++;
      }
      expect(tabs, 'Tabs from the number field to Call').toBeLessThanOrEqual(3);
      await page.screenshot({ path: join(screenshots, `dial-${width}.png`), fullPage: true });

      // History: at phone width each call is a card (no header row), nothing hidden to the right.
      await page.goto(`${fixture.base}/calls`);
      const rows = page.locator('.history-table tbody tr');
      expect(await rows.count()).toBe(7);
      const display = await page.evaluate<string>(`getComputedStyle(document.querySelector('.history-table tbody tr')).display`);
      expect(display).toBe(width === 390 ? 'grid' : 'table-row');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      const costRight = await page.locator('.history-table tbody tr .cost').first().evaluate((el) => el.getBoundingClientRect().right);
      expect(costRight).toBeLessThanOrEqual(width);
      expect(await page.locator('.history-table tbody tr').first().textContent()).toContain('$0.5724');
      await page.screenshot({ path: join(screenshots, `history-${width}.png`), fullPage: true });

      // The call page: the outcome, the cost, the human timeline.
      await page.goto(`${fixture.base}/calls/${CALL_ID}`);
      expect(await page.textContent('.call-status')).toContain('The person you called hung up after 1 min 15 s.');
      expect(await page.textContent('.call-timeline')).toContain('answered: connected');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: join(screenshots, `call-${width}.png`), fullPage: true });

      // The wallet.
      await page.goto(`${fixture.base}/wallet`);
      expect(await page.textContent('.wallet-facts')).toContain('$5.0000');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: join(screenshots, `wallet-${width}.png`), fullPage: true });

      expect(fixture.cspViolations).toEqual([]);
      await page.close();
    });
  }
});

const ADMIN = { email: 'root-narrow@example.com', password: 'admin password 123' };
const PHONE = { width: 390, height: 844 };

/** The control is drawn and lies wholly within the phone's width (nothing to scroll sideways to reach it). */
async function expectOnScreen(page: Page, selector: string): Promise<void> {
  const target = page.locator(selector).first();
  expect(await target.isVisible(), `${selector} is visible`).toBe(true);
  const box = (await target.boundingBox())!;
  expect(box.x, `${selector} starts on screen`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${selector} ends on screen`).toBeLessThanOrEqual(PHONE.width);
}

describe.skipIf(!hasChromium)('lists on a phone (390 × 844) are cards (tokens, API errors, the audit log, the admin lists); filter forms on a desktop keep one line', BROWSER_JOURNEY, () => {
  // Payments on (a Stripe API base that is never called: the admin list only reads the payments table).
  const fixture = useBrowserApp(async (t) => {
    await caller(t);
    await t.services.accounts.ensureAdmin(ADMIN.email, ADMIN.password);
    const user = await t.testDb.db('users').where({ email: USER.email }).first<{ id: number }>();
    const at = new Date().toISOString();
    await t.testDb.db('payments').insert({ public_id: 'tu_narrow_0001', user_id: user!.id, status: 'credited', amount_micros: 20_000_000, amount_minor: 2000, currency: 'USD', created_at: at, updated_at: at, credited_at: at });
    // A settled call with its cost breakdown gives the admin call page its legs table; a team gives the team pages rows.
    const leg = (seconds: number, costMicros: number) => ({ seconds, billedSeconds: seconds, paidSeconds: seconds, ratePerMinMicros: 143_100, connectionFeeMicros: 0, costMicros });
    await t.testDb.db('calls').where({ id: CALL_ID }).update({ cost_breakdown: JSON.stringify({ firstLeg: leg(120, 286_200), bridgedLeg: leg(120, 286_200), freeSecondsUsed: 0, chargedMicros: 572_400, uncollectedMicros: 0 }) });
    await t.services.teams.create(user!.id, 'Acme Sales and Customer Success International');
  }, { env: { STRIPE_API_BASE: 'http://127.0.0.1:9' }, overrides: { stripe: {} } });

  async function logInAs(page: Page, who: { email: string; password: string }): Promise<void> {
    await page.goto(`${fixture.base}/login`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL((url) => url.pathname === '/');
  }

  it('the caller: a new token with its Copy button, the tokens as cards (Revoke on screen), the API error table (Meaning on screen)', async () => {
    const page = await fixture.newPage(PHONE.width);
    await page.setViewportSize(PHONE);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fixture.base });
    await logInAs(page, USER);
    await page.goto(`${fixture.base}/account#api-tokens`);
    // The scope radios sit beside their words, not as a lone dot on a line of its own.
    const radio = (await page.getByLabel('only read (rates, wallet, calls)').boundingBox())!;
    const words = (await page.locator('.token-scope label', { hasText: 'only read' }).boundingBox())!;
    expect(radio.width).toBeLessThan(40);
    expect(Math.abs(radio.y + radio.height / 2 - (words.y + words.height / 2))).toBeLessThan(12);
    await page.getByLabel('Name', { exact: true }).fill('HubSpot with a rather long integration name');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.inputValue('#new-api-token');
    expect(secret).toMatch(/^cb_/);
    await page.getByRole('button', { name: 'Copy the token' }).click();
    await expect.poll(() => page.textContent('.copy-note')).toBe('Copied.');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
    expect(await page.locator('.tokens-table tbody tr').count()).toBe(1);
    await expectOnScreen(page, '.tokens-table .token-status a');
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(screenshots, 'tokens-390.png'), fullPage: true });

    await page.goto(`${fixture.base}/api`);
    await expectOnScreen(page, '.api-errors tbody tr .meaning');
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(screenshots, 'api-errors-390.png'), fullPage: true });
    expect(fixture.cspViolations).toEqual([]);
    await page.close();
  });

  it('at 1280 px each filter form keeps its button on the fields’ line, its foot level with the inputs', async () => {
    const page = await fixture.newPage(1280);
    await page.setViewportSize({ width: 1280, height: 800 });
    const check = async (path: string, form: string) => {
      await page.goto(`${fixture.base}${path}`);
      const fields = await page.locator(`${form} .field input, ${form} .field select`).evaluateAll((els) => els.map((el) => el.getBoundingClientRect().bottom));
      const button = (await page.locator(`${form} button[type="submit"]`).boundingBox())!;
      for (const bottom of fields) expect(Math.abs(button.y + button.height - bottom), `${path}: the button is level with each field`).toBeLessThanOrEqual(3);
      // Date fields wide enough for their whole mm/dd/yyyy and picker icon (Chromium clips them below about 155 px;
      // the date input's own scrollWidth does not show it).
      const dates = await page.locator(`${form} input[type="date"]`).evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
      for (const width of dates) expect(width, `${path}: a date field is wide enough for its value`).toBeGreaterThanOrEqual(160);
    };
    await logInAs(page, USER);
    await check('/calls', '.history-filters');
    await page.context().clearCookies();
    await logInAs(page, ADMIN);
    for (const path of ['/admin/users', '/admin/calls', '/admin/payments', '/admin/audit']) await check(path, '.filter-form');
    await page.screenshot({ path: join(screenshots, 'admin-audit-1280.png') });
    await page.close();
  });

  it('the caller’s team pages and contacts import preview, the admin’s call detail, rate import preview and errors and team pages, none scrolling sideways', async () => {
    const page = await fixture.newPage(PHONE.width);
    await page.setViewportSize(PHONE);
    const fits = async (name: string, cardRows: boolean) => {
      expect(await pageWidth(page), `${name} fits 390 px`).toBeLessThanOrEqual(PHONE.width);
      // A table's wrapper scrolls on its own (the page would still measure 390 px): none may be wider than its box.
      const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('.table-wrap')].filter((w) => w.scrollWidth > w.clientWidth).map((w) => w.scrollWidth + ' > ' + w.clientWidth)`);
      expect(wide, `${name}: no table scrolls sideways inside its wrapper`).toEqual([]);
      if (cardRows) expect(await page.evaluate<string>(`getComputedStyle(document.querySelector('table.stack-table tbody tr')).display`), `${name}: rows are cards`).toBe('block');
      await page.screenshot({ path: join(screenshots, `${name}-390.png`), fullPage: true });
    };
    await logInAs(page, USER);
    await page.goto(`${fixture.base}/teams`);
    await expectOnScreen(page, 'tbody tr td[data-label="Members"]');
    await fits('teams', true);
    await page.getByRole('link', { name: 'Acme Sales and Customer Success International' }).click();
    await page.waitForURL(/\/teams\/\d+$/);
    const teamPath = new URL(page.url()).pathname;
    await fits('team', false);
    await page.goto(`${fixture.base}${teamPath}/recordings`);
    expect(await page.textContent('.card')).toContain('Team recordings');
    await fits('team-recordings', false);

    // Contacts import preview: a line with a problem and new contacts with long names and two numbers.
    await page.goto(`${fixture.base}/contacts/import`);
    const contacts = ['Name,Organization Name,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value',
      'Bartholomew Featherstonehaugh-Cholmondeley,Acme Sales and Customer Success International,Work,+44 20 7946 0958,Mobile,+44 7700 900123',
      'Nobody,,,,,'].join('\n');
    await page.getByLabel(/^Contacts file/).setInputFiles({ name: 'contacts-with-a-rather-long-file-name.csv', mimeType: 'text/csv', buffer: Buffer.from(contacts) });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.waitForURL(/\/contacts\/import\/.+/);
    await expectOnScreen(page, 'tbody tr td[data-label="Problem"]');
    await expectOnScreen(page, 'tbody tr td[data-label="New numbers"]');
    await fits('contacts-import-preview', true);

    await page.context().clearCookies();
    await logInAs(page, ADMIN);
    await page.goto(`${fixture.base}/admin/calls/${CALL_ID}`);
    await expectOnScreen(page, 'tbody tr td[data-label="Margin"]');
    await expectOnScreen(page, 'tbody tr.total-row td[data-label="Margin"]');
    await fits('admin-call', true);
    await page.goto(`${fixture.base}/admin/teams`);
    await expectOnScreen(page, 'tbody tr td[data-label="Created"]');
    await fits('admin-teams', true);
    await page.getByRole('link', { name: 'Acme Sales and Customer Success International' }).click();
    await page.waitForURL(/\/admin\/teams\/\d+$/);
    await expectOnScreen(page, 'tbody tr td[data-label="Joined"]');
    await fits('admin-team', true);

    // Rate import: a deck with bad cells lists its problems; the seed deck with changes, an addition and removals previews.
    const seed = readFileSync(join(dataDir, 'rates.csv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const [header, ...rows] = seed;
    const upload = async (name: string, lines: string[]) => {
      await page.goto(`${fixture.base}/admin/rates/import`);
      await page.getByLabel(/^Rate file/).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from([header, ...lines].join('\n') + '\n') });
      await page.getByRole('button', { name: 'Check the file' }).click();
    };
    await upload('bad.csv', ['FR,France,33,France,abc,0.01,60,60,0,0,true', 'DE,Germany,49,Germany Mobile Telekom Deutschland and other operators,0.05,0.01,60,60,0,0,maybe']);
    await expect.poll(() => page.locator('.import-errors tbody tr').count(), { timeout: 5000 }).toBe(2);
    await expectOnScreen(page, '.import-errors tbody tr td[data-label="Problem"]');
    await fits('admin-rates-import-errors', true);
    const changed = rows.slice(3).map((l, i) => (i < 3 ? l.replace(/,(\d+\.\d+),/, ',9.8765,') : l));
    await upload('deck.csv', [...changed, 'XK,Kosovo,38349,Kosovo Mobile Vala and IPKO and other operators,0.3456,0.2,60,60,0,0,true']);
    await page.waitForURL(/\/admin\/rates\/import\/.+/);
    await expectOnScreen(page, '#changed-heading ~ .table-wrap tbody tr td.num');
    await expectOnScreen(page, '#added-heading ~ .table-wrap tbody tr td[data-label="Price"]');
    await fits('admin-rates-import-preview', true);

    expect(fixture.cspViolations).toEqual([]);
    await page.close();
  });

  it('an admin: users, calls, payments, rates, vouchers, recordings, emails and the audit log, none scrolling sideways', async () => {
    const page = await fixture.newPage(PHONE.width);
    await page.setViewportSize(PHONE);
    await logInAs(page, ADMIN);
    // A voucher batch made here gives the vouchers list a row and the audit log a change.
    await page.goto(`${fixture.base}/admin/vouchers`);
    await page.getByLabel('Name').fill('Launch promotion for new customers');
    await page.getByLabel(/^Value of each code/).fill('5.00');
    await page.getByLabel('How many codes').fill('3');
    await page.getByLabel('Last day of use (UTC)').fill('2099-12-31');
    await page.getByRole('button', { name: 'Create codes' }).click();
    await page.waitForURL((url) => url.pathname !== '/admin/vouchers' || url.search === '');

    const lists: [string, string][] = [
      ['/admin/users', 'tbody tr td[data-label="Balance"]'],
      ['/admin/calls', 'tbody tr td[data-label="Charged"]'],
      ['/admin/payments', 'tbody tr td[data-label="Top-up"] a'],
      ['/admin/rates', 'tbody tr .row-actions button'],
      ['/admin/vouchers', 'tbody tr td[data-label="Codes"] a'],
      ['/admin/recordings', 'button[type="submit"]'],
      ['/admin/emails', 'tbody tr td[data-label="Status"]'],
      ['/admin/audit', 'tbody tr .audit-change summary'],
    ];
    for (const [path, control] of lists) {
      await page.goto(`${fixture.base}${path}`);
      expect(await pageWidth(page), `${path} fits 390 px`).toBeLessThanOrEqual(PHONE.width);
      await expectOnScreen(page, control);
      if (path !== '/admin/recordings') {
        const display = await page.evaluate<string>(`getComputedStyle(document.querySelector('table.stack-table tbody tr')).display`);
        expect(display, `${path}: rows are cards`).toBe('block');
      }
      await page.screenshot({ path: join(screenshots, `admin${path.replaceAll('/', '-').replace('-admin', '')}-390.png`), fullPage: true });
    }
    expect(fixture.cspViolations).toEqual([]);
    await page.close();
  });
});
