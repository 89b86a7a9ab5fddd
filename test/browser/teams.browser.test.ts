import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { BROWSER_JOURNEY, hasChromium, signUpAndLogIn, useBrowserApp } from '../helpers/browser.js';
import { invitationLink } from '../teams/helpers.js';

const screenshots = join(projectRoot, 'test-results', 'teams');
const OWNER = { name: 'Olive Owner-With-A-Rather-Long-Name', email: 'olive.owner.with.a.long.address@example.com', password: 'a long enough password' };
const MEMBER = { name: 'Mia Member', email: 'mia-teams@example.com', password: 'a long enough password' };

const pageWidth = (page: Page) => page.evaluate<number>('document.scrollingElement.scrollWidth');

describe.skipIf(!hasChromium)('teams on a phone (390 px): create, invite, accept, limits; nothing scrolls sideways', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp();
  mkdirSync(screenshots, { recursive: true });

  it('an owner creates a team and invites by email; the member accepts from the link; the owner sets limits', async () => {
    const owner = await fixture.newPage(390);
    await signUpAndLogIn(owner, fixture.base, OWNER);
    await owner.getByRole('link', { name: 'Teams' }).click();
    await owner.locator('main').getByText('You are in no team yet.').first().waitFor();
    expect(await pageWidth(owner)).toBeLessThanOrEqual(390);
    await owner.getByLabel('Team name').fill('Acme Sales and Support Worldwide');
    await owner.getByRole('button', { name: 'Create team' }).click();
    await owner.waitForURL(/\/teams\/\d+$/);
    const teamPath = new URL(owner.url()).pathname;
    await owner.getByLabel('Email address').fill(MEMBER.email);
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.locator('main').getByText(`Invitation sent to ${MEMBER.email}`).first().waitFor();
    expect(await pageWidth(owner)).toBeLessThanOrEqual(390);

    const member = await (await fixture.browser.newContext({ viewport: { width: 390, height: 800 } })).newPage();
    await signUpAndLogIn(member, fixture.base, MEMBER);
    const link = new URL(await invitationLink(fixture.t, MEMBER.email));
    await member.goto(`${fixture.base}${link.pathname}`);
    expect(await member.textContent('main')).toContain(`${OWNER.name} invites ${MEMBER.email} to join Acme Sales and Support Worldwide as member`);
    expect(await pageWidth(member)).toBeLessThanOrEqual(390);
    await member.screenshot({ path: join(screenshots, 'invitation-390.png'), fullPage: true });
    await member.getByRole('button', { name: /Accept and join/ }).click();
    await member.waitForURL(`${fixture.base}${teamPath}`);
    expect(await member.textContent('main')).toContain('Welcome to Acme Sales and Support Worldwide.');

    await owner.goto(`${fixture.base}${teamPath}`);
    await owner.getByRole('link', { name: MEMBER.name }).click();
    await owner.getByLabel(/Spend per day/).fill('abc');
    await owner.getByRole('button', { name: 'Save limits' }).click();
    await owner.locator('main').getByText('Spend per day: enter an amount such as 20.00').first().waitFor();
    await owner.getByLabel(/Spend per day/).fill('20');
    await owner.getByLabel('Allowed countries').fill('GB, FR');
    await owner.getByRole('button', { name: 'Save limits' }).click();
    await owner.locator('main').getByText('a day · only FR, GB').first().waitFor();
    expect(await pageWidth(owner)).toBeLessThanOrEqual(390);
    await owner.screenshot({ path: join(screenshots, 'member-390.png'), fullPage: true });
    await owner.goto(`${fixture.base}${teamPath}`);
    expect(await pageWidth(owner)).toBeLessThanOrEqual(390);
    await owner.screenshot({ path: join(screenshots, 'team-390.png'), fullPage: true });
    // The recording policy, by keyboard-reachable radio buttons; then the team's recordings (empty state).
    await owner.getByLabel(/Always: every team call is recorded/).check();
    await owner.getByRole('button', { name: 'Save recording policy' }).click();
    await owner.locator('main').getByText('Every team call will be recorded').first().waitFor();
    expect(await owner.getByLabel(/Always: every team call is recorded/).isChecked()).toBe(true);
    await owner.getByRole('link', { name: 'The team’s recorded calls' }).click();
    await owner.locator('main').getByText('No recorded team call yet.').waitFor();
    expect(await pageWidth(owner)).toBeLessThanOrEqual(390);
    expect(fixture.cspViolations).toEqual([]);
  });
});
