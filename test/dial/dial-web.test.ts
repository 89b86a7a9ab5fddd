import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataDir } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';

/**
 * The dial page asks the calls service (services.calls.liveCallFor / lastDestinationCountry) on every request; these
 * tests swap in their own answers on the composed services, so each case (a live call, a last-used country) needs
 * no call placed through the simulator.
 */
const calls = {
  liveCall: async (_userId: number): Promise<{ id: string } | null> => null,
  lastCountry: async (_userId: number): Promise<string | null> => null,
};

const htmx = { 'HX-Request': 'true' };
let t: TestApp;

beforeEach(async () => {
  calls.liveCall = async () => null;
  calls.lastCountry = async () => null;
  t = await createTestApp();
  t.services.calls.liveCallFor = (id) => calls.liveCall(id);
  t.services.calls.lastDestinationCountry = (id) => calls.lastCountry(id);
  await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
});
afterEach(async () => {
  await t.close();
});

async function userId(email = 'ada@example.com'): Promise<number> {
  const row = await t.testDb.db('users').where({ email }).first<{ id: number }>();
  return Number(row!.id);
}

/** A signed-in user with a verified US phone and `credit` dollars. */
async function readyCaller(credit = 5) {
  const session = await signedUpAgent(t);
  const id = await userId();
  await t.testDb.db('users').where({ id }).update({ phone_e164: '+12015550123', phone_verified_at: new Date().toISOString() });
  if (credit > 0) await t.services.money.wallet.credit(id, { kind: 'grant', amountMicros: credit * 1_000_000, description: 'Test credit' });
  return { ...session, id };
}

const preview = (agent: ReturnType<typeof request.agent>, to: string, country = 'US') =>
  agent.get(`/dial/preview?${new URLSearchParams({ to, country }).toString()}`).set(htmx);

/** The options of the destination country picker (a user without a verified phone also has "Your phone is in"). */
function pickerOptions(html: string): string[] {
  const picker = /<select id="dial-country"[\s\S]*?<\/select>/.exec(html)?.[0] ?? '';
  return picker.match(/<option value="[A-Z]{2}"/g) ?? [];
}

function selectedCountry(html: string): string | undefined {
  return /<option value="([A-Z]{2})" selected>/.exec(html)?.[1];
}

