import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';

/** Issue 24: a form re-shown with an error keeps the page's banners (they were computed for GET pages only). */
let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('banners on a form re-shown with an error', () => {
  it('the account page, re-shown after a wrong current password, still says to verify the phone and that there is no credit', async () => {
    const { agent, csrf } = await signedUpAgent(t);
    const shown = await agent.get('/account');
    expect(shown.text).toContain('banner-verify-phone');
    expect(shown.text).toContain('banner-low-balance');
    const res = await agent.post('/account/password').type('form').send({ _csrf: csrf, current_password: '', new_password: 'short', confirm_password: 'other' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('field-error');
    expect(res.text).toContain('banner-verify-phone');
    expect(res.text).toContain('You have no credit for calls.');
    // Once each: the banners are collected for the render, not also by a GET-style pass.
    expect(res.text.split('banner-verify-phone').length - 1).toBe(1);
  });

  it('a new contact re-shown without its name keeps the confirm-email banner of an unconfirmed address', async () => {
    const { agent } = await signedUpAgent(t);
    // An address changed back to unconfirmed (as after an email change): the banner must stay on every page.
    await t.testDb.db('users').where({ email: 'ada@example.com' }).update({ email_confirmed_at: null });
    const page = await agent.get('/contacts/new');
    expect(page.text).toContain('banner-confirm-email');
    const res = await agent.post('/contacts').type('form').send({ _csrf: csrfTokenFrom(page.text), name: '' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('field-error');
    expect(res.text).toContain('banner-confirm-email');
    expect(res.text).toContain('banner-verify-phone');
  });

  it('a form answered with a redirect or an htmx fragment gets no banner work', async () => {
    const { agent, csrf } = await signedUpAgent(t);
    const made = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'CRM', scope: 'read' });
    expect([200, 303]).toContain(made.status);
    const fragment = await agent.post('/account/tokens').set('HX-Request', 'true').type('form').send({ _csrf: csrf, name: '', scope: 'calls' });
    expect(fragment.text).not.toContain('banner-');
  });
});
