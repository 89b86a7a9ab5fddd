import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfTokenFrom, makeAdmin, signedUpAgent, type TestApp } from '../helpers/app.js';
import { createTokenViaPage } from './helpers/tokens.js';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

const wallet = (token: string) => request(t.app).get('/api/v1/wallet').set('Authorization', `Bearer ${token}`);

describe('disabled means disabled (issue 26 #1)', () => {
  it('an admin disables an account: its API token is refused at once (403), and calls cannot start', async () => {
    t = await createTestApp();
    const ada = await signedUpAgent(t, { email: 'ada@example.com' });
    const { secret } = await createTokenViaPage(ada.agent);
    expect((await wallet(secret)).status).toBe(200);

    const admin = await signedUpAgent(t, { email: 'root@example.com' });
    await makeAdmin(t, 'root@example.com');
    const ada_ = (await t.services.users.findCredentialsByEmail('ada@example.com'))!.user;
    const page = await admin.agent.get(`/admin/users/${ada_.id}`);
    const res = await admin.agent.post(`/admin/users/${ada_.id}/disabled`).type('form').send({ _csrf: csrfTokenFrom(page.text), disabled: '1' });
    expect(res.status).toBe(303);

    const refused = await wallet(secret);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('account_disabled');
    const call = await request(t.app).post('/api/v1/calls').set('Authorization', `Bearer ${secret}`).send({ to: '+442079460958' });
    expect(call.status).toBe(403);

    // The service itself refuses too, whoever asks (a session, a token, a job).
    await t.testDb.db('users').where({ id: ada_.id }).update({ phone_e164: '+14155552671', phone_verified_at: new Date().toISOString() });
    expect(await t.services.calls.start({ userId: ada_.id, to: '+442079460958' })).toMatchObject({ ok: false, reason: 'account-disabled' });
  });

  it('an account disabled by another process is refused once this process’s short look-up cache expires', async () => {
    t = await createTestApp();
    const ada = await signedUpAgent(t, { email: 'ada@example.com' });
    const { secret } = await createTokenViaPage(ada.agent);
    expect((await wallet(secret)).status).toBe(200);
    await t.testDb.db('users').where({ email: 'ada@example.com' }).update({ disabled_at: new Date().toISOString() });
    t.clock.advance(6_000);
    expect((await wallet(secret)).status).toBe(403);
  });

  it('a password change offers to revoke the API tokens, and says which happened', async () => {
    t = await createTestApp();
    const ada = await signedUpAgent(t, { email: 'ada@example.com' });
    const kept = await createTokenViaPage(ada.agent, { name: 'kept' });
    const account = await ada.agent.get('/account');
    expect(account.text).toContain('name="revoke_tokens"');

    const change = (fields: Record<string, string>) => ada.agent.post('/account/password').type('form').send({ _csrf: ada.csrf, ...fields });
    await change({ current_password: 'correct horse battery', new_password: 'second horse battery', confirm_password: 'second horse battery' });
    expect((await ada.agent.get('/account')).text).toContain('Your API tokens still work');
    expect((await wallet(kept.secret)).status).toBe(200);

    await change({ current_password: 'second horse battery', new_password: 'third horse battery', confirm_password: 'third horse battery', revoke_tokens: 'yes' });
    expect((await ada.agent.get('/account')).text).toContain('Your API token was revoked.');
    expect((await wallet(kept.secret)).status).toBe(401);
  });

  it('“log out everywhere else” revokes the tokens when asked', async () => {
    t = await createTestApp();
    const ada = await signedUpAgent(t, { email: 'ada@example.com' });
    const one = await createTokenViaPage(ada.agent, { name: 'one' });
    const two = await createTokenViaPage(ada.agent, { name: 'two' });
    const res = await ada.agent.post('/account/sessions/end-others').type('form').send({ _csrf: ada.csrf, revoke_tokens: 'yes' });
    expect(res.status).toBe(303);
    expect((await ada.agent.get('/account')).text).toContain('Your 2 API tokens were revoked.');
    expect((await wallet(one.secret)).status).toBe(401);
    expect((await wallet(two.secret)).status).toBe(401);
  });
});
