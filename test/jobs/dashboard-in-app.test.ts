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

  it('refuses a cross-site state change even from an admin', async () => {
    const { agent } = await signedUpAgent(t, { email: 'ada@example.com' });
    await makeAdmin(t, 'ada@example.com');
    const res = await agent.post('/admin/jobs/api/jobs/delete').set('Origin', 'https://evil.example').send({ jobIds: [] });
    expect(res.status).toBe(403);
  });
});
