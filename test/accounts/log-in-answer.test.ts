import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRatedTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';

/**
 * A browser's log-in that leads to the dial page gets that page in the answer, not a redirect to it (issue #25: one
 * round trip fewer on a slow link). Everything else keeps post/redirect/get.
 */
let t: TestApp;
beforeEach(async () => {
  t = await createRatedTestApp();
  await signedUpAgent(t, { email: 'ada@example.com', password: 'correct horse battery' });
});
afterEach(async () => {
  await t.close();
});

const BROWSER_NAVIGATION = { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Dest': 'document' };

async function logIn(headers: Record<string, string>, fields: Record<string, string> = {}) {
  const agent = request.agent(t.app);
  const form = await agent.get('/login');
  const formToken = csrfTokenFrom(form.text);
  const res = await agent.post('/sessions').set(headers).type('form').send({ _csrf: formToken, email: 'ada@example.com', password: 'correct horse battery', next: '/', ...fields });
  return { agent, res, formToken };
}

describe('logging in from a browser', () => {
  it('answers with the dial page itself: the new session, its token, the banners and the nav of a signed-in user', async () => {
    const { agent, res, formToken } = await logIn(BROWSER_NAVIGATION);
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']?.[0]).toMatch(/^callbridge\.sid=/);
    expect(res.headers['cache-control']).toBe('no-store');
    // A page, so a page's policies (a redirect gets the lean set: src/http/security.ts).
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    // The page stands for / (the script puts that in the address bar, so a reload is a GET of /).
    expect(res.text).toContain('<link rel="canonical" href="/">');
    expect(res.text).toContain('<label for="dial-to">Number to call</label>');
    expect(res.text).toMatch(/<a href="\/" aria-current="page">/);
    expect(res.text).toContain('href="/account/phone"'); // the verify-your-phone banner: this user has no phone yet
    expect(res.text).toContain('Log out');

    // The page carries the session's own token, not the log-in form's, and it is the one the session accepts.
    const token = csrfTokenFrom(res.text);
    expect(token).not.toBe(formToken);
    expect(res.text).toContain(`hx-headers='{"X-CSRF-Token": "${token}"}'`);
    await agent.post('/account/name').type('form').send({ _csrf: token, name: 'Ada King' }).expect(303);
    await agent.post('/account/name').type('form').send({ _csrf: formToken, name: 'Ada Byron' }).expect(403);

    // The same page as GET / gives, but for the address it names.
    const page = await agent.get('/');
    expect(page.text).not.toContain('rel="canonical"');
    expect(page.text).toContain('<label for="dial-to">Number to call</label>');
  });

  it('logging in again while signed in shows each banner once', async () => {
    const { agent, res } = await logIn(BROWSER_NAVIGATION);
    const again = await agent.post('/sessions').set(BROWSER_NAVIGATION).type('form').send({ _csrf: csrfTokenFrom(res.text), email: 'ada@example.com', password: 'correct horse battery', next: '/' });
    expect(again.status).toBe(200);
    expect(again.text.match(/banner-verify-phone/g)).toHaveLength(1);
    expect(csrfTokenFrom(again.text)).not.toBe(csrfTokenFrom(res.text));
  });

  it('redirects as before when the log-in leads elsewhere, comes from a browser without scripts, or from a script', async () => {
    const elsewhere = await logIn(BROWSER_NAVIGATION, { next: '/wallet' });
    expect(elsewhere.res.status).toBe(303);
    expect(elsewhere.res.headers.location).toBe('/wallet');

    // A browser with scripting off sends the form's <noscript> field: nothing would set its address bar to /.
    const noScript = await logIn(BROWSER_NAVIGATION, { no_script: '1' });
    expect(noScript.res.status).toBe(303);
    expect(noScript.res.headers.location).toBe('/');

    const script = await logIn({ 'Sec-Fetch-Site': 'same-origin' });
    expect(script.res.status).toBe(303);
    expect(script.res.headers.location).toBe('/');
    expect((await script.agent.get('/')).text).toContain('Number to call');
  });

  it('shows the log-in form again, with its error, for a wrong password', async () => {
    const { res } = await logIn(BROWSER_NAVIGATION, { password: 'not the password' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('<h1>Log in</h1>');
    expect(res.text).not.toContain('rel="canonical"');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
