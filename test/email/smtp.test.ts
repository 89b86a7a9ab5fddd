import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { exponential } from 'agenda';
import { systemClock } from '../../src/clock.js';
import { csrfTokenFrom } from '../helpers/app.js';
import { startProductStack, type ProductStack } from '../helpers/product-stack.js';

/** A real SMTP server on an ephemeral port; `refuse` answers the next N messages with a 451 (a temporary failure). */
async function startMailServer(options: { refuse?: number } = {}) {
  const received: ParsedMail[] = [];
  let refusals = options.refuse ?? 0;
  let attempts = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      attempts += 1;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusals > 0) {
          refusals -= 1;
          const err = Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 });
          return callback(err);
        }
        void simpleParser(Buffer.concat(chunks)).then((mail) => {
          received.push(mail);
          callback();
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function waitFor<T>(read: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('email over SMTP (the production path)', () => {
  let stack: ProductStack | undefined;
  let mail: Awaited<ReturnType<typeof startMailServer>> | undefined;
  afterEach(async () => {
    await stack?.close();
    await mail?.close();
    stack = undefined;
    mail = undefined;
  });

  async function start(refuse = 0) {
    mail = await startMailServer({ refuse });
    stack = await startProductStack({
      clock: systemClock,
      speed: 100,
      env: { SMTP_URL: mail.url, MAIL_FROM: 'callbridge <no-reply@callbridge.test>' },
      emailBackoff: exponential({ delay: 50, factor: 2, maxRetries: 6 }),
    });
    const user = await stack.built.services.accounts.ensureAdmin('ada@example.com', 'correct horse battery', 'Ada');
    return { stack, mail, user: user.user };
  }

  async function forgotPassword(agent: ReturnType<typeof request.agent>, email: string) {
    const form = await agent.get('/forgot-password');
    return agent.post('/forgot-password').type('form').send({ _csrf: csrfTokenFrom(form.text), email });
  }

  it('delivers a reset email whose link sets a new password', async () => {
    const { stack, mail } = await start();
    expect(stack.built.services.email.usesOutbox).toBe(false);
    const agent = request.agent(stack.baseUrl);
    const res = await forgotPassword(agent, 'ada@example.com');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your email');

    const message = await waitFor(() => mail.received[0]);
    expect(message.subject).toBe('Reset your callbridge password');
    expect(message.from?.value[0]).toMatchObject({ name: 'callbridge', address: 'no-reply@callbridge.test' });
    expect(message.to && 'text' in message.to ? message.to.text : '').toBe('ada@example.com');
    expect(message.html).toContain('Choose a new password');
    const link = /https?:\/\/\S+\/reset-password\?token=[\w-]+/.exec(message.text ?? '')?.[0];
    expect(link).toBeDefined();
    expect(link!.startsWith(stack.baseUrl)).toBe(true);

    const page = await agent.get(link!.slice(stack.baseUrl.length));
    expect(page.status).toBe(200);
    const token = new URL(link!).searchParams.get('token')!;
    const reset = await agent.post('/reset-password').type('form').send({ _csrf: csrfTokenFrom(page.text), token, new_password: 'a brand new password', confirm_password: 'a brand new password' });
    expect(reset.status).toBe(303);
    expect(await stack.built.services.accounts.authenticate('ada@example.com', 'a brand new password')).toBeDefined();
    expect(await stack.built.services.accounts.authenticate('ada@example.com', 'correct horse battery')).toBeUndefined();
    // The security notice follows over SMTP too.
    const notice = await waitFor(() => mail.received.find((m) => m.subject === 'Your callbridge password was changed'));
    expect(notice.text).toContain('Your API tokens were not revoked');
    const row = await stack.testDb.db('emails').where({ kind: 'reset-password' }).first();
    expect(row).toMatchObject({ status: 'sent', transport: 'smtp', attempts: 1 });
  });

  it('retries a refused message with backoff; the request that caused it had already succeeded', async () => {
    const { stack, mail } = await start(2);
    const agent = request.agent(stack.baseUrl);
    const started = Date.now();
    const res = await forgotPassword(agent, 'ada@example.com');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your email');
    expect(Date.now() - started).toBeLessThan(5_000);

    const message = await waitFor(() => mail.received[0]);
    expect(message.subject).toBe('Reset your callbridge password');
    expect(mail.attempts()).toBe(3);
    // The server has the message before the mailer hears its answer and marks the row: wait for the mark.
    const row = await waitFor(async () => {
      const found = await stack.testDb.db('emails').where({ kind: 'reset-password' }).first();
      return found?.status === 'sent' ? found : undefined;
    });
    expect(row).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
  });

  it('marks an email failed after the last attempt, for admins to see', async () => {
    const { stack, mail } = await start(100);
    const agent = request.agent(stack.baseUrl);
    expect((await forgotPassword(agent, 'ada@example.com')).status).toBe(200);
    const row = await waitFor(async () => {
      const found = await stack.testDb.db('emails').where({ kind: 'reset-password', status: 'failed' }).first();
      return found ?? undefined;
    }, 20_000);
    expect(Number(row.attempts)).toBe(6);
    expect(row.last_error).toContain('Mailbox temporarily unavailable');
    expect(mail.received).toHaveLength(0);
    // An admin sees it on the emails page.
    const login = await agent.get('/login');
    await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(login.text), email: 'ada@example.com', password: 'correct horse battery' });
    const page = await agent.get('/admin/emails?status=failed');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Reset your callbridge password');
    expect(page.text).toContain('Mailbox temporarily unavailable');
  });
});
