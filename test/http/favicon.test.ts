import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('favicon', () => {
  it('is linked from every page and served with the other assets', async () => {
    const page = await request(t.app).get('/login');
    const href = /<link rel="icon" href="([^"]+)" type="image\/svg\+xml">/.exec(page.text)?.[1];
    expect(href).toMatch(/^\/static\/favicon\.svg\?v=[0-9a-f]{10}$/);
    const icon = await request(t.app).get(href!);
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(icon.headers['cache-control']).toContain('immutable');
  });

  it('answers /favicon.ico, which browsers ask for on their own, instead of a 404', async () => {
    const res = await request(t.app).get('/favicon.ico');
    expect(res.status).toBe(301);
    expect(res.headers.location).toMatch(/^\/static\/favicon\.svg\?v=/);
  });
});
