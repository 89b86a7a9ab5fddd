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
  available?: string;
  signedIn: boolean;
}

export function previewView(typed: string, quote: Quote | undefined, currency: string, signedIn: boolean, availableMicros: number): PreviewView {
  if (!quote) return { typed, state: 'empty', signedIn };
  if (!quote.ok) return { typed, state: 'refused', message: quote.message, signedIn };
  return {
    typed,
    state: 'priced',
    signedIn,
    flag: flagEmoji(quote.rate.iso),
    destination: quote.rate.description || quote.rate.country,
    e164: quote.e164,
    international: formatInternational(quote.e164),
    perMinute: formatRate(quote.perMinuteMicros, currency),
    destinationPerMinute: formatRate(quote.rate.sellPerMinMicros, currency),
    ownLegPerMinute: quote.firstLegRate ? formatRate(quote.firstLegRate.sellPerMinMicros, currency) : undefined,
    longestCall: formatDuration(quote.maxSeconds),
    available: formatMoney(availableMicros, currency),
    ownLegUnknown: signedIn && !quote.firstLegRate,
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
