import { cspHeader } from 'agendash';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, makeAdmin, signedUpAgent, type TestApp } from '../helpers/app.js';
import { createSchedulerTestbed, type SchedulerTestbed } from './helpers/scheduler-testbed.js';

describe('Agendash inside the app', () => {
  let bed: SchedulerTestbed;
  let t: TestApp;
  beforeEach(async () => {
    bed = await createSchedulerTestbed();
    t = await createTestApp({}, {}, { jobs: bed.scheduler });
  });
  afterEach(async () => {
    await t.close();
    await bed.destroy();
  });

  it('is linked from Admin and open to admins only', async () => {
    expect((await request(t.app).get('/admin/jobs/')).status).toBe(303);
    const { agent } = await signedUpAgent(t, { email: 'ada@example.com' });
    expect((await agent.get('/admin/jobs/')).status).toBe(403);
    expect((await agent.get('/admin/jobs/api')).status).toBe(403);
    await makeAdmin(t, 'ada@example.com');
    expect((await agent.get('/admin')).text).toContain('href="/admin/jobs/"');
    const page = await agent.get('/admin/jobs/');
    expect(page.status).toBe(200);
    await bed.scheduler.scheduleHangup('CA-dashboard', new Date(Date.now() + 3600_000));
    const api = await agent.get('/admin/jobs/api');
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).toContain('calls.hangup-at-credit-deadline');
  });

  it('has a way back to the app on its page, under its own CSP and without inline style or script', async () => {
    const { agent } = await signedUpAgent(t, { email: 'ada@example.com' });
    await makeAdmin(t, 'ada@example.com');
    const page = await agent.get('/admin/jobs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<nav class="callbridge-bar" aria-label="callbridge"><a href="/admin">← Back to callbridge admin</a></nav>');
    expect(page.text).toContain('<div id="app"></div>');
    expect(page.headers['content-security-policy']).toBe(cspHeader);
    expect(page.text).not.toMatch(/<style|style=|<script(?![^>]*\bsrc=)[^>]*>/);
    const css = /href="(\/static\/jobs-bar\.css\?v=[0-9a-f]+)"/.exec(page.text)?.[1];
    expect((await agent.get(css!)).status).toBe(200);
    expect((await agent.get('/admin/jobs/index.html')).text).toContain('callbridge-bar');
  });

  it('refuses a cross-site state change even from an admin', async () => {
    const { agent } = await signedUpAgent(t, { email: 'ada@example.com' });
    await makeAdmin(t, 'ada@example.com');
    const res = await agent.post('/admin/jobs/api/jobs/delete').set('Origin', 'https://evil.example').send({ jobIds: [] });
    expect(res.status).toBe(403);
  });
});
