import type { Db } from '../../src/db/database.js';
import { startStripeSimulator, type RunningStripeSimulator } from '../../src/sim/stripe/simulator.js';
import type { HttpSession } from './http-session.js';

/** The app's Stripe webhook path (src/sim/stripe/embedded.ts's STRIPE_WEBHOOK_PATH, repeated so the storm stays a client). */
const WEBHOOK_PATH = '/webhooks/stripe';
/** Where the storm's simulator says its checkout pages are: the storm pays through the control API instead. */
const CHECKOUT_PATH = '/storm-checkout';
const TEST_CARD = '4242424242424242';

/**
 * One Stripe simulator for every instance (they reach it at STRIPE_API_BASE), in the storm's own process, posting
 * its events to the proxy as Stripe posts to a load balancer. With faults: every event delivered twice, events of
 * one payment in reverse order and 3 s late, the first `drop` events never delivered (resent after driving), and
 * bursts of REST 503s when a session is created.
 */
export async function startStormStripe(options: { proxyUrl: string; speed: number; faults: boolean; drop: number }): Promise<RunningStripeSimulator> {
  const sim = await startStripeSimulator({ port: 0, speed: options.speed, webhookUrl: `${options.proxyUrl}${WEBHOOK_PATH}` });
  sim.setCheckoutBaseUrl(`${sim.url}${CHECKOUT_PATH}`);
  if (options.faults) sim.setFaults({ duplicate: true, reorder: true, delayMs: 3_000, drop: options.drop, restFailure: { status: 503, count: 3 } });
  return sim;
}

export interface TopUpCounts {
  started: number;
  paid: number;
  /** The app did not send the user to the checkout page (a 5xx from Stripe, say): the reason, counted. */
  refused: Map<string, number>;
}

/**
 * A top-up as a person makes one: the wallet's form (POST /wallet/top-up with its CSRF token) answers with a 303 to
 * Stripe's checkout page, where the user pays with the test card (here through the simulator's control API, the
 * same payOnPage the page's form calls).
 */
export async function topUpOverHttp(session: HttpSession, base: string, stripeUrl: string, amount: string, counts: TopUpCounts): Promise<void> {
  counts.started++;
  await session.request(`${base}/wallet`);
  const res = await session.request(`${base}/wallet/top-up`, { method: 'POST', form: { _csrf: session.csrf, amount } });
  const sessionId = res.location && res.location.startsWith(stripeUrl) ? /\/(cs_\w+)/.exec(res.location)?.[1] : undefined;
  if (res.status !== 303 || !sessionId) {
    const reason = res.status === 303 ? 'sent back to the wallet (Stripe refused the session)' : `HTTP ${res.status}`;
    counts.refused.set(reason, (counts.refused.get(reason) ?? 0) + 1);
    if (res.status === 303 && res.location) await session.request(new URL(res.location, base).href);
    return;
  }
  const paid = await fetch(`${stripeUrl}/control/stripe/checkout/sessions/${sessionId}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number: TEST_CARD }) });
  const outcome = (await paid.json()) as { result?: string };
  if (outcome.result === 'paid') counts.paid++;
  else {
    const reason = `card not charged (${outcome.result ?? `HTTP ${paid.status}`})`;
    counts.refused.set(reason, (counts.refused.get(reason) ?? 0) + 1);
  }
}

/** A checkout session Stripe (the simulator) says was paid. */
export interface PaidSession {
  id: string;
  amountMicros: number;
}

/** Every session the simulator completed as paid, from its checkout.session.completed events (each session once). */
export function paidSessions(sim: RunningStripeSimulator): PaidSession[] {
  const byId = new Map<string, PaidSession>();
  for (const event of sim.events('checkout.session.completed')) {
    const session = event.data.object as { id: string; amount_total: number; payment_status: string };
    if (session.payment_status === 'paid') byId.set(session.id, { id: session.id, amountMicros: session.amount_total * 10_000 });
  }
  return [...byId.values()];
}

/** Resends every event the app never acknowledged with a 2xx (the dropped ones): what an operator does from the dashboard. */
export function resendUnacknowledged(sim: RunningStripeSimulator): number {
  let resent = 0;
  for (const event of sim.events()) {
    const attempts = sim.attempts(event.id);
    if (attempts.length === 0 || attempts.some((a) => a.status !== null && a.status >= 200 && a.status < 300)) continue;
    sim.bus.resend(event.id);
    resent++;
  }
  return resent;
}

/** A card top-up's ledger entry (a purchase with a Stripe reference). */
export interface TopUpEntry {
  reference: string | null;
  amountMicros: number;
}

/** Money in: the ledger's card top-ups against the sessions Stripe was paid for. Every count but the sums is an error. */
export interface MoneyInAudit {
  paidSessions: number;
  paidMicros: number;
  creditedMicros: number;
  /** Paid sessions with no top-up entry in the ledger. */
  uncredited: number;
  /** References credited more than once. */
  duplicateReferences: number;
  /** Top-up entries for no paid session, or for a different amount than was paid. */
  unmatchedCredits: number;
}

/** Pure: compares the ledger's top-ups with what Stripe was paid. */
export function compareMoneyIn(entries: TopUpEntry[], paid: PaidSession[]): MoneyInAudit {
  const credited = new Map<string, number[]>();
  for (const e of entries) {
    const key = e.reference ?? '';
    credited.set(key, [...(credited.get(key) ?? []), e.amountMicros]);
  }
  const paidById = new Map(paid.map((p) => [p.id, p.amountMicros]));
  let unmatched = 0;
  for (const [reference, amounts] of credited) {
    const expected = paidById.get(reference);
    if (expected === undefined) unmatched += amounts.length;
    else if (amounts[0] !== expected) unmatched++;
  }
  return {
    paidSessions: paid.length,
    paidMicros: paid.reduce((sum, p) => sum + p.amountMicros, 0),
    creditedMicros: entries.reduce((sum, e) => sum + e.amountMicros, 0),
    uncredited: paid.filter((p) => !credited.has(p.id)).length,
    duplicateReferences: [...credited.values()].filter((a) => a.length > 1).length,
    unmatchedCredits: unmatched,
  };
}

/** The ledger's card top-ups (purchases; the storm's own grants are kind 'grant'). */
export async function topUpEntries(db: Db): Promise<TopUpEntry[]> {
  const rows: { reference: string | null; amount_micros: number | string }[] = await db('ledger_entries').where({ kind: 'purchase' }).select('reference', 'amount_micros');
  return rows.map((r) => ({ reference: r.reference, amountMicros: Number(r.amount_micros) }));
}

export function moneyInErrors(audit: MoneyInAudit | undefined): string[] {
  if (!audit) return [];
  const errors: string[] = [];
  if (audit.paidMicros !== audit.creditedMicros) errors.push(`money in: ${audit.paidMicros - audit.creditedMicros} micro-units paid at Stripe but not credited (negative: credited but not paid)`);
  if (audit.uncredited) errors.push(`money in: ${audit.uncredited} paid checkout session(s) never credited`);
  if (audit.duplicateReferences) errors.push(`money in: ${audit.duplicateReferences} checkout session(s) credited more than once`);
  if (audit.unmatchedCredits) errors.push(`money in: ${audit.unmatchedCredits} top-up credit(s) matching no paid session`);
  return errors;
}
