import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasBadText } from '../../src/http/input-edges.js';
import { createTokenViaPage } from '../api/helpers/tokens.js';
import { createTestApp, makeAdmin, signedUpAgent, type TestApp } from '../helpers/app.js';

// Runs on whichever engine the suite runs on; issue 26 #8 was PostgreSQL-only (DATABASE_URL=postgres://… to run it there).
interface RouteEntry {
  method: 'get' | 'post';
  path: string;
}

/** Every route in the app's table, read from Express's own router stack (mounted routers included). */
function routesOf(stack: unknown[], prefix = ''): RouteEntry[] {
  const found: RouteEntry[] = [];
  for (const layer of stack as Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] }; rawPath?: string }>) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) if (method === 'get' || method === 'post') found.push({ method, path: prefix + layer.route.path });
    } else if (layer.handle?.stack && typeof layer.rawPath === 'string') {
      found.push(...routesOf(layer.handle.stack, prefix + layer.rawPath));
    }
  }
  return found;
}

/** NUL, ids past a 32-bit column, invalid UTF-8 (a bare continuation byte, an overlong form, an encoded surrogate). */
const PARAM_VALUES = ['%00', 'a%00b', '2147483648', '99999999999999999999', '-1', '%C3%28', '%C0%AF', '%ED%A0%80', '%FF'];
const QUERY = 'q=%00&page=%00&id=2147483648&number=%2B44%00&to=%ED%A0%80&country=%FF&cursor=99999999999999999999&sort=%00';
const FORM_FIELDS = ['name', 'email', 'password', 'phone', 'country', 'channel', 'code', 'to', 'amount', 'reason', 'code_count', 'value', 'prefix', 'sell_per_min', 'daily_spend_cap', 'concurrent_call_limit', 'current_password', 'new_password', 'confirm_password', 'webhook_url', 'scope', 'expires_on', 'disabled', 'admin', 'id'];

let t: TestApp;
let admin: Awaited<ReturnType<typeof signedUpAgent>>;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  admin = await signedUpAgent(t, { email: 'root@example.com' });
  await makeAdmin(t, 'root@example.com');
  token = (await createTokenViaPage(admin.agent)).secret;
});
afterAll(async () => {
  await t.close();
});

describe('input edges: no route answers 5xx to NUL, huge ids or invalid UTF-8 (issue 26 #8)', () => {
  it('finds the routes (the walk is not empty)', () => {
    const routes = routesOf((t.app as unknown as { router: { stack: unknown[] } }).router.stack);
    expect(routes.length).toBeGreaterThan(60);
    expect(routes.some((r) => r.path === '/api/v1/calls/:id')).toBe(true);
  });

  it('every route, every parameter, logged in as an admin, with a token, and anonymously', { timeout: 240_000 }, async () => {
    const routes = routesOf((t.app as unknown as { router: { stack: unknown[] } }).router.stack);
    const failures: string[] = [];
    const send = async (method: 'get' | 'post', url: string, who: 'admin' | 'anonymous' | 'token', body?: Record<string, string>) => {
      const base = who === 'admin' ? admin.agent : request(t.app);
      let req = base[method](url).set('X-CSRF-Token', admin.csrf);
      if (who === 'token') req = req.set('Authorization', `Bearer ${token}`);
      if (method === 'post') req = url.startsWith('/api/') ? req.send(body ? { to: body.to } : {}) : req.type('form').send({ _csrf: admin.csrf, ...(body ?? {}) });
      const res = await req;
      if (res.status >= 500) failures.push(`${method.toUpperCase()} ${url} as ${who}: ${res.status} ${res.text.slice(0, 120)}`);
    };
    const nulBody = Object.fromEntries(FORM_FIELDS.map((f) => [f, `x\u0000y`]));
    const hugeBody = Object.fromEntries(FORM_FIELDS.map((f) => [f, '99999999999999999999']));
    for (const route of routes) {
      if (route.path === '/logout' || route.path.startsWith('/twilio')) continue; // log-out ends the admin's session; Twilio's routes refuse unsigned requests first
      const who = route.path.startsWith('/api/') ? 'token' : 'admin';
      const urls = route.path.includes(':') ? PARAM_VALUES.map((v) => route.path.replace(/:[A-Za-z_]+/g, v)) : [route.path];
      for (const url of urls) await send(route.method, url, who);
      await send(route.method, `${urls[0]}?${QUERY}`, who);
      if (route.method === 'post') {
        await send('post', urls[0]!, who, nulBody);
        await send('post', urls[0]!, who, hugeBody);
      }
      if (!route.path.includes(':')) await send(route.method, `${route.path}?${QUERY}`, 'anonymous', route.method === 'post' ? nulBody : undefined);
    }
    expect(failures).toEqual([]);
  });

  it('refuses NUL and lone surrogates with 400 on the log-in and sign-up forms and the API', async () => {
    const login = await request(t.app).post('/login').type('form').send({ email: 'a\u0000@example.com', password: 'x' });
    expect(login.status).toBe(400);
    const signup = await request(t.app).get('/signup?next=%00');
    expect(signup.status).toBe(400);
    const api = await request(t.app).post('/api/v1/calls').set('Authorization', `Bearer ${token}`).set('content-type', 'application/json').send('{"to":"\\ud800"}');
    expect(api.status).toBe(400);
    expect(api.body.error.code).toBe('invalid_request');
    expect((await admin.agent.get('/admin/users/2147483648')).status).toBe(404);
    expect((await admin.agent.get('/admin/users/2147483647')).status).toBe(404);
  });

  it('tells bad text from good text', () => {
    expect(hasBadText('a\u0000')).toBe(true);
    expect(hasBadText('\ud800')).toBe(true);
    expect(hasBadText('\udc00x')).toBe(true);
    expect(hasBadText('😀 ok é')).toBe(false);
    expect(hasBadText({ nested: ['fine', { deeper: 'x\u0000' }] })).toBe(true);
  });
});
