import { webhookTargetPolicy } from '../../src/api/webhooks/webhook-target.js';
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { hashToken } from '../../src/api/token-secrets.js';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';
import { createTokenViaPage } from './helpers/tokens.js';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

const tokenRows = () => t.testDb.db('api_tokens').select('*').orderBy('id');

describe('personal access tokens on the account page', () => {
  it('shows a new token once, stores only its SHA-256, and lists it with name, scope and dates', async () => {
    t = await createTestApp();
    const { agent } = await signedUpAgent(t);
    const empty = await agent.get('/account');
    expect(empty.text).toContain('No tokens yet');

    const created = await createTokenViaPage(agent, { name: 'HubSpot', scope: 'read' });
    expect(created.secret).toMatch(/^cb_[A-Za-z0-9_-]{43}$/);
    expect(created.page).toContain('shown only this once');
    const [row] = await tokenRows();
    expect(row.token_hash).toBe(hashToken(created.secret));
    expect(JSON.stringify(row)).not.toContain(created.secret);
    expect(row.scope).toBe('read');

    const again = await agent.get('/account');
    expect(again.text).not.toContain(created.secret);
    expect(again.text).toContain('HubSpot');
    expect(again.text).toContain('Read only');
    expect(again.text).toContain(`cb_…${created.secret.slice(-4)}`);
    expect(again.text).toMatch(/Last used<\/th>[\s\S]*Never/);
  });

  it('refuses a form without a name or scope, or with a past or malformed expiry, naming the field', async () => {
    t = await createTestApp();
    const { agent, csrf } = await signedUpAgent(t);
    const res = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: '  ', scope: 'admin', expires_on: '31/01/2027' });
    expect(res.status).toBe(303);
    const page = (await agent.get('/account')).text;
    expect(page).toContain('Name the token');
    expect(page).toContain('Choose what the token may do');
    expect(page).toContain('Enter a date like 2027-01-31');

    await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'Old', scope: 'calls', expires_on: '2020-01-01' });
    expect((await agent.get('/account')).text).toContain('Choose today or a later date');
    // A repeated field is treated as missing, not as a list.
    await agent.post('/account/tokens').type('form').send(`_csrf=${encodeURIComponent(csrf)}&name=a&name=b&scope=calls`);
    expect((await agent.get('/account')).text).toContain('Name the token');
    await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'Hook', scope: 'calls', webhook_url: 'javascript:alert(1)' });
    expect((await agent.get('/account')).text).toContain('Enter a full http:// or https:// address');
    expect(await tokenRows()).toHaveLength(0);
  });

  it('refuses a webhook URL that is not https, in every environment', async () => {
    t = await createTestApp({}, {}, { webhookTargets: webhookTargetPolicy({ resolve: async () => [{ address: '93.184.215.14', family: 4 }] }) });
    const { agent, csrf } = await signedUpAgent(t);
    await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'Hook', scope: 'calls', webhook_url: 'http://crm.example/hook' });
    expect((await agent.get('/account')).text).toContain('Use an https:// address');
    expect(await tokenRows()).toHaveLength(0);
    const { webhookSecret } = await createTokenViaPage(agent, { name: 'Hook', webhook_url: 'https://crm.example/hook' });
    expect(webhookSecret).toMatch(/^whsec_/);
  });

  it('needs the CSRF token to create or revoke', async () => {
    t = await createTestApp();
    const { agent } = await signedUpAgent(t);
    expect((await agent.post('/account/tokens').type('form').send({ name: 'x', scope: 'calls' })).status).toBe(403);
    await createTokenViaPage(agent);
    const [row] = await tokenRows();
    expect((await agent.post(`/account/tokens/${row.id}/revoke`).type('form').send({})).status).toBe(403);
    expect((await tokenRows())[0].revoked_at).toBeNull();
  });

  it('revokes after a confirmation page; the API refuses the token from then on', async () => {
    t = await createTestApp();
    const { agent } = await signedUpAgent(t);
    const { secret } = await createTokenViaPage(agent, { name: 'Zendesk' });
    expect((await request(t.app).get('/api/v1/wallet').set('Authorization', `Bearer ${secret}`)).status).toBe(200);
    const [row] = await tokenRows();
    const confirm = await agent.get(`/account/tokens/${row.id}/revoke`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Revoke “Zendesk”?');
    const done = await agent.post(`/account/tokens/${row.id}/revoke`).type('form').send({ _csrf: csrfTokenFrom(confirm.text) });
    expect(done.status).toBe(303);
    const page = (await agent.get('/account')).text;
    expect(page).toContain('Token revoked');
    expect(page).toContain('Revoked');
    const refused = await request(t.app).get('/api/v1/wallet').set('Authorization', `Bearer ${secret}`);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('token_revoked');
  });

  it("another user's token cannot be seen or revoked (404)", async () => {
    t = await createTestApp();
    const ada = await signedUpAgent(t);
    await createTokenViaPage(ada.agent, { name: 'Ada-Pipedrive' });
    const [row] = await tokenRows();
    const bob = await signedUpAgent(t, { email: 'bob@example.com' });
    expect((await bob.agent.get(`/account/tokens/${row.id}/revoke`)).status).toBe(404);
    expect((await bob.agent.post(`/account/tokens/${row.id}/revoke`).type('form').send({ _csrf: bob.csrf })).status).toBe(404);
    expect((await bob.agent.get('/account')).text).not.toContain('Ada-Pipedrive');
    expect((await tokenRows())[0].revoked_at).toBeNull();
  });

  it('records last use at most once a minute per token', async () => {
    t = await createTestApp();
    const { agent } = await signedUpAgent(t);
    const { secret } = await createTokenViaPage(agent);
    const api = () => request(t.app).get('/api/v1/wallet').set('Authorization', `Bearer ${secret}`);
    const writes: string[] = [];
    t.testDb.db.on('query', (q: { sql: string }) => {
      if (/update\s+["`]?api_tokens/i.test(q.sql)) writes.push(q.sql);
    });
    await api();
    const first = (await tokenRows())[0].last_used_at;
    expect(first).toBe(t.clock.now().toISOString());
    t.clock.advance(30_000);
    await api();
    await api();
    expect(writes).toHaveLength(1);
    expect((await tokenRows())[0].last_used_at).toBe(first);
    t.clock.advance(31_000);
    await api();
    expect(writes).toHaveLength(2);
    expect((await tokenRows())[0].last_used_at).toBe(t.clock.now().toISOString());
    expect((await agent.get('/account')).text).toContain(`${t.clock.now().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  });

  it('an expiry date keeps the token working through that day (UTC), then 401 token_expired', async () => {
    t = await createTestApp();
    t.clock.set(new Date('2026-11-22T10:00:00Z'));
    const { agent } = await signedUpAgent(t);
    const { secret } = await createTokenViaPage(agent, { expires_on: '2026-11-23' });
    expect((await agent.get('/account')).text).toContain('2026-11-23');
    const api = () => request(t.app).get('/api/v1/wallet').set('Authorization', `Bearer ${secret}`);
    t.clock.set(new Date('2026-11-23T23:59:59Z'));
    expect((await api()).status).toBe(200);
    t.clock.set(new Date('2026-11-24T00:00:00Z'));
    const expired = await api();
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: { code: 'token_expired', message: expect.any(String) } });
    expect((await agent.get('/account')).text).toContain('Expired');
  });
});
