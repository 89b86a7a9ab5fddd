import type { User } from '../accounts/users-repository.js';
import { formatDuration, formatMoney, formatRate } from '../money/currency.js';
import { flagEmoji, formatInternational } from '../rating/phone.js';
import type { Ledger, WalletSummary } from '../ledger/ledger.js';
import type { Quote, RateDeckService } from './rate-deck-service.js';

/** What a cost preview shows (rates page and dial page): a plain object, so views do no arithmetic and no formatting. */
export interface PreviewView {
  typed: string;
  state: 'empty' | 'refused' | 'priced';
  message?: string;
  /** The number is still too short: a neutral hint while typing, not an error. */
  incomplete?: boolean;
  flag?: string;
  destination?: string;
  e164?: string;
  /** The number as people read it: "+44 20 7946 0958". */
  international?: string;
  perMinute?: string;
  destinationPerMinute?: string;
  ownLegPerMinute?: string | undefined;
  /** Signed in without a verified phone: the leg to their phone cannot be priced yet. */
  ownLegUnknown?: boolean;
  longestCall?: string;
  /** Why the longest call is an estimate (the set-up time it assumes). */
  longestCallNote?: string;
  available?: string;
  signedIn: boolean;
  /** Without a verified phone: the country the caller said their phone is in, whose leg the price includes. */
  callerCountry?: string | undefined;
}

/** The leg to the caller's own phone when we do not know the phone yet, only its country (the rates page asks). */
export interface CallerLeg {
  country: string;
  perMinuteMicros: number;
}

export function previewView(typed: string, quote: Quote | undefined, currency: string, signedIn: boolean, availableMicros: number, callerLeg?: CallerLeg): PreviewView {
  if (!quote) return { typed, state: 'empty', signedIn };
  if (!quote.ok) return { typed, state: 'refused', message: quote.message, signedIn, ...(quote.incomplete ? { incomplete: true } : {}) };
  // A caller's verified phone prices its own leg exactly; otherwise the country they chose does.
  const byCountry = !quote.firstLegRate && callerLeg ? callerLeg : undefined;
  return {
    typed,
    state: 'priced',
    signedIn,
    flag: flagEmoji(quote.rate.iso),
    destination: quote.rate.description || quote.rate.country,
    e164: quote.e164,
    international: formatInternational(quote.e164),
    perMinute: formatRate(quote.perMinuteMicros + (byCountry?.perMinuteMicros ?? 0), currency),
    destinationPerMinute: formatRate(quote.rate.sellPerMinMicros, currency),
    ownLegPerMinute: quote.firstLegRate ? formatRate(quote.firstLegRate.sellPerMinMicros, currency) : byCountry ? formatRate(byCountry.perMinuteMicros, currency) : undefined,
    callerCountry: byCountry?.country,
    longestCall: `about ${formatDuration(quote.maxSeconds)}`,
    longestCallNote: `An estimate for a typical set-up (${quote.typicalSetupSeconds} s from your answer to theirs); the countdown during the call shows the exact limit.`,
    available: formatMoney(availableMicros, currency),
    ownLegUnknown: signedIn && !quote.firstLegRate && !byCountry,
  };
}

export interface UserQuote {
  quote: Quote;
  /** Undefined for visitors; read with peek(), so a preview never writes. */
  wallet: WalletSummary | undefined;
}

/**
 * Prices what someone typed against what they can spend now: both legs when their own phone is verified,
 * national input read in `defaultCountry`. One wallet read, no write: safe to run on every keystroke.
 */
export async function quoteForUser(
  deps: { rates: RateDeckService; wallet: Ledger },
  user: User | undefined,
  typed: string,
  defaultCountry?: string,
): Promise<UserQuote> {
  await deps.rates.ready();
  const wallet = user ? await deps.wallet.peek(user.id) : undefined;
  const quote = deps.rates.quote({
    to: typed,
    defaultCountry,
    from: user?.phoneVerifiedAt ? (user.phoneE164 ?? undefined) : undefined,
    availableMicros: wallet?.availableMicros ?? 0,
    freeSeconds: wallet?.freeSecondsAvailable ?? 0,
  });
  return { quote, wallet };
}
