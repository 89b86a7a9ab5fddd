import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FILL_IN_FIELD, parseForm } from '../../src/http/forms.js';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';

describe('parseForm', () => {
  const form = z.object({ email: z.string().trim().min(1, 'Enter your email'), age: z.coerce.number() });

  it('treats a missing, repeated or array-shaped field as empty, with the form’s own message', () => {
    const messageFor = (body: unknown) => (parseForm(form, body) as { errors: Record<string, string> }).errors.email;
    expect(messageFor({ email: '', age: '1' })).toBe('Enter your email');
    expect(messageFor({ age: '1' })).toBe('Enter your email');
    expect(messageFor({ email: ['a@x', 'b@x'], age: '1' })).toBe('Enter your email');
    expect(messageFor({ 'email[]': 'a@x', age: '1' })).toBe('Enter your email');
    expect(messageFor({ email: { nested: 'a@x' }, age: '1' })).toBe('Enter your email');
  });

  it('never passes on a validator’s own wording', () => {
    const strict = z.object({ when: z.date() });
    const result = parseForm(strict, { when: 'tomorrow' });
    expect(result.ok).toBe(false);
    expect((result as { errors: Record<string, string> }).errors.when).toBe(FILL_IN_FIELD);
  });
});

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

type Body = Record<string, string>;
const encode = (pairs: [string, string][]) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** The message shown next to one field, from the re-rendered page. */
function fieldError(html: string, field: string): string | undefined {
  return new RegExp(`id="${field}-error">([^<]+)<`).exec(html)?.[1];
}

/**
 * Posts the form four ways (field empty, missing, sent twice, sent as field[]) and checks each gets the same
 * plain message next to the field and in the error summary.
 */
async function expectSameMessageForBadShapes(agent: TestAgent, path: string, getPage: string, valid: Body, field: string): Promise<string> {
  const csrf = csrfTokenFrom((await agent.get(getPage)).text);
  const others = Object.entries(valid).filter(([k]) => k !== field);
  const base: [string, string][] = [['_csrf', csrf], ...others];
  const variants: Record<string, [string, string][]> = {
    empty: [...base, [field, '']],
    missing: base,
    repeated: [...base, [field, valid[field]!], [field, valid[field]!]],
    arrayShaped: [...base, [`${field}[]`, valid[field]!]],
  };
  const messages: Record<string, string | undefined> = {};
  for (const [name, pairs] of Object.entries(variants)) {
    const res = await agent.post(path).type('form').send(encode(pairs));
    expect(res.status, `${path} ${field} ${name}`).toBe(422);
    messages[name] = fieldError(res.text, field);
    expect(res.text, `${path} ${field} ${name}: summary links to the field`).toMatch(new RegExp(`class="error-summary"[\\s\\S]*<a href="#${field}">`));
  }
  const plain = messages.empty!;
  expect(plain, `${path} ${field}`).toBeTruthy();
  expect(messages, `${path} ${field}`).toEqual({ empty: plain, missing: plain, repeated: plain, arrayShaped: plain });
  expect(plain).not.toMatch(/invalid input|expected|received|undefined|array|NaN/i);
  return plain;
}

describe('repeated or array-shaped fields on every public form', () => {
  it('sign-up', async () => {
    const agent = request.agent(t.app);
    const valid = { name: 'Ada Lovelace', email: 'ada@example.com', password: 'correct horse battery' };
    expect(await expectSameMessageForBadShapes(agent, '/signup', '/signup', valid, 'name')).toBe('Enter your name');
    await expectSameMessageForBadShapes(agent, '/signup', '/signup', valid, 'email');
    await expectSameMessageForBadShapes(agent, '/signup', '/signup', valid, 'password');
    expect(await t.testDb.db('users').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('log-in', async () => {
    const agent = request.agent(t.app);
    const valid = { email: 'ada@example.com', password: 'correct horse battery' };
    expect(await expectSameMessageForBadShapes(agent, '/login', '/login', valid, 'email')).toBe('Enter your email');
    expect(await expectSameMessageForBadShapes(agent, '/login', '/login', valid, 'password')).toBe('Enter your password');
  });

  it('change password', async () => {
    const { agent } = await signedUpAgent(t);
    const valid = { current_password: 'correct horse battery', new_password: 'a new long password', confirm_password: 'a new long password' };
    expect(await expectSameMessageForBadShapes(agent, '/account/password', '/account', valid, 'current_password')).toBe('Enter your current password');
    await expectSameMessageForBadShapes(agent, '/account/password', '/account', valid, 'new_password');
  });

  it('redeem a voucher', async () => {
    const { agent } = await signedUpAgent(t);
    const valid = { code: 'ABCD-EFGH-JK23' };
    expect(await expectSameMessageForBadShapes(agent, '/wallet/redeem', '/wallet', valid, 'code')).toBe('Enter the code printed on your voucher.');
  });
});

describe('error summary', () => {
  it('is focused on load (autofocus, no script) and links each error to its field', async () => {
    const form = await request.agent(t.app).get('/signup');
    expect(form.text).not.toContain('error-summary');
    const agent = request.agent(t.app);
    const csrf = csrfTokenFrom((await agent.get('/signup')).text);
    const res = await agent.post('/signup').type('form').send({ _csrf: csrf, name: '', email: 'nope', password: 'short' });
    expect(res.status).toBe(422);
    const summary = /<div class="error-summary"[^>]*>[\s\S]*?<\/div>/.exec(res.text)?.[0] ?? '';
    expect(summary).toMatch(/tabindex="-1" autofocus/);
    expect([...summary.matchAll(/<a href="#(\w+)">/g)].map((m) => m[1])).toEqual(['name', 'email', 'password']);
    for (const id of ['name', 'email', 'password']) expect(res.text).toContain(`id="${id}"`);
  });
});
