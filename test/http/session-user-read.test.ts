import type { SessionData } from 'express-session';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../admin/helpers.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { SESSION_READ, statementsDuring } from '../helpers/statements.js';

/**
 * Every logged-in request needs its session and its user. The session store reads both in one statement (a left join)
 * and hands the user to loadUser: on PostgreSQL a second read would be a second round trip on every request, polls
 * of a ringing call included. The user must still be read afresh by every request, never served from an earlier one.
 */
let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const USERS_READ = /from .users./;

const statements = (run: () => Promise<unknown>) => statementsDuring(t.testDb.db, run, { prepared: true });

async function customer(email = 'ada@example.com') {
  const signed = await signedUpAgent(t, { email });
  const row = await t.testDb.db('users').where({ email }).first<{ id: number }>();
  const session = await t.testDb.db('sessions').where({ user_id: row!.id }).first<{ sid: string }>();
  return { ...signed, id: Number(row!.id), sid: session!.sid };
}

function readSession(sid: string): Promise<SessionData | null | undefined> {
  return new Promise((resolve, reject) => t.sessionStore.get(sid, (err, data) => (err ? reject(err) : resolve(data))));
}

describe('a logged-in request reads its user with its session', () => {
  it('one statement reads both; users is not read again', async () => {
    const { agent } = await customer();
    for (const page of ['/wallet', '/account']) {
      let res: { status: number; text: string } | undefined;
      const sqls = await statements(async () => (res = await agent.get(page)));
      expect(res!.status, page).toBe(200);
      expect(sqls[0], page).toMatch(SESSION_READ);
      expect(sqls[0], 'names the columns it needs: no password hash, no users.*').not.toMatch(/password_hash|users\.\*/);
      expect(sqls.filter((sql) => USERS_READ.test(sql)), sqls.join('\n')).toEqual([]);
    }
    expect((await agent.get('/account')).text).toContain('ada@example.com');
  });

  it('a session row without user_id still finds its user, with one primary-key read', async () => {
    const { agent, sid } = await customer();
    await t.testDb.db('sessions').where({ sid }).update({ user_id: null });
    let res: { status: number; text: string } | undefined;
    const sqls = await statements(async () => (res = await agent.get('/account')));
    expect(res!.status).toBe(200);
    expect(res!.text).toContain('ada@example.com');
    expect(sqls.filter((sql) => USERS_READ.test(sql)), sqls.join('\n')).toHaveLength(1);
  });

  it('a disabled account whose session row survived is logged out on its next request, and stays out', async () => {
    const { agent } = await customer();
    await t.testDb.db('users').where({ email: 'ada@example.com' }).update({ disabled_at: new Date().toISOString() });
    const res = await agent.get('/wallet');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fwallet');
    expect(res.headers['cache-control']).not.toBe('no-store');
    await t.testDb.db('users').where({ email: 'ada@example.com' }).update({ disabled_at: null });
    expect((await agent.get('/wallet')).status, 're-enabling does not revive the session').toBe(303);
  });

  it("an admin's role change or disabling takes effect on the user's very next request", async () => {
    const admin = await adminAgent(t);
    const ada = await customer();
    const setAdmin = (value: '0' | '1') => admin.agent.post(`/admin/users/${ada.id}/admin`).type('form').send({ _csrf: admin.csrf, admin: value });
    expect((await ada.agent.get('/admin')).status).toBe(403);
    expect((await setAdmin('1')).status).toBe(303);
    expect((await ada.agent.get('/admin')).status).toBe(200);
    expect((await setAdmin('0')).status).toBe(303);
    expect((await ada.agent.get('/admin')).status).toBe(403);
    const disable = await admin.agent.post(`/admin/users/${ada.id}/disabled`).type('form').send({ _csrf: admin.csrf, disabled: '1' });
    expect(disable.status).toBe(303);
    const after = await ada.agent.get('/wallet');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login?next=%2Fwallet');
  });
});

describe('DatabaseSessionStore.takeUser', () => {
  it('hands the user out once, and only for the user the session names', async () => {
    const ada = await customer();
    await readSession(ada.sid);
    expect(t.sessionStore.takeUser(ada.sid, ada.id + 1)).toBeUndefined();
    expect(t.sessionStore.takeUser(ada.sid, ada.id), 'a mismatched take removes the copy too').toBeUndefined();
    await readSession(ada.sid);
    expect(t.sessionStore.takeUser(ada.sid, ada.id)).toMatchObject({ id: ada.id, email: 'ada@example.com' });
    expect(t.sessionStore.takeUser(ada.sid, ada.id)).toBeUndefined();
  });

  it('maps the joined row exactly as findById does (bigints as numbers on PostgreSQL)', async () => {
    const ada = await customer();
    await t.testDb.db('users').where({ id: ada.id }).update({ daily_spend_cap_micros: 5_000_000, concurrent_call_limit: 2, phone_e164: '+442079460958' });
    await readSession(ada.sid);
    const joined = t.sessionStore.takeUser(ada.sid, ada.id);
    expect(joined).toEqual(await t.services.users.findById(ada.id));
    expect(joined?.dailySpendCapMicros).toBe(5_000_000);
  });

  it('a copy left by a request that never took it is replaced by the next read, never served stale', async () => {
    const ada = await customer();
    await readSession(ada.sid);
    await t.testDb.db('users').where({ id: ada.id }).update({ role: 'admin' });
    await readSession(ada.sid);
    expect(t.sessionStore.takeUser(ada.sid, ada.id)?.role).toBe('admin');

    await readSession(ada.sid);
    await t.testDb.db('sessions').where({ sid: ada.sid }).delete();
    expect(await readSession(ada.sid)).toBeNull();
    expect(t.sessionStore.takeUser(ada.sid, ada.id)).toBeUndefined();
  });

  it('a session whose user row is gone yields no user', async () => {
    const ada = await customer();
    await t.testDb.db('sessions').where({ sid: ada.sid }).update({ user_id: ada.id + 1000 });
    expect(await readSession(ada.sid)).toMatchObject({ userId: ada.id });
    expect(t.sessionStore.takeUser(ada.sid, ada.id)).toBeUndefined();
  });
});
