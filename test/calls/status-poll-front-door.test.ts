import { createHmac } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { statusPollFrontDoor, type StatusPollDeps } from '../../src/calls/status-poll.js';
import { systemClock } from '../../src/clock.js';

/** The poll answered before Express's router (src/app.ts): which requests it takes, and what it does with a failure. */
const CALL_ID = 'cl_abcdefghijklmnopqrst';

function server(deps: Partial<StatusPollDeps>) {
  const failures: unknown[] = [];
  const frontDoor = statusPollFrontDoor(
    {
      calls: { findWithSession: async () => undefined, liveCost: async () => undefined },
      sessionSecret: 'front-door-secret-that-is-long-enough',
      currency: 'USD',
      clock: systemClock,
      render: () => '',
      ...deps,
    },
    (err, _req, res) => {
      failures.push(err);
      res.writeHead(500).end('failed');
    },
  );
  // Whatever the front door passes on reaches "the app".
  const app = http.createServer((req, res) => {
    if (!frontDoor(req, res)) res.writeHead(299).end('routed');
  });
  return { app, failures };
}

describe('the status poll front door', () => {
  it('takes only GET and HEAD of /calls/<call id>/status, with or without a query', async () => {
    const { app } = server({});
    // Not logged in: the poll's own answer, a 404 that sends the page to the log-in.
    const taken = await request(app).get(`/calls/${CALL_ID}/status?seen=ringing`);
    expect(taken.status).toBe(404);
    expect(taken.headers['hx-redirect']).toBe(`/login?next=${encodeURIComponent(`/calls/${CALL_ID}`)}`);
    expect((await request(app).head(`/calls/${CALL_ID}/status`)).status).toBe(404);
    for (const passed of [`/calls/${CALL_ID}`, `/calls/${CALL_ID}/status/more`, '/calls/CL_ABCDEFGHIJKLMNOPQRST/status', '/calls/cl_short/status', `/x/calls/${CALL_ID}/status`]) {
      expect((await request(app).get(passed)).status, passed).toBe(299);
    }
    expect((await request(app).post(`/calls/${CALL_ID}/status`)).status).toBe(299);
  });

  it('hands a failed read to its failure handler', async () => {
    const { app, failures } = server({
      calls: {
        findWithSession: async () => {
          throw new Error('database gone');
        },
        liveCost: async () => undefined,
      },
    });
    const signed = 's:sid1.' + createHmac('sha256', 'front-door-secret-that-is-long-enough').update('sid1').digest('base64').replace(/=+$/, '');
    const res = await request(app).get(`/calls/${CALL_ID}/status`).set('Cookie', `callbridge.sid=${encodeURIComponent(signed)}`);
    expect(res.status).toBe(500);
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toContain('database gone');
  });
});
