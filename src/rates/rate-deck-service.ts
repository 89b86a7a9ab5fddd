import { systemClock, type Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { CallTariffs } from '../rating/leg-cost.js';
import { preBridgeSeconds, SETUP_WITH_CONFIRM_S, TYPICAL_SETUP_WITH_CONFIRM_S } from '../rating/call-setup.js';
import { longestTalkSeconds, sizeHold } from '../rating/talk-limit.js';
import { checkPhoneNumber, type AllowedNumberTypes } from '../rating/phone.js';
import { PrefixIndex } from '../rating/prefix-index.js';
import { defaultRatingPolicy, type Rate, type RatingPolicy } from '../rating/rate.js';
import { DeckImportError } from './deck-errors.js';
import { parseDeck, type DeckFormat, type DeckSource, type ParseOptions } from './parse-deck.js';
import type { Knex } from 'knex';
import { bumpRatesVersion, countRates, loadRates, ratesVersion, replaceAllRates } from './rate-repository.js';

/** How often a process asks (one primary-key read) whether another process changed the deck. */
const STALE_CHECK_MS = 1_000;
/**
 * A busy process checks in the background, so no click waits for the read (it was a round trip on half the clicks of
 * a loaded PostgreSQL instance); one whose last check is older than this (idle for a while) checks before answering.
 */
const AWAIT_CHECK_AFTER_MS = 2 * STALE_CHECK_MS;

export interface RateDeckDeps {
  db: Db;
  clock?: Clock;
  policy?: RatingPolicy;
  /**
   * Seconds the first leg is up while the destination rings (the <Dial> timeout): billed on the first leg, so
   * quotes and holds must both allow for it. Default 30, Twilio's default Dial timeout.
   */
  ringAllowanceSeconds?: number;
  /** Number types an admin allowed per country (NUMBER_TYPES_ALLOWED); the others of rating/phone.ts are refused. */
  allowedNumberTypes?: AllowedNumberTypes;
}

export type Refusal = 'invalid' | 'premium' | 'shared-cost' | 'number-type' | 'no-rate' | 'disabled' | 'below-cost';

export type DestinationCheck = { ok: true; e164: string; rate: Rate } | { ok: false; reason: Refusal; message: string; incomplete?: true };

export interface QuoteInput {
  /** What the user typed as the destination. */
  to: string;
  /** ISO 3166 alpha-2 country that national input ("020 7946 0958") is read in; +E.164 input ignores it. */
  defaultCountry?: string | undefined;
  /** The user's own verified number (first leg); without it only the bridged leg is priced. */
  from?: string | undefined;
  availableMicros: number;
  freeSeconds?: number;
  /** The first leg's worst-case seconds before the bridge; default: the press-1 set-up, the Dial timeout and Twilio's ring buffer. */
  firstLegExtraSeconds?: number;
  /** The set-up the estimate assumes (default: a typical press-1 set-up and a few rings). */
  typicalSetupSeconds?: number;
}

export type Quote =
  | { ok: false; reason: Refusal; message: string; incomplete?: true }
  | {
      ok: true;
      e164: string;
      rate: Rate;
      firstLegRate: Rate | undefined;
      perMinuteMicros: number;
      tariffs: CallTariffs;
      /** An estimate: the talk limit this credit gives a call whose set-up takes `typicalSetupSeconds`. */
      maxSeconds: number;
      typicalSetupSeconds: number;
      /** The talk the credit pays for if the set-up takes all it may: under a minute, the call is refused. */
      worstCaseSeconds: number;
    };

const freeLeg: CallTariffs['first'] = { sellPerMinMicros: 0, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };

/**
 * Owns the in-memory rate index. Every change to the rates table goes through here, so the index is rebuilt
 * right after the transaction that changed the rows commits.
 */
export class RateDeckService {
  private index = PrefixIndex.build([]);
  private readonly clock: Clock;
  private loaded: Promise<void> | undefined;
  private version: string | undefined;
  private checkedAt = 0;
  private checking: Promise<void> | undefined;
  readonly policy: RatingPolicy;
  readonly ringAllowanceSeconds: number;
  readonly allowedNumberTypes: AllowedNumberTypes;

  constructor(private readonly deps: RateDeckDeps) {
    this.clock = deps.clock ?? systemClock;
    this.policy = deps.policy ?? defaultRatingPolicy;
    this.ringAllowanceSeconds = deps.ringAllowanceSeconds ?? 30;
    this.allowedNumberTypes = deps.allowedNumberTypes ?? new Map();
  }

  async reload(): Promise<void> {
    const load = (async () => {
      const version = await ratesVersion(this.deps.db);
      this.index = PrefixIndex.build(await loadRates(this.deps.db));
      this.version = version;
      this.checkedAt = this.clock.now().getTime();
    })();
    this.loaded = load;
    await load;
  }

  /**
   * Loads the deck the first time anyone needs it, and afterwards notices (one primary-key read, at most every
   * second) when another process, such as scripts/import-rates.ts or another instance, has changed it. A deck in
   * use is never more than AWAIT_CHECK_AFTER_MS behind the database: within that, the check runs without waiting.
   */
  async ready(): Promise<void> {
    if (!this.loaded) return this.reload();
    await this.loaded;
    const age = this.clock.now().getTime() - this.checkedAt;
    if (age < STALE_CHECK_MS) return;
    const check = this.checkVersion();
    if (age >= AWAIT_CHECK_AFTER_MS) return check;
    // A failed background check makes the next ready() wait for its own, which reports the error.
    check.catch(() => {
      this.checkedAt = 0;
    });
  }

  /** One version read at a time, however many requests find the deck due for a check. */
  private checkVersion(): Promise<void> {
    this.checkedAt = this.clock.now().getTime();
    this.checking ??= (async () => {
      try {
        if ((await ratesVersion(this.deps.db)) !== this.version) await this.reload();
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  /**
   * Runs one change to the rates table (and whatever the caller records with it, such as its audit row) in one
   * transaction that also bumps the deck version, then rebuilds this process's index at once; other processes
   * see the new version on their next check (at most STALE_CHECK_MS later).
   */
  async change<T>(apply: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.changeIf(async (trx) => ({ changed: true, value: await apply(trx) }));
  }

  /** Like change(), for work that may find nothing to do: then the version stays and nothing is reloaded. */
  async changeIf<T>(apply: (trx: Knex.Transaction) => Promise<{ changed: boolean; value: T }>): Promise<T> {
    const result = await this.deps.db.transaction(async (trx) => {
      const outcome = await apply(trx);
      if (outcome.changed) await bumpRatesVersion(trx, this.clock);
      return outcome;
    });
    if (result.changed) await this.reload();
    return result.value;
  }

  get size(): number {
    return this.index.size;
  }

  rates(): readonly Rate[] {
    return this.index.all();
  }

  /** Longest-prefix rate for an E.164 number ("+44…" or digits), enabled or not. */
  lookup(e164: string): Rate | undefined {
    return this.index.lookup(e164);
  }

  /** Validates then applies a rate file in one transaction; throws DeckImportError and changes nothing if any row is bad. */
  async importDeck(source: DeckSource, options: ParseOptions = {}): Promise<{ format: DeckFormat; count: number }> {
    const parsed = await parseDeck(source, options);
    if (!parsed.ok) throw new DeckImportError(parsed.errors, parsed.truncated);
    this.version = await replaceAllRates(this.deps.db, parsed.rates, this.clock);
    // The rows just committed are exactly these: index them instead of reading 50,000 rows back.
    this.index = PrefixIndex.build(shareStrings(parsed.rates));
    this.loaded = Promise.resolve();
    this.checkedAt = this.clock.now().getTime();
    return { format: parsed.format, count: parsed.rates.length };
  }

  /**
   * May we call this number, and at which rate? Refuses premium/shared-cost, unrated, disabled and below-cost.
   * National input is read in `defaultCountry` (ISO alpha-2) when given; international input needs none.
   */
  checkDestination(typed: string, defaultCountry?: string): DestinationCheck {
    const phone = checkPhoneNumber(typed, defaultCountry, this.allowedNumberTypes);
    if (!phone.ok) return phone;
    const rate = this.lookup(phone.digits);
    if (!rate) return { ok: false, reason: 'no-rate', message: 'We do not call this destination yet.' };
    if (!rate.enabled) return { ok: false, reason: 'disabled', message: `Calls to ${rate.country} are switched off.` };
    if (rate.sellPerMinMicros < rate.costPerMinMicros) return { ok: false, reason: 'below-cost', message: `Calls to ${rate.country} are unavailable.` };
    return { ok: true, e164: phone.e164, rate };
  }

  /** Price and longest call for a typed number, given what the user can spend right now. */
  quote(input: QuoteInput): Quote {
    const destination = this.checkDestination(input.to, input.defaultCountry);
    if (!destination.ok) return destination;
    const firstLegRate = input.from ? this.lookup(input.from) : undefined;
    const tariffs: CallTariffs = { first: firstLegRate ?? freeLeg, bridged: destination.rate };
    // Without the user's own phone the first leg is unpriced (free here), so its set-up costs nothing.
    const worstSetupSeconds = firstLegRate ? (input.firstLegExtraSeconds ?? preBridgeSeconds(SETUP_WITH_CONFIRM_S, this.ringAllowanceSeconds)) : 0;
    const typicalSetupSeconds = Math.min(worstSetupSeconds, input.typicalSetupSeconds ?? TYPICAL_SETUP_WITH_CONFIRM_S);
    const question = {
      tariffs,
      availableMicros: input.availableMicros,
      freeSeconds: input.freeSeconds ?? 0,
      worstSetupSeconds,
      ceilingSeconds: this.policy.maxCallSeconds,
      policy: this.policy,
    };
    const maxSeconds = longestTalkSeconds({ ...question, setupSeconds: typicalSetupSeconds });
    const worstCaseSeconds = sizeHold(question).worstCaseTalkSeconds;
    return {
      ok: true,
      e164: destination.e164,
      rate: destination.rate,
      firstLegRate,
      perMinuteMicros: destination.rate.sellPerMinMicros + (firstLegRate?.sellPerMinMicros ?? 0),
      tariffs,
      maxSeconds,
      typicalSetupSeconds,
      worstCaseSeconds,
    };
  }
}

function shareStrings(rates: Rate[]): Rate[] {
  const shared = new Map<string, string>();
  const intern = (s: string) => shared.get(s) ?? (shared.set(s, s), s);
  for (const rate of rates) {
    rate.iso = intern(rate.iso);
    rate.country = intern(rate.country);
    rate.description = intern(rate.description);
  }
  return rates;
}

/** First start: an empty rates table gets the sample deck. Returns how many rates were imported (0 if any existed). */
export async function seedRatesIfEmpty(db: Db, file: string, clock: Clock = systemClock): Promise<number> {
  if ((await countRates(db)) > 0) return 0;
  const parsed = await parseDeck({ path: file });
  if (!parsed.ok) throw new DeckImportError(parsed.errors, parsed.truncated);
  await replaceAllRates(db, parsed.rates, clock);
  return parsed.rates.length;
}
