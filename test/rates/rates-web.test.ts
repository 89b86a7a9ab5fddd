import { countryPrices } from '../../src/rates/country-list.js';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRatedTestApp, signedUpAgent, verifiedCaller, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createRatedTestApp();
});
afterEach(async () => {
  await t.close();
});

const htmx = { 'HX-Request': 'true' };

describe('rates page', () => {
  it('lists every country with flag, calling code and price per minute, for anyone', async () => {
    const res = await request(t.app).get('/rates');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/🇬🇧<\/span> United Kingdom<\/td><td class="code">\+44<\/td><td class="num price">\$0\.\d{4}\/min<\/td><td class="num mobile">\$0\.\d{4}\/min/);
    expect(res.text).toContain('Canada');
    expect((res.text.match(/<tr><td class="country"><span aria-hidden="true">/g) ?? []).length).toBeGreaterThan(240);
  });

  it('searches without JavaScript (GET form) and as you type (htmx fragment, no layout)', async () => {
    const page = await request(t.app).get('/rates?q=kingdom');
    expect((page.text.match(/<tr><td class="country"><span/g) ?? []).length).toBe(1);
    const fragment = await request(t.app).get('/rates/countries?q=%2B44').set(htmx);
    expect(fragment.status).toBe(200);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).toContain('Guernsey');
    expect(fragment.text).toContain('Jersey');
    expect(fragment.text).not.toContain('France');
    const none = await request(t.app).get('/rates/countries?q=atlantis').set(htmx);
    expect(none.text).toContain('No country matches “atlantis”.');
    const direct = await request(t.app).get('/rates/countries?q=x');
    expect(direct.status).toBe(303);
    expect(direct.headers.location).toBe('/rates?q=x');
  });

  it('prices both legs for a visitor: the leg to their phone from the country they pick (remembered), else their browser language region', async () => {
    const rates = t.services.money.rates;
    await rates.ready();
    const uk = rates.lookup('+442079460958')!.sellPerMinMicros;
    const us = rates.lookup('+12015550123')!.sellPerMinMicros;
    // The leg to a phone in a country is priced at its mobile rate (the dearest mobile row) where the deck has one.
    const ukMobile = countryPrices(rates.rates()).find((c) => c.iso === 'GB')!.mobilePerMinuteMicros!;
    const usPhone = countryPrices(rates.rates()).find((c) => c.iso === 'US')!;
    const usLeg = usPhone.mobilePerMinuteMicros ?? usPhone.perMinuteMicros;
    const dollars = (micros: number) => `$${(micros / 1e6).toFixed(4)}/min`;
    const fromLanguage = await request(t.app).get('/rates/preview?number=%2B12015550123').set(htmx).set('Accept-Language', 'en-GB,en;q=0.9');
    expect(fromLanguage.text).toContain(`<strong>${dollars(us + ukMobile)}</strong>`);
    expect(fromLanguage.text).toContain(`(${dollars(us)} to the number + ${dollars(ukMobile)} for the leg to your phone in United Kingdom)`);
    const picked = await request(t.app).get('/rates/preview?number=%2B442079460958&from=US').set(htmx).set('Accept-Language', 'en-GB');
    expect(picked.text).toContain(`<strong>${dollars(uk + usLeg)}</strong>`);
    const cookie = picked.headers['set-cookie']?.[0]?.split(';')[0];
    expect(cookie).toBe('caller_country=US');
    const remembered = await request(t.app).get('/rates?number=%2B442079460958').set('Cookie', cookie!).set('Accept-Language', 'en-GB');
    expect(remembered.text).toMatch(/<option value="US" selected>/);
    expect(remembered.text).toContain(`<strong>${dollars(uk + usLeg)}</strong>`);
    expect(remembered.text).toContain('Your phone is in');
    // An unknown country is ignored, not an error; the table says a second leg is added.
    expect((await request(t.app).get('/rates/preview?number=%2B442079460958&from=ZZ').set(htmx)).status).toBe(200);
    expect(remembered.text).toContain('A call also has a leg to your own phone');
  });

  it('previews the cost of a typed number, refusing premium numbers', async () => {
    const preview = await request(t.app).get('/rates/preview?number=%2B44%207400%20123456').set(htmx);
    expect(preview.text).not.toContain('<html');
    expect(preview.text).toContain('United Kingdom - Mobile');
    expect(preview.text).toContain('+447400123456');
    expect(preview.text).toContain('Log in</a> to see how long your credit lasts');
    const premium = await request(t.app).get('/rates/preview?number=%2B1%20900%20555%201234').set(htmx);
    expect(premium.text).toContain('Premium-rate numbers cannot be called.');
    const nonsense = await request(t.app).get('/rates/preview?number=12').set(htmx);
    expect(nonsense.text).toContain('Enter a full international number');
    expect(nonsense.text).toContain('class="field-error"');
    // Still typing: a neutral hint, not an error in red.
    const typing = await request(t.app).get('/rates/preview?number=%2B44%2020%2079').set(htmx);
    expect(typing.text).toContain('<p class="hint number-incomplete">This number is incomplete: keep typing.</p>');
    expect(typing.text).not.toContain('field-error');
    const page = await request(t.app).get('/rates?number=%2B33%201%2023%2045%2067%2089');
    expect(page.text).toContain('France');
    expect(page.text).toMatch(/id="cost-preview" aria-live="polite">\s*<dl class="facts cost-preview">/);
  });

  it('asks a user without a verified phone where it is, as a visitor, and counts that leg (issue #24)', async () => {
    const { agent } = await signedUpAgent(t);
    expect((await agent.get('/rates')).text).toContain('Your phone is in');
    const res = await agent.get('/rates/preview?number=%2B44%2020%207946%200958&from=GB').set(htmx);
    expect(res.text).toMatch(/Longest call now<\/dt><dd>about 0 s /);
    expect(res.text).toContain('for the leg to your phone in United Kingdom');
    expect(res.text).not.toContain('Not counting the leg to your own phone');
  });

  it('tells a signed-in user the longest call their credit allows, both legs counted', async () => {
    const { agent, userId } = await verifiedCaller(t);
    const uk = t.services.money.rates;
    await uk.ready();
    const own = uk.lookup('+12015550123')!.sellPerMinMicros;
    const dest = uk.lookup('+442079460958')!.sellPerMinMicros;
    await t.services.money.wallet.credit(userId, { kind: 'grant', amountMicros: (own + dest) * 10, description: 'Ten minutes' });
    const res = await agent.get('/rates/preview?number=%2B44%2020%207946%200958').set(htmx);
    // Ten minutes' worth of both legs, estimated for a typical 15 s set-up (billed on the first leg): talk stops
    // when the first leg reaches its tenth minute, at 585 s, cut a second early; and the page says it is an estimate.
    expect(res.text).toMatch(/Longest call now<\/dt><dd>about 9 min 44 s /);
    expect(res.text).toContain('An estimate for a typical set-up (15 s from your answer to theirs)');
    expect(res.text).toContain('for the leg to your phone');
    expect(res.text).not.toContain('Not counting the leg to your own phone');
  });
});
