import { formatMoney } from '../money/currency.js';
import type { Refusal } from '../rates/rate-deck-service.js';
import type { Rate } from '../rating/rate.js';
import type { CallHold } from './call-credit.js';
import { preBridgeSeconds as preBridge } from './call-limits.js';
import type { MoneyServices } from '../wallet/money-services.js';
import { InsufficientCreditError } from '../wallet/wallet-store.js';

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

export type CallStart =
  | { ok: false; reason: Refusal | 'own-number-not-rated' | 'own-number-refused' | 'insufficient-credit'; message: string }
  | {
      ok: true;
      hold: CallHold;
      /** Normalised destination to dial. */
      e164: string;
      destinationRate: Rate;
      firstLegRate: Rate;
      /** The talk time the hold pays for; see call-limits.ts for what to give Twilio. */
      timeLimitSeconds: number;
      /** The first leg may ring the destination this long before the bridge; use it as the <Dial> timeout. */
      dialTimeoutSeconds: number;
      /** First-leg seconds before the bridge the hold pays for (setup + Dial timeout + Twilio's ring buffer). */
      preBridgeSeconds: number;
    };

/**
 * Everything the calls feature needs before dialling, in one step: the destination is checked (valid, not
 * premium or shared-cost, rated, enabled, not sold below cost), both legs are priced, and credit for the
 * longest affordable call is held atomically.
 */
export async function startCallCredit(money: MoneyServices, input: CallStartInput): Promise<CallStart> {
  await money.rates.ready();
  const destination = money.rates.checkDestination(input.to);
  if (!destination.ok) return destination;
  // The first leg is a call too: the user's own number must pass the same checks before it is ever rung.
  const own = money.rates.checkDestination(input.from);
  if (!own.ok) {
    if (own.reason === 'no-rate' || own.reason === 'disabled') return { ok: false, reason: 'own-number-not-rated', message: 'We cannot ring phones in your country yet.' };
    return { ok: false, reason: 'own-number-refused', message: `Your own phone number cannot be rung: ${own.message}` };
  }
  const firstLegRate = own.rate;
  const dialTimeoutSeconds = money.rates.ringAllowanceSeconds;
  const preBridgeSeconds = preBridge(input.setupSeconds ?? 0, dialTimeoutSeconds);
  try {
    const hold = await money.callCredit.hold({
      userId: input.userId,
      callSid: input.callSid,
      tariffs: { first: firstLegRate, bridged: destination.rate },
      firstLegExtraSeconds: preBridgeSeconds,
      minimumSeconds: input.minimumSeconds ?? 60,
      description: `${destination.e164} (${destination.rate.description || destination.rate.country})`,
      ...(input.maxSeconds !== undefined ? { maxSeconds: input.maxSeconds } : {}),
    });
    return { ok: true, hold, e164: destination.e164, destinationRate: destination.rate, firstLegRate, timeLimitSeconds: hold.maxSeconds, dialTimeoutSeconds, preBridgeSeconds };
  } catch (err) {
    if (!(err instanceof InsufficientCreditError)) throw err;
    return { ok: false, reason: 'insufficient-credit', message: `Not enough credit for a minute to this number (${formatMoney(err.neededMicros, money.currency)} needed).` };
  }
}
