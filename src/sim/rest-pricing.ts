import { Router } from 'express';
import { notFound } from './errors.js';
import { isE164 } from './formats.js';
import { type PriceTable, US_INBOUND } from './pricing.js';
import { requestOrigin } from './rest-common.js';

/**
 * Pricing v2 Voice: Countries (list, fetch) and Numbers (fetch). Prices are strings, as Twilio sends them; absolute
 * URLs point back at this simulator so the SDK's next_page_url stays on it.
 */
export function pricingRouter(prices: PriceTable): Router {
  const router = Router({ caseSensitive: true, strict: true });

  router.get('/v2/Voice/Countries', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const pageSize = Math.min(1000, Math.max(1, Number.parseInt(q.PageSize ?? '50', 10) || 50));
    const page = Math.max(0, Number.parseInt(q.Page ?? '0', 10) || 0);
    const all = prices.countries();
    const slice = all.slice(page * pageSize, (page + 1) * pageSize);
    const url = (n: number) => `${requestOrigin(req)}/v2/Voice/Countries?PageSize=${pageSize}&Page=${n}`;
    const last = slice[slice.length - 1];
    res.json({
      countries: slice.map((c) => ({ country: c.country, iso_country: c.iso, url: `${requestOrigin(req)}/v2/Voice/Countries/${c.iso}` })),
      meta: {
        first_page_url: url(0),
        key: 'countries',
        next_page_url: (page + 1) * pageSize < all.length && last ? `${url(page + 1)}&PageToken=PA${last.iso}` : null,
        page,
        page_size: pageSize,
        previous_page_url: page > 0 ? url(page - 1) : null,
        url: url(page),
      },
    });
  });

  router.get('/v2/Voice/Countries/:iso', (req, res) => {
    const iso = String(req.params.iso);
    const rows = prices.rowsFor(iso);
    if (rows.length === 0) throw notFound(`/v2/Voice/Countries/${iso}`);
    res.json({
      country: rows[0]!.country,
      inbound_call_prices: iso === 'US' ? US_INBOUND : [],
      iso_country: iso,
      outbound_prefix_prices: rows.map((row) => ({
        base_price: row.costPerMinute,
        current_price: row.costPerMinute,
        destination_prefixes: [row.prefix],
        friendly_name: `Programmable Outbound Minute - ${row.description}`,
        origination_prefixes: ['ALL'],
      })),
      price_unit: 'USD',
      url: `${requestOrigin(req)}/v2/Voice/Countries/${iso}`,
    });
  });

  router.get('/v2/Voice/Numbers/:number', (req, res) => {
    const number = String(req.params.number).replace(/^ /, '+');
    const row = isE164(number) ? prices.lookup(number) : undefined;
    // Unverified: Twilio's answer for an unpriceable or malformed number is undocumented; 404/20404 here.
    if (!row) throw notFound(`/v2/Voice/Numbers/${number}`);
    const origination = typeof req.query.OriginationNumber === 'string' ? req.query.OriginationNumber : null;
    res.json({
      country: row.country,
      destination_number: number,
      inbound_call_price: { base_price: null, current_price: null, number_type: null },
      iso_country: row.iso,
      origination_number: origination,
      outbound_call_prices: [{ base_price: row.costPerMinute, current_price: row.costPerMinute, origination_prefixes: ['ALL'] }],
      price_unit: 'USD',
      url: `${requestOrigin(req)}/v2/Voice/Numbers/${encodeURIComponent(number)}`,
    });
  });

  return router;
}
