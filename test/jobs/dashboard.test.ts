import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobsDashboardRouter } from '../../src/jobs/dashboard.js';
import { hangupCallJob } from '../../src/jobs/definitions/hangup-call.js';
import { createSchedulerTestbed, type SchedulerTestbed } from './helpers/scheduler-testbed.js';

const host = 'callbridge.test';
// Stands in for the app's requireAdmin (session-based there).
const requireAdmin: RequestHandler = (req, res, next) => (req.get('x-test-role') === 'admin' ? next() : void res.status(403).send('admins only'));

describe('jobs dashboard (Agendash at /admin/jobs/)', () => {
  let bed: SchedulerTestbed;
  let app: express.Express;
  beforeEach(async () => {
    bed = await createSchedulerTestbed();
    await bed.scheduler.start();
    app = express();
    app.use('/admin/jobs', jobsDashboardRouter({ agenda: bed.scheduler.agenda, requireAdmin }));
  });
  afterEach(async () => {
    await bed.destroy();
  });

  // The admin's browser sends its session cookie with every request, which is what a cross-site form would ride on.
  const asAdmin = (req: request.Test) => req.set('Host', host).set('x-test-role', 'admin').set('Cookie', 'callbridge.sid=s%3Aadmin');

  it('is for admins only', async () => {
    await request(app).get('/admin/jobs/').set('Host', host).expect(403);
    await request(app).get('/admin/jobs/api').set('Host', host).expect(403);
  });

  it('serves the UI under a trailing slash with its CSP (no inline or eval script)', async () => {
    await asAdmin(request(app).get('/admin/jobs?x=1')).expect(301).expect('Location', '/admin/jobs/?x=1');
    const page = await asAdmin(request(app).get('/admin/jobs/')).expect(200);
    expect(page.text).toContain('Agendash');
    expect(page.text).toMatch(/src="\.\/assets\//);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('lists jobs from our store through its API', async () => {
    await bed.scheduler.scheduleHangup('CA-dash', new Date(Date.now() + 60_000));
    const list = await asAdmin(request(app).get('/admin/jobs/api?limit=10')).expect(200);
    expect(JSON.stringify(list.body)).toContain('CA-dash');
    expect(JSON.stringify(list.body)).toContain(hangupCallJob);
  });

  it('refuses state-changing requests from another origin, or with no origin at all', async () => {
    await bed.scheduler.scheduleHangup('CA-keep', new Date(Date.now() + 60_000));
    const [job] = (await bed.scheduler.agenda.queryJobs({ name: hangupCallJob })).jobs;
    const body = { jobIds: [String(job!._id)] };
    await asAdmin(request(app).post('/admin/jobs/api/jobs/delete')).send(body).expect(403);
    await asAdmin(request(app).post('/admin/jobs/api/jobs/delete')).set('Origin', 'https://evil.example').send(body).expect(403);
    await asAdmin(request(app).post('/admin/jobs/api/jobs/delete')).set('Origin', 'null').type('form').send('jobIds=1').expect(403);
    await asAdmin(request(app).post('/admin/jobs/api/jobs/delete')).set('Sec-Fetch-Site', 'cross-site').set('Origin', `http://${host}`).send(body).expect(403);
    expect((await bed.scheduler.agenda.queryJobs({ name: hangupCallJob })).total).toBe(1);
    await asAdmin(request(app).post('/admin/jobs/api/jobs/delete')).set('Origin', `http://${host}`).send(body).expect(200);
    expect((await bed.scheduler.agenda.queryJobs({ name: hangupCallJob })).total).toBe(0);
  });
});
