import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACTED_PATHS } from '../src/logger.js';

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
