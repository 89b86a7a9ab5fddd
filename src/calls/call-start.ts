import { formatMoney } from '../money/currency.js';
import { checkPhoneNumber, typeAllowed } from '../rating/phone.js';
import { judgeOwnPhone, type AbusePolicy } from './abuse-limits.js';
import type { Refusal } from '../rates/rate-deck-service.js';
import { maxTalkSeconds } from '../rating/max-seconds.js';
import type { HoldPlan, HoldRequest } from './call-credit.js';
import { preBridgeSeconds as preBridge } from './call-limits.js';
import type { MoneyServices } from './money-services.js';
import { InsufficientCreditError, type WalletRow } from '../ledger/wallet-rows.js';

export interface CallStartInput {
  userId: number;
  /** The call's unique key (our call id, or Twilio's SID): settle with the same key. */
  callSid: string;
  /** The user's own verified number, E.164: the first leg rings it. */
  from: string;
  /** The destination as typed or stored. */
  to: string;
  /** Refuse unless the credit pays at least this much talk (default 60 s: one billed minute). */
  minimumSeconds?: number;
  /** An extra ceiling, e.g. from a daily spend cap. */
  maxSeconds?: number;
  /** First-leg seconds before the bridge besides the Dial timeout (greeting, press-1 prompt); default 0. */
  setupSeconds?: number;
}

export type CallStartRefusal = { ok: false; reason: Refusal | 'own-number-not-rated' | 'own-number-refused' | 'insufficient-credit'; message: string };

/** A destination checked and both legs priced: what to hold once the user's wallet is read. */
export interface CallQuote {
  /** Normalised destination to dial. */
  e164: string;
  /** The first leg may ring the destination this long before the bridge; use it as the <Dial> timeout. */
  dialTimeoutSeconds: number;
  /** First-leg seconds before the bridge the hold pays for (setup + Dial timeout + Twilio's ring buffer). */
  preBridgeSeconds: number;
  /** The hold to take (with both legs' tariffs), before the wallet and today's spending bound it. */
  request: HoldRequest;
}

/** The hold a quote gets from the wallet as read; the talk time it pays for is `plan.hold.maxSeconds`. */
export type CallHoldPlan = { ok: true; plan: HoldPlan } | { ok: false; reason: 'insufficient-credit'; message: string };

/**
 * Everything the calls feature checks before dialling: the destination is valid, not premium or shared-cost, rated,
 * enabled and not sold below cost, the user's own number may be rung, and both legs are priced. No database write.
 */
export async function quoteCall(money: MoneyServices, input: CallStartInput, ownPhonePolicy?: AbusePolicy): Promise<CallStartRefusal | { ok: true; quote: CallQuote }> {
  await money.rates.ready();
  const destination = money.rates.checkDestination(input.to);
  if (!destination.ok) return destination;
  // The first leg is a call too: the user's own number must pass the same checks before it is ever rung.
  const own = money.rates.checkDestination(input.from);
  if (!own.ok) {
    if (own.reason === 'no-rate' || own.reason === 'disabled') return { ok: false, reason: 'own-number-not-rated', message: 'We cannot ring phones in your country yet.' };
    return { ok: false, reason: 'own-number-refused', message: `Your own phone number cannot be rung: ${own.message}` };
  }
  if (ownPhonePolicy) {
    // Verified before the policy (or the cap) changed: still checked at every call, since we ring it every time.
    const type = checkPhoneNumber(own.e164, undefined, money.rates.allowedNumberTypes);
    const verdict = judgeOwnPhone(type.ok ? type.type : undefined, own.rate.costPerMinMicros, ownPhonePolicy, type.ok && typeAllowed(type, money.rates.allowedNumberTypes));
    if (!verdict.ok) return { ok: false, reason: 'own-number-refused', message: `Your own phone number cannot be rung: ${verdict.message}` };
  }
  const dialTimeoutSeconds = money.rates.ringAllowanceSeconds;
  const preBridgeSeconds = preBridge(input.setupSeconds ?? 0, dialTimeoutSeconds);
  const request: HoldRequest = {
    userId: input.userId,
    callSid: input.callSid,
    tariffs: { first: own.rate, bridged: destination.rate },
    firstLegExtraSeconds: preBridgeSeconds,
    minimumSeconds: input.minimumSeconds ?? 60,
    description: `${destination.e164} (${destination.rate.description || destination.rate.country})`,
    ...(input.maxSeconds !== undefined ? { maxSeconds: input.maxSeconds } : {}),
  };
  return { ok: true, quote: { e164: destination.e164, dialTimeoutSeconds, preBridgeSeconds, request } };
}

/**
 * The credit a quoted call holds from the wallet as read (pure): the longest affordable call within what the user
 * may still spend today (`spendLimitMicros`: their daily cap minus today's charges), or a refusal saying which
 * limit stops it.
 */
export function planCallHold(money: MoneyServices, quote: CallQuote, wallet: WalletRow, spendLimitMicros?: number): CallHoldPlan {
  const { request } = quote;
  const minimumSeconds = request.minimumSeconds ?? 60;
  const capSeconds =
    spendLimitMicros === undefined ? undefined : maxTalkSeconds(request.tariffs, spendLimitMicros, { firstLegExtraSeconds: quote.preBridgeSeconds, policy: money.rates.policy });
  if (capSeconds !== undefined && capSeconds < minimumSeconds) {
    return { ok: false, reason: 'insufficient-credit', message: 'Your daily spending limit is reached for this number: it resets at midnight UTC.' };
  }
  const maxSeconds = Math.min(request.maxSeconds ?? Infinity, capSeconds ?? Infinity);
  try {
    return { ok: true, plan: money.callCredit.plan(wallet, { ...request, ...(Number.isFinite(maxSeconds) ? { maxSeconds } : {}) }) };
  } catch (err) {
    if (!(err instanceof InsufficientCreditError)) throw err;
    return { ok: false, reason: 'insufficient-credit', message: `Not enough credit for a minute to this number (${formatMoney(err.neededMicros, money.currency)} needed).` };
  }
}
