import { formatMoney } from '../money/currency.js';
import type { Refusal } from '../rates/rate-deck-service.js';
import type { Rate } from '../rating/rate.js';
import type { CallHold } from './call-credit.js';
import type { MoneyServices } from './money-services.js';
import { InsufficientCreditError } from './wallet-store.js';

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
}

export type CallStart =
  | { ok: false; reason: Refusal | 'own-number-not-rated' | 'insufficient-credit'; message: string }
  | {
      ok: true;
      hold: CallHold;
      /** Normalised destination to dial. */
      e164: string;
      destinationRate: Rate;
      firstLegRate: Rate;
      /** Give Twilio this as TimeLimit on the REST call and timeLimit on <Dial>: the credit pays for no more. */
      timeLimitSeconds: number;
      /** The first leg may ring the destination this long before the bridge; use it as the <Dial> timeout. */
      dialTimeoutSeconds: number;
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
  const firstLegRate = money.rates.lookup(input.from);
  if (!firstLegRate || !firstLegRate.enabled) {
    return { ok: false, reason: 'own-number-not-rated', message: 'We cannot ring phones in your country yet.' };
  }
  const dialTimeoutSeconds = money.rates.ringAllowanceSeconds;
  try {
    const hold = await money.callCredit.hold({
      userId: input.userId,
      callSid: input.callSid,
      tariffs: { first: firstLegRate, bridged: destination.rate },
      firstLegExtraSeconds: dialTimeoutSeconds,
      minimumSeconds: input.minimumSeconds ?? 60,
      description: `${destination.e164} (${destination.rate.description || destination.rate.country})`,
      ...(input.maxSeconds !== undefined ? { maxSeconds: input.maxSeconds } : {}),
    });
    return { ok: true, hold, e164: destination.e164, destinationRate: destination.rate, firstLegRate, timeLimitSeconds: hold.maxSeconds, dialTimeoutSeconds };
  } catch (err) {
    if (!(err instanceof InsufficientCreditError)) throw err;
    return { ok: false, reason: 'insufficient-credit', message: `Not enough credit for a minute to this number (${formatMoney(err.neededMicros, money.currency)} needed).` };
  }
}
