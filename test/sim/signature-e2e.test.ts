import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/simulator.js';
import { validateTwilioSignature } from '../../src/telephony/signature.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';

describe('validateTwilioSignature on an app route, against webhooks the simulator signs', () => {
  it('accepts every simulator webhook (POST and GET, with query strings) and rejects a forged one', async () => {
    const sim = await startSimulator({ port: 0, speed: 1000 });
    const verdicts: Array<{ path: string; valid: boolean }> = [];
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.all('/tw/{*rest}', (req, res) => {
      const url = `${req.protocol}://${req.get('host')}${req.originalUrl}`;
      const params = req.method === 'POST' ? (req.body as Record<string, string>) : {};
      const valid = validateTwilioSignature(sim.authToken, url, params, req.get('X-Twilio-Signature'));
      verdicts.push({ path: req.path, valid });
      if (!valid) return void res.status(403).send('Twilio Request Validation Failed.');
      if (req.path === '/tw/answer') return void res.type('text/xml').send('<Response><Dial action="/tw/dial-done?attempt=1" method="GET"><Number statusCallback="/tw/child?x=a%20b" statusCallbackEvent="initiated completed">+15005550110</Number></Dial></Response>');
      res.status(204).end();
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
      await client.calls.create({ to: '+15005550100', from: sim.callerId, url: `${base}/tw/answer?user=7#rc=2`, statusCallback: `${base}/tw/status`, statusCallbackMethod: 'GET', statusCallbackEvent: ['initiated', 'completed'] });
      await sim.control.waitForIdle();
      expect(verdicts.map((v) => v.path).sort()).toEqual(['/tw/answer', '/tw/child', '/tw/child', '/tw/dial-done', '/tw/status', '/tw/status']);
      expect(verdicts.every((v) => v.valid)).toBe(true);
      const forged = await fetch(`${base}/tw/status`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': 'L/OH5YylLD5NRKLltdqwSvS0BnU=' }, body: 'CallSid=CA1' });
      expect(forged.status).toBe(403);
    } finally {
      server.closeAllConnections();
      server.close();
      await sim.close();
    }
  });
});
