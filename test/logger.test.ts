import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, formatLogLine, REDACTED_PATHS } from '../src/logger.js';

describe('logger', () => {
  it('redacts cookies, authorization, Twilio signatures and passwords', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info({
      req: { headers: { cookie: 'callbridge.sid=secret', authorization: 'Basic abc', 'x-twilio-signature': 'sig', 'x-csrf-token': 'tok', host: 'h' } },
      body: { password: 'hunter2hunter2' },
      authToken: 'twilio-token',
    });
    const line = lines.join('');
    for (const secret of ['callbridge.sid=secret', 'Basic abc', '"sig"', '"tok"', 'hunter2hunter2', 'twilio-token']) expect(line).not.toContain(secret);
    expect(line).toContain('"host":"h"');
  });
});

describe('formatLogLine (terminal output)', () => {
  it('turns a JSON entry into one readable line with its extra fields', () => {
    const line = formatLogLine(JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5), pid: 1, hostname: 'h', msg: 'imported the sample rate deck', rates: 1384 }));
    expect(line).toBe('03:04:05  info   imported the sample rate deck  rates=1384');
  });

  it('shows a request as method, url, status and time, and an error with its stack', () => {
    const req = formatLogLine(JSON.stringify({ level: 30, time: 0, msg: 'request completed', req: { id: 'a', method: 'GET', url: '/wallet' }, res: { statusCode: 200, bytes: 10 }, responseTime: 12 }));
    expect(req).toBe('00:00:00  info   request completed  GET /wallet 200 12ms 10 B');
    const big = formatLogLine(JSON.stringify({ level: 30, time: 0, msg: 'request completed', req: { method: 'GET', url: '/rates' }, res: { statusCode: 200, bytes: 31_234 }, responseTime: 3 }));
    expect(big).toBe('00:00:00  info   request completed  GET /rates 200 3ms 31.2 kB');
    const err = formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'job failed', err: { message: 'boom', stack: 'Error: boom\n    at x' } }));
    expect(err).toBe('00:00:00  error  job failed\nError: boom\n    at x');
  });

  it('leaves a line that is not JSON as it is', () => {
    expect(formatLogLine('not json')).toBe('not json');
  });
});

describe('createLogger', () => {
  it('writes readable lines when pretty, JSON otherwise', () => {
    const collect = () => {
      const out: string[] = [];
      return { out, stream: new Writable({ write: (chunk, _e, done) => (out.push(String(chunk)), done()) }) };
    };
    const pretty = collect();
    createLogger('info', { pretty: true, destination: pretty.stream }).info({ port: 3000 }, 'listening');
    expect(pretty.out.join('')).toMatch(/^\d\d:\d\d:\d\d  info   listening  port=3000\n$/);
    const json = collect();
    createLogger('info', { destination: json.stream }).info({ port: 3000 }, 'listening');
    expect(JSON.parse(json.out.join(''))).toMatchObject({ msg: 'listening', port: 3000 });
  });
});
