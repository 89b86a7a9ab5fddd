import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSqlite } from '../../src/db/database.js';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';
import { callId, insertCalls } from './helpers/call-rows.js';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedUpAgent>>['agent'];
let userId: number;
const base = Date.parse('2026-11-01T00:00:00Z');
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

beforeEach(async () => {
  t = await createTestApp();
  ({ agent } = await signedUpAgent(t));
  userId = Number((await t.testDb.db('users').where({ email: 'ada@example.com' }).first()).id);
});
afterEach(async () => {
  await t.close();
});

const idsOn = (html: string) => [...html.matchAll(/href="\/calls\/(cl_[a-z0-9]{20})">\d{4}-/g)].map((m) => m[1]);
const olderLink = (html: string) => /href="(\/calls\?[^"]*cursor=[^"]+)" rel="next"/.exec(html)?.[1]?.replace(/&amp;/g, '&');

describe('call history page', () => {
  it('shows an empty state, then calls newest first with totals and a Call again button on finished calls', async () => {
    expect((await agent.get('/calls')).text).toContain('No calls yet');
    await insertCalls(t.testDb.db, [
      { id: callId(1), userId, createdAt: at(1), bridgedSeconds: 75, costMicros: 220_000 },
      { id: callId(2), userId, createdAt: at(2), status: 'not-answered', bridgedSeconds: 0, costMicros: 0 },
      { id: callId(3), userId, createdAt: at(3), status: 'connected' },
    ]);
    const page = await agent.get('/calls');
    expect(page.status).toBe(200);
    expect(idsOn(page.text)).toEqual([callId(3), callId(2), callId(1)]);
    // Totals load in a second request (htmx on load), or inline without JavaScript via "Show totals".
    expect(page.text).toContain('hx-get="/calls/totals" hx-trigger="load" hx-swap="outerHTML"><a href="/calls?totals=1">Show totals</a>');
    const totals = '3 calls</strong> · talk time 2 min 15 s · cost <span class="amount">$0.2200</span>';
    const fragment = await agent.get('/calls/totals').set('HX-Request', 'true');
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).toContain(totals);
    expect((await agent.get('/calls?totals=1')).text).toContain(totals);
    expect((await agent.get('/calls/totals?status=completed')).headers.location).toBe('/calls?status=completed&totals=1');
    expect(page.text).toContain('In progress');
    expect(page.text).toContain('Your phone did not answer');
    expect((page.text.match(/>Call again<span/g) ?? []).length).toBe(2);
    // Call again opens the dial page with the number filled in (its price shows there); nothing rings from history.
    expect(page.text).toContain('<a href="/?to=%2B442079460958&amp;country=GB">Call again<span');
    expect(page.text).not.toContain('method="post" action="/calls"');
  });

  it('pages with a cursor that stays stable while new calls arrive', async () => {
    await insertCalls(t.testDb.db, Array.from({ length: 30 }, (_, i) => ({ id: callId(i), userId, createdAt: at(i) })));
    const first = await agent.get('/calls');
    expect(idsOn(first.text)).toEqual(Array.from({ length: 25 }, (_, i) => callId(29 - i)));
    await insertCalls(t.testDb.db, [{ id: callId(100), userId, createdAt: at(100) }]);
    const second = await agent.get(olderLink(first.text)!);
    expect(idsOn(second.text)).toEqual([callId(4), callId(3), callId(2), callId(1), callId(0)]);
    expect(olderLink(second.text)).toBeUndefined();
    expect(second.text).toContain('Newest calls');
    expect((await agent.get('/calls?cursor=bogus')).status).toBe(400);
  });

  it('filters by status, country, date range and number, with totals of the filtered set and a 400 naming a bad filter', async () => {
    await insertCalls(t.testDb.db, [
      { id: callId(1), userId, createdAt: at(0), to: '+442079460958', country: 'GB', costMicros: 100_000 },
      { id: callId(2), userId, createdAt: at(60 * 24), to: '+33142685300', country: 'FR', costMicros: 50_000 },
      { id: callId(3), userId, createdAt: at(60 * 48), to: '+33612345678', country: 'FR', status: 'cancelled', bridgedSeconds: 0, costMicros: 0 },
    ]);
    expect(idsOn((await agent.get('/calls?country=fr')).text)).toEqual([callId(3), callId(2)]);
    expect(idsOn((await agent.get('/calls?status=cancelled')).text)).toEqual([callId(3)]);
    expect(idsOn((await agent.get('/calls?from=2026-11-02&to=2026-11-02')).text)).toEqual([callId(2)]);
    const byNumber = await agent.get('/calls?number=%2B33%201%2042&totals=1');
    expect(idsOn(byNumber.text)).toEqual([callId(2)]);
    expect(byNumber.text).toContain('1 call</strong> match · talk time 1 min · cost <span class="amount">$0.0500</span>');
    expect((await agent.get('/calls/totals?country=FR').set('HX-Request', 'true')).text).toContain('2 calls</strong> match · talk time 1 min · cost <span class="amount">$0.0500</span>');
    expect(byNumber.text).toContain('href="/calls.csv?number=33142"');
    const none = await agent.get('/calls?country=DE');
    expect(none.text).toContain('No calls match these filters');
    const bad = await agent.get('/calls?from=2026-13-01');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('from must be a date like 2026-11-22');
  });

  it('the Country filter takes a name, an alias, an ISO code or a calling code, and says so when it names no country', async () => {
    await insertCalls(t.testDb.db, [
      { id: callId(1), userId, createdAt: at(0), to: '+442079460958', country: 'GB' },
      { id: callId(2), userId, createdAt: at(10), to: '+441534123456', country: 'JE' },
      { id: callId(3), userId, createdAt: at(20), to: '+33142685300', country: 'FR' },
      { id: callId(4), userId, createdAt: at(30), to: '+12015550123', country: 'US' },
    ]);
    for (const typed of ['United Kingdom', 'united kingdom', 'UK', 'England', 'GB', 'gb', 'United K']) {
      expect(idsOn((await agent.get(`/calls?country=${encodeURIComponent(typed)}`)).text), typed).toEqual([callId(1)]);
    }
    // A calling code is every number starting with it (+44 is Jersey too).
    for (const typed of ['44', '+44', ' +44 ']) {
      expect(idsOn((await agent.get(`/calls?country=${encodeURIComponent(typed)}`)).text), typed).toEqual([callId(2), callId(1)]);
    }
    expect(idsOn((await agent.get('/calls?country=France')).text)).toEqual([callId(3)]);
    expect(idsOn((await agent.get('/calls?country=%2B1')).text)).toEqual([callId(4)]);
    // The totals and the CSV link keep the calling code as typed.
    const byCode = await agent.get('/calls?country=44&totals=1');
    expect(byCode.text).toContain('2 calls</strong> match');
    expect(byCode.text).toContain('href="/calls.csv?country=%2B44"');
    expect((await agent.get('/calls.csv?country=%2B44')).text.trim().split('\r\n')).toHaveLength(3);

    const unknown = await agent.get('/calls?country=Atlantis');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('No country is called “Atlantis”. Type a country’s name (United Kingdom), its ISO code (GB) or its calling code (+44).');
    expect(unknown.text).toContain('value="Atlantis"');
    const noCode = await agent.get('/calls?country=%2B999');
    expect(noCode.status).toBe(400);
    expect(noCode.text).toContain('No country has the calling code +999.');
    const ambiguous = await agent.get('/calls?country=United');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.text).toMatch(/“United” could be [^:]*United Kingdom[^:]*: type more of the name/);
  });

  it("never shows another user's calls", async () => {
    const bob = await signedUpAgent(t, { email: 'bob@example.com' });
    await insertCalls(t.testDb.db, [{ id: callId(1), userId, createdAt: at(1) }]);
    expect((await bob.agent.get('/calls')).text).toContain('No calls yet');
    expect((await bob.agent.get('/calls.csv')).text.trim().split('\r\n')).toHaveLength(1);
  });

  it('exports the filtered set as a streamed CSV with formula-safe cells', async () => {
    await insertCalls(t.testDb.db, [
      ...Array.from({ length: 1200 }, (_, i) => ({ id: callId(i), userId, createdAt: at(i), costMicros: 1_234_567 })),
      { id: callId(5000), userId, createdAt: at(5000), country: 'FR', to: '+33142685300' },
    ]);
    const all = await agent.get('/calls.csv');
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toMatch(/^text\/csv/);
    expect(all.headers['content-disposition']).toMatch(/attachment; filename="?callbridge-calls-\d{4}-\d{2}-\d{2}\.csv/);
    const lines = all.text.trim().split('\r\n');
    expect(lines[0]).toBe('started_at,number,country,status,talk_seconds,cost,currency,call_id');
    expect(lines).toHaveLength(1 + 1201);
    expect(new Set(lines.slice(1).map((l) => l.split(',').pop())).size).toBe(1201);
    // A plain number, E.164 included, is written as it is: a spreadsheet reads it as a number, never a formula.
    expect(lines[2]).toBe(`${at(1199)},+442079460958,GB,completed,60,1.2346,USD,${callId(1199)}`);
    const fr = await agent.get('/calls.csv?country=FR');
    expect(fr.text.trim().split('\r\n')).toHaveLength(2);
  });

  it('is served from the (user_id, created_at, id) index: no scan or sort for the first page', async () => {
    if (!isSqlite(t.testDb.db)) return; // the plan check is SQLite's EXPLAIN; PostgreSQL plans depend on table statistics
    const plan: { detail: string }[] = await t.testDb.db.raw(
      `EXPLAIN QUERY PLAN select * from calls where user_id = ? and (created_at, id) < (?, ?) order by created_at desc, id desc limit 26`,
      [userId, at(10), callId(10)],
    );
    const details = plan.map((p) => p.detail).join(' | ');
    expect(details).toContain('calls_history_idx');
    expect(details).not.toMatch(/TEMP B-TREE|SCAN calls(?! USING)/);
  });

  it('requires a signed-in user', async () => {
    expect((await request(t.app).get('/calls')).status).toBe(303);
    expect(csrfTokenFrom((await agent.get('/calls')).text)).toBeTruthy();
  });
});
