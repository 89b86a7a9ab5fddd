import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('log-in and sign-up pages when already logged in', () => {
  it('send the user to their home instead of showing the form again', async () => {
    const { agent } = await signedUpAgent(t);
    for (const path of ['/login', '/signup']) {
      const res = await agent.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.location, path).toBe('/');
    }
  });

  it('follow a same-site ?next= on /login, never another site', async () => {
    const { agent } = await signedUpAgent(t);
    expect((await agent.get('/login?next=%2Fwallet')).headers.location).toBe('/wallet');
    expect((await agent.get('/login?next=%2F%2Fevil.example')).headers.location).toBe('/');
  });
});
