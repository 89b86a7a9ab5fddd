import request from 'supertest';
import type { Express } from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { createSchedulerTestbed, type SchedulerTestbed } from '../jobs/helpers/scheduler-testbed.js';
import { auditCount, seedSampleDeck } from './helpers.js';

interface Endpoint {
  method: string;
  path: string;
}

interface Layer {
  name: string;
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/**
 * Every endpoint the app answers under /admin, read from Express's own route table (app.router.stack), including
 * routers mounted with app.use: a route added tomorrow is checked without anyone updating a list.
 */
export function adminEndpoints(app: Express): Endpoint[] {
  const found: Endpoint[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
      } else if (layer.handle.stack && layer.rawPath !== undefined) {
        const mount = prefix + (layer.rawPath === '/' ? '' : layer.rawPath);
        // A mounted router answers anything below its path: probe its root and a path inside it, both ways.
        if (mount.startsWith('/admin')) for (const method of ['GET', 'POST']) found.push({ method, path: `${mount}/` }, { method, path: `${mount}/anything` });
        walk(layer.handle.stack, mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found.filter((e) => e.path === '/admin' || e.path.startsWith('/admin/'));
}

const concrete = (path: string) => path.replace(/:id\b/g, '1').replace(/:token\b/g, 'preview-token-that-does-not-exist').replace(/:(\w+)/g, 'x');

describe('every admin route refuses non-admins', () => {
  let bed: SchedulerTestbed;
  let t: TestApp;
  beforeEach(async () => {
    bed = await createSchedulerTestbed();
    t = await createTestApp({}, {}, { jobs: bed.scheduler });
    await seedSampleDeck(t);
  });
  afterEach(async () => {
    await t.close();
    await bed.destroy();
  });

  it('finds the admin routes in the route table, including the mounted jobs dashboard', () => {
    const endpoints = adminEndpoints(t.app);
    const keys = endpoints.map((e) => `${e.method} ${e.path}`);
    expect(keys).toEqual(expect.arrayContaining(['GET /admin', 'GET /admin/rates', 'POST /admin/rates/:id', 'POST /admin/users/:id/credit', 'GET /admin/audit', 'GET /admin/jobs/']));
    expect(endpoints.length).toBeGreaterThan(30);
  });

  it('answers 403 to a signed-in user (with a valid CSRF token) and changes nothing', async () => {
    const { agent, csrf } = await signedUpAgent(t, { email: 'mallory@example.com' });
    const before = await t.testDb.db('rates').count({ n: '*' }).first();
    for (const { method, path } of adminEndpoints(t.app)) {
      const url = concrete(path);
      const res = method === 'GET' ? await agent.get(url) : await agent[method.toLowerCase() as 'post'](url).set('X-CSRF-Token', csrf).type('form').send({ _csrf: csrf, disabled: '1', admin: '1', amount: '100', reason: 'free money' });
      expect(res.status, `${method} ${url}`).toBe(403);
    }
    expect(await auditCount(t)).toBe(0);
    expect(await t.testDb.db('rates').count({ n: '*' }).first()).toEqual(before);
  });

  it('sends a visitor who is not logged in to the log-in page', async () => {
    for (const { method, path } of adminEndpoints(t.app).filter((e) => e.method === 'GET' && !e.path.startsWith('/admin/jobs'))) {
      const res = await request(t.app)[method.toLowerCase() as 'get'](concrete(path));
      expect(res.status, path).toBe(303);
      expect(res.headers.location).toMatch(/^\/login\?next=/);
    }
  });
});
