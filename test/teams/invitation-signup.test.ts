import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../src/shared/safe-next.js';
import { csrfTokenFrom, createTestApp, emailedLink, signedUpAgent, type TestApp } from '../helpers/app.js';
import { invitationLink } from './helpers.js';

/** Sign-up from a team invitation comes back to the invitation: `next` rides through the form and the confirmation email. */
let t: TestApp;
let olive: Awaited<ReturnType<typeof signedUpAgent>>;
let teamId: string;

beforeAll(async () => {
  t = await createTestApp({ SIMULATE: 'true' });
  olive = await signedUpAgent(t, { name: 'Olive Owner', email: 'olive@example.com' });
  const created = await olive.agent.post('/teams').type('form').send({ _csrf: olive.csrf, name: 'Acme' });
  teamId = created.headers.location!.split('/').pop()!;
});
afterAll(async () => {
  await t.close();
});

const hiddenNext = (html: string) => /<input type="hidden" name="next" value="([^"]*)">/.exec(html)?.[1]?.replace(/&#x2F;|&#47;/g, '/') ?? null;

describe('signing up from a team invitation', () => {
  it('the invitation → sign up → the confirmation email → confirmed, logged in and back at the invitation → accept', async () => {
    await olive.agent.post(`/teams/${teamId}/invitations`).type('form').send({ _csrf: olive.csrf, email: 'newbie@example.com', role: 'member' });
    const invitation = new URL(await invitationLink(t, 'newbie@example.com')).pathname;

    const agent = request.agent(t.app);
    const page = await agent.get(invitation);
    const signUpHref = /href="(\/signup\?next=[^"]+)"/.exec(page.text)?.[1];
    expect(signUpHref).toBe(`/signup?next=${encodeURIComponent(invitation)}`);

    const form = await agent.get(signUpHref!);
    expect(hiddenNext(form.text)).toBe(invitation);
    const signedUp = await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Newbie', email: 'newbie@example.com', password: 'correct horse battery', next: invitation });
    expect(signedUp.status).toBe(303);

    const link = new URL(await emailedLink(t, 'newbie@example.com', '/confirm-email'));
    expect(link.searchParams.get('next')).toBe(invitation);
    const confirmPage = await agent.get(link.pathname + link.search);
    expect(hiddenNext(confirmPage.text)).toBe(invitation);
    const confirmed = await agent.post('/confirm-email').set('Sec-Fetch-Site', 'same-origin').type('form').send({ _csrf: csrfTokenFrom(confirmPage.text), token: link.searchParams.get('token'), next: invitation });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.location).toBe(invitation);

    const back = await agent.get(invitation);
    expect(back.text).toContain('Join Acme');
    const accepted = await agent.post(invitation).type('form').send({ _csrf: csrfTokenFrom(back.text) });
    expect(accepted.status).toBe(303);
    const newbie = (await t.testDb.db('users').where({ email: 'newbie@example.com' }).first('id')).id as number;
    expect(await t.testDb.db('account_members').where({ account_id: Number(teamId), user_id: newbie }).first('role')).toEqual({ role: 'member' });
  });

  it('only local paths are carried: another site is dropped from the form, the email and the redirect', async () => {
    const agent = request.agent(t.app);
    const form = await agent.get('/signup?next=' + encodeURIComponent('//evil.example/x'));
    expect(hiddenNext(form.text)).toBeNull();
    await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Eve', email: 'eve@example.com', password: 'correct horse battery', next: 'https://evil.example/' });
    const link = new URL(await emailedLink(t, 'eve@example.com', '/confirm-email'));
    expect(link.searchParams.has('next')).toBe(false);
    const confirmPage = await agent.get(`${link.pathname}${link.search}&next=${encodeURIComponent('/\t/evil.example')}`);
    expect(hiddenNext(confirmPage.text)).toBeNull();
    const confirmed = await agent.post('/confirm-email').set('Sec-Fetch-Site', 'same-origin').type('form').send({ _csrf: csrfTokenFrom(confirmPage.text), token: link.searchParams.get('token'), next: '/\\evil.example' });
    expect(confirmed.headers.location).toBe('/account/phone');
  });

  it('safeNext keeps local paths and drops everything else', () => {
    for (const ok of ['/', '/teams/invitations/abc_-DEF', '/calls?status=failed', '/a/b#c']) expect(safeNext(ok)).toBe(ok);
    for (const bad of ['//evil.example', '/\\evil.example', '\\\\evil', 'https://evil.example/', 'javascript:alert(1)', '/\t/evil.example', '/\n/evil', 'teams', '', 42, null, undefined, `/${'a'.repeat(2001)}`]) expect(safeNext(bad)).toBe('/');
  });
});