describe('GET /', () => {
  it('keeps the welcome page for visitors', async () => {
    const res = await request(t.app).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Create an account');
    expect(res.text).not.toContain('action="/calls"');
  });

  it('shows a signed-in user the dial page: the picked country (every one on demand), the number field, the pad, the call form', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<form method="post" action="/calls" hx-post="/calls" hx-target="#call-status" hx-sync="this:drop" hx-disabled-elt="find .call-button" hx-disinherit="hx-sync hx-disabled-elt"');
    expect(res.text).toContain('<div id="call-status" aria-live="polite"></div>');
    expect(res.text).toMatch(/name="_csrf" value="[^"]+"/);
    // The page carries the picked country; the whole list comes when the picker is reached (issue #25's page weight).
    expect(pickerOptions(res.text)).toHaveLength(1);
    expect(selectedCountry(res.text)).toBe('US');
    const lazy = /<div class="field" hx-get="([^"]+)" hx-trigger="pointerover once, focusin once" hx-target="#dial-country" hx-sync="this:drop"/.exec(res.text);
    expect(lazy?.[1]).toBe('/dial/countries?list=all&amp;country=US');
    const list = await agent.get('/dial/countries?list=all&country=US').set('HX-Request', 'true');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('<select');
    expect((list.text.match(/<option value="[A-Z]{2}"/g) ?? []).length).toBeGreaterThan(240);
    expect(list.text).toMatch(/<option value="GB">🇬🇧 United Kingdom \+44 · \$0\.1809\/min<\/option>/);
    expect(list.text).toMatch(/<option value="US" selected>/);
    expect(res.text).toMatch(/<input id="dial-to" name="to" type="tel" inputmode="tel" autocomplete="tel"/);
    expect(res.text).toContain('hx-trigger="input changed delay:300ms');
    expect(res.text).toMatch(/<div id="dial-pad" class="dial-pad" role="group" aria-label="Dial pad" hidden>/);
    expect((res.text.match(/<button type="button" tabindex="-1" class="dial-key/g) ?? []).length).toBe(13);
    expect(res.text).toMatch(/<script src="\/static\/app\.js\?v=[0-9a-f]{10}" defer><\/script>/);
    // The light page: app.css only, not the other pages' stylesheet.
    expect(res.text).toMatch(/<link rel="stylesheet" href="\/static\/app\.css\?v=[0-9a-f]{10}">/);
    expect(res.text).not.toContain('/static/pages.css');
    expect(res.text).toContain('adding credit during a call does not make that call longer');
    expect(res.text).toMatch(/<button type="submit" class="button call-button dial-action">Call<\/button>/);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/\sstyle="/);
  });

  it('puts "Call" first in the menu, marked as the current page', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/');
    const items = [...res.text.matchAll(/<li><a href="([^"]+)"/g)].map((m) => m[1]);
    expect(items[0]).toBe('/');
    expect(res.text).toContain('<a href="/" aria-current="page">Call</a>');
  });

  it('starts on the last country called, else the country of the verified phone, else the US', async () => {
    const { agent, id } = await readyCaller();
    expect(selectedCountry((await agent.get('/')).text)).toBe('US');
    await t.testDb.db('users').where({ id }).update({ phone_e164: '+442079460958' });
    expect(selectedCountry((await agent.get('/')).text)).toBe('GB');
    calls.lastCountry = async (userId) => (userId === id ? 'FR' : null);
    expect(selectedCountry((await agent.get('/')).text)).toBe('FR');
    calls.lastCountry = async () => 'ZZ';
    expect(selectedCountry((await agent.get('/')).text)).toBe('GB');
  });

  it('pre-fills a refused call (redirected back without JS) and shows its flash message', async () => {
    const { agent, csrf } = await signedUpAgent(t);
    // Logging out other sessions leaves a flash for the next page, as a refused POST /calls does.
    await agent.post('/account/sessions/end-others').type('form').send({ _csrf: csrf });
    const res = await agent.get('/?to=020%207946%200958&country=GB');
    expect(res.text).toContain('There were no other sessions.');
    expect(res.text).toContain('value="020 7946 0958"');
    expect(selectedCountry(res.text)).toBe('GB');
    expect(res.text).toContain('+44 20 7946 0958');
    const again = await agent.get('/');
    expect(again.text).not.toContain('There were no other sessions.');
  });

  it('shows the call in progress instead of a second Call button', async () => {
    const { agent, id } = await readyCaller();
    calls.liveCall = async (userId) => (userId === id ? { id: 'call-123' } : null);
    const res = await agent.get('/');
    expect(res.text).toContain('<div id="call-status" aria-live="polite" hx-get="/calls/call-123/status" hx-trigger="load">');
    expect(res.text).toContain('<a href="/calls/call-123">See your call in progress</a>');
    expect(res.text).not.toMatch(/<button type="submit"[^>]*>Call<\/button>/);
  });

  it('says so when no rates are loaded', async () => {
    await t.testDb.db('rates').delete();
    await t.services.money.rates.reload();
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('No call prices are loaded yet');
    expect(res.text).not.toContain('action="/calls"');
  });

  it('narrows the country list without JavaScript (GET search form)', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/?q=japan&country=US');
    expect(pickerOptions(res.text)).toEqual(['<option value="JP"']);
    expect(selectedCountry(res.text)).toBe('JP');
    expect(res.text).toContain('1 country matches “japan”.');
  });
});

describe('GET /dial/countries (htmx)', () => {
  it('filters the picker, keeping the picked country when it still matches', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/dial/countries?q=%2B44&country=GB').set(htmx);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<html');
    expect(res.text).toContain('Guernsey');
    expect(res.text).not.toContain('France');
    expect(selectedCountry(res.text)).toBe('GB');
    expect(res.headers['hx-trigger-after-settle']).toBeUndefined();
  });

  it('picks the first match when the search hides the picked country, and tells the preview', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/dial/countries?q=jap&country=US').set(htmx);
    expect(selectedCountry(res.text)).toBe('JP');
    expect(res.headers['hx-trigger-after-settle']).toBe('dial-country-changed');
  });

  it('shows every country, saying so, when nothing matches', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/dial/countries?q=atlantis&country=FR').set(htmx);
    expect(res.text).toContain('No country matches “atlantis”: showing all.');
    expect((res.text.match(/<option /g) ?? []).length).toBeGreaterThan(240);
    expect(selectedCountry(res.text)).toBe('FR');
  });

  it('sends a browser without htmx to the page', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/dial/countries?q=jap&country=US');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?q=jap&country=US');
  });
});

