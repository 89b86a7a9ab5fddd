import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { afterEach, describe, expect, it } from 'vitest';
import { saveSessionBeforeRedirect } from '../../src/http/session-before-redirect.js';

/** A store whose writes take a while, as a PostgreSQL round trip under load does. */
class SlowStore extends session.MemoryStore {
  writes = 0;
  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.writes++;
    setTimeout(() => super.set(sid, data, callback), 150);
  }
}

function appWith(store: SlowStore, saveFirst: boolean) {
  const app = express();
  app.use(session({ secret: 'test secret', store, resave: false, saveUninitialized: false, name: 'sid' }));
  if (saveFirst) app.use(saveSessionBeforeRedirect());
  app.post('/reset', (req, res) => {
    req.session.regenerate(() => {
      (req.session as unknown as { message: string }).message = 'Your password has been changed';
      res.redirect(303, '/login');
    });
  });
  app.post('/flash', (req, res) => {
    (req.session as unknown as { message: string }).message = 'Saved';
    res.redirect(303, '/login');
  });
  app.post('/nothing', (_req, res) => res.redirect(303, '/login'));
  app.get('/login', (req, res) => res.json({ message: (req.session as unknown as { message?: string }).message ?? null }));
  return app;
}

let close: (() => void) | undefined;
afterEach(() => close?.());

/** Like a browser: the redirect is followed as soon as its headers arrive, with the cookie it set. */
async function postThenFollow(app: express.Express, path: string): Promise<{ message: string | null; cookie: string | undefined }> {
  const server = app.listen(0);
  close = () => server.close();
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const first = await new Promise<IncomingMessage>((resolve) => httpRequest({ port, method: 'POST', path }, resolve).end());
  const cookie = first.headers['set-cookie']?.[0]?.split(';')[0];
  const second = await new Promise<IncomingMessage>((resolve) => httpRequest({ port, path: first.headers.location, headers: cookie ? { cookie } : {} }, resolve).end());
  const chunks: Buffer[] = [];
  for await (const chunk of second) chunks.push(chunk as Buffer);
  first.resume();
  return { ...(JSON.parse(Buffer.concat(chunks).toString()) as { message: string | null }), cookie };
}

describe('saving a changed session before its redirect leaves', () => {
  it('the page a redirect leads to finds the message, even when the session write is slow', async () => {
    const store = new SlowStore();
    const { message } = await postThenFollow(appWith(store, true), '/reset');
    expect(message).toBe('Your password has been changed');
    // express-session does not track a regenerated session's saves, so it writes the row again at the end.
    expect(store.writes).toBe(2);
  });

  it('a message on the same session is written once, before the redirect', async () => {
    const store = new SlowStore();
    const { message } = await postThenFollow(appWith(store, true), '/flash');
    expect(message).toBe('Saved');
    expect(store.writes).toBe(1);
  });

  it('without it, express-session sends the redirect before the write ends and the message is lost (why it exists)', async () => {
    const { message } = await postThenFollow(appWith(new SlowStore(), false), '/reset');
    expect(message).toBeNull();
  });

  it('writes nothing for a redirect that changed no session', async () => {
    const store = new SlowStore();
    const { message, cookie } = await postThenFollow(appWith(store, true), '/nothing');
    expect(message).toBeNull();
    expect(cookie).toBeUndefined();
    expect(store.writes).toBe(0);
  });
});