describe('GET /dial/preview (htmx)', () => {
  it('asks a user without a verified phone where it is ("Your phone is in") and prices both legs (issue #24)', async () => {
    const { agent } = await signedUpAgent(t);
    const page = await agent.get('/').set('Accept-Language', 'fr-FR,fr;q=0.9');
    expect(page.text).toContain('<label for="dial-from">Your phone is in</label>');
    // The picked country only, from the browser's language region; the list comes when the picker is reached.
    expect(page.text.match(/<select id="dial-from"[\s\S]*?<\/select>/)![0].match(/<option /g)).toHaveLength(1);
    expect(page.text).toMatch(/<option value="FR" selected>🇫🇷 France<\/option>/);
    expect(page.text).toContain('hx-get="/dial/countries?list=callers&amp;from=FR"');
    const list = await agent.get('/dial/countries?list=callers&from=FR').set(htmx);
    expect((list.text.match(/<option value="[A-Z]{2}"/g) ?? []).length).toBeGreaterThan(240);
    expect(list.text).toMatch(/<option value="FR" selected>/);

    const res = await agent.get(`/dial/preview?${new URLSearchParams({ to: '+442079460958', country: 'US', from: 'FR' }).toString()}`).set(htmx);
    const france = t.services.money.rates.rates().filter((r) => r.iso === 'FR');
    expect(france.length).toBeGreaterThan(0);
    expect(res.text).toMatch(/<dt>Leg to your phone<\/dt><dd>\$\d\.\d{4}\/min <span class="hint">in France<\/span><\/dd>/);
    expect(res.text).toContain('<dt>Leg to the number</dt><dd>$0.1809/min</dd>');
    expect(res.text).toContain('data-reason="no-phone"');
    // Remembered for the next page, whatever the browser's language.
    expect((await agent.get('/')).text).toMatch(/<option value="FR" selected>🇫🇷 France<\/option>/);
  });

  it('does not ask a verified caller where their phone is', async () => {
    const { agent } = await readyCaller(5);
    expect((await agent.get('/')).text).not.toContain('id="dial-from"');
  });

  it('prices a national number in the picked country: both legs, the total and the longest call', async () => {
    const { agent } = await readyCaller(5);
    const res = await preview(agent, '020 7946 0958', 'GB');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<html');
    expect(res.text).toContain('<dt>Number</dt><dd>+44 20 7946 0958</dd>');
    expect(res.text).toContain('United Kingdom');
    const ownLeg = t.services.money.rates.lookup('+12015550123')!.sellPerMinMicros;
    expect(res.text).toContain(`<dt>Leg to your phone</dt><dd>$${(ownLeg / 1e6).toFixed(4)}/min</dd>`);
    expect(res.text).toContain('<dt>Leg to the number</dt><dd>$0.1809/min</dd>');
    expect(res.text).toContain(`<dt>Total</dt><dd><strong>$${((ownLeg + 180_900) / 1e6).toFixed(4)}/min</strong></dd>`);
    expect(res.text).toMatch(/<dt>Longest call<\/dt><dd>about \d+ min( \d\d s)? <span class="hint">with \$5\.0000 available/);
    expect(res.text).not.toContain('dial-refusal');
  });

  it('prices an international number whatever country is picked', async () => {
    const { agent } = await readyCaller(5);
    const res = await preview(agent, '+33 6 12 34 56 78', 'GB');
    expect(res.text).toContain('+33 6 12 34 56 78');
    expect(res.text).toContain('France - Mobile');
    expect(res.text).not.toContain('dial-refusal');
  });

  it('says nothing is typed yet', async () => {
    const { agent } = await readyCaller();
    const res = await preview(agent, '  ');
    expect(res.text).toContain('Type a number to see where it rings');
  });

  it('sends a browser without htmx to the page, pre-filled', async () => {
    const { agent } = await readyCaller();
    const res = await agent.get('/dial/preview?to=%2B44&country=GB');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?to=%2B44&country=GB');
  });

  it('needs a signed-in user', async () => {
    const res = await request(t.app).get('/dial/preview?to=1&country=US').set(htmx);
    expect(res.status).toBe(401);
    expect(res.headers['hx-redirect']).toBe('/login');
  });

  describe('refuses, with the reason inline', () => {
    async function refusal(to: string, country = 'US') {
      const { agent } = await readyCaller(5);
      const res = await preview(agent, to, country);
      return { reason: /data-reason="([^"]+)"/.exec(res.text)?.[1], text: res.text };
    }

    it('an invalid number', async () => {
      const r = await refusal('020 7946 0958 1234 5678', 'GB');
      expect(r.reason).toBe('invalid');
      expect(r.text).toContain('Check the number and the country');
    });

    it('an incomplete number', async () => {
      const r = await refusal('020 79', 'GB');
      expect(r.reason).toBe('invalid');
      expect(r.text).toContain('This number is incomplete: keep typing.');
      // A neutral hint while typing, not an error in red.
      expect(r.text).toMatch(/<p class="hint number-incomplete dial-refusal"[^>]*>This number is incomplete/);
      expect(r.text).not.toContain('field-error');
    });

    it('a premium-rate number', async () => {
      const r = await refusal('0845 464 0000', 'GB');
      expect(r.reason).toBe('premium');
      expect(r.text).toContain('Premium-rate numbers cannot be called.');
    });

    it('a shared-cost number', async () => {
      const r = await refusal('08 10 12 34 56', 'FR');
      expect(r.reason).toBe('shared-cost');
      expect(r.text).toContain('Shared-cost numbers cannot be called.');
    });

    it('a disabled country', async () => {
      await t.testDb.db('rates').where({ iso: 'FR' }).update({ enabled: false });
      await t.services.money.rates.reload();
      const r = await refusal('01 23 45 67 89', 'FR');
      expect(r.reason).toBe('disabled');
      expect(r.text).toContain('Calls to France are switched off.');
    });

    it('a destination with no rate', async () => {
      await t.testDb.db('rates').where({ iso: 'DE' }).delete();
      await t.services.money.rates.reload();
      const r = await refusal('+49 30 1234567');
      expect(r.reason).toBe('no-rate');
      expect(r.text).toContain('We do not call this destination yet.');
    });

    it('a destination sold below cost', async () => {
      await t.testDb.db('rates').where({ iso: 'FR' }).update({ sell_per_min_micros: 1_000 });
      await t.services.money.rates.reload();
      const r = await refusal('+33 1 23 45 67 89');
      expect(r.reason).toBe('below-cost');
      expect(r.text).toContain('Calls to France are unavailable.');
    });

    it('not enough credit, with a link to add some', async () => {
      const { agent } = await readyCaller(0);
      const res = await preview(agent, '+44 20 7946 0958');
      expect(res.text).toContain('data-reason="insufficient-credit"');
      expect(res.text).toContain('Not enough credit: $0.0000 does not pay for a one-minute call to this number');
      expect(res.text).toContain('<a href="/wallet#top-up">Add credit</a>');
      // The price is still shown, so the user knows how much to add.
      expect(res.text).toContain('<dt>Leg to the number</dt><dd>$0.1809/min</dd>');
    });

    it('no verified phone, with a link to verify it', async () => {
      const { agent } = await signedUpAgent(t);
      await t.services.money.wallet.credit(await userId(), { kind: 'grant', amountMicros: 5_000_000, description: 'Test credit' });
      const res = await preview(agent, '+44 20 7946 0958');
      expect(res.text).toContain('data-reason="no-phone"');
      expect(res.text).toContain('<a href="/account/phone">Verify your phone</a>');
      // The leg to their phone is priced in the country they said it is in (the US unless told otherwise).
      expect(res.text).toMatch(/<dt>Leg to your phone<\/dt><dd>\$\d\.\d{4}\/min <span class="hint">in United States<\/span>/);
    });

    it('a call already in progress, with a link to it', async () => {
      const { agent, id } = await readyCaller(5);
      calls.liveCall = async (userId) => (userId === id ? { id: 'call-9' } : null);
      const res = await preview(agent, '+44 20 7946 0958');
      expect(res.text).toContain('data-reason="live-call"');
      expect(res.text).toContain('<a href="/calls/call-9">Go to your call</a>');
    });
  });

  it('writes nothing to the database', async () => {
    const { agent, id } = await readyCaller(5);
    await agent.get('/');
    const snapshot = async () => ({
      sessions: await t.testDb.db('sessions').select().orderBy('sid'),
      wallets: await t.testDb.db('wallets').select().orderBy('account_id'),
      ledger: await t.testDb.db('ledger_entries').count({ n: '*' }),
      holds: await t.testDb.db('credit_holds').count({ n: '*' }),
    });
    const before = await snapshot();
    for (const to of ['+44 20 7946 0958', '020 7946 0958', '0845 464 0000', 'nonsense']) await preview(agent, to, 'GB');
    calls.liveCall = async (userId) => (userId === id ? { id: 'call-1' } : null);
    await preview(agent, '+44 20 7946 0958');
    expect(await snapshot()).toEqual(before);
  });
});
