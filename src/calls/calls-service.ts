import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Twilio } from 'twilio';
import type { User } from '../accounts/users-repository.js';
import { judgeMemberLimits, startOfUtcMonth } from '../accounts/member-limits.js';
import type { PayingAccount, PayingAccounts } from '../accounts/paying-account.js';
import type { WalletOwner } from '../ledger/wallet-rows.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { checkPhoneNumber } from '../rating/phone.js';
import type { Telephony } from '../telephony/telephony.js';
import type { MoneyServices } from './money-services.js';
import { CallEvents, type HangupScheduler, type RecordingPolicy } from './call-events.js';
import { callLimits, expectedDurationMs, type CallLimits, HANGUP_GRACE_S, setupSeconds, TWILIO_RING_BUFFER_S, USER_RING_TIMEOUT_S } from './call-limits.js';
import { priceCall, type HoldPlan } from './call-credit.js';
import { costSteps, type LiveCost } from './call-cost.js';
import { callPlacement, type Placement, type PlacementDecision } from './call-placement.js';
import { planCallHold, quoteCall, type CallQuote } from './call-start.js';
import { isLive } from './call-state.js';
import { startOfUtcDay } from './daily-spend.js';
import { effectiveDailyCap } from './abuse-limits.js';
import { retryMessage } from '../rate-limits/attempt-counters.js';
import { accountBlockInside, type AccountBlock, type CallAbuse } from './call-abuse.js';
import { webhookUrls } from './call-twiml.js';
import { callsRepository, type CallEvent, type CallRecord } from './calls-repository.js';
import { announcingChanges, type CallChangeFeed } from './call-changes.js';
import { restFailureReason, twilioAnswered, withTimeout } from './rest-errors.js';
import { reconcileCall, reconcileOpenHolds, type ReconcileReport } from './reconcile.js';
import { hangUpCall } from './twilio-calls.js';

export type StartRefusal =
  | 'email-unconfirmed'
  | 'account-on-hold'
  | 'no-verified-phone'
  | 'account-disabled'
  | 'on-hold'
  | 'attempt-limit'
  | 'own-number-dialled'
  | 'call-live'
  | 'call-limit'
  | 'unavailable'
  | 'invalid'
  | 'premium'
  | 'shared-cost'
  | 'number-type'
  | 'no-rate'
  | 'disabled'
  | 'below-cost'
  | 'own-number-not-rated'
  | 'own-number-refused'
  | 'insufficient-credit'
  /** The account asked to pay is not one the user is a member of (answered like a missing account). */
  | 'no-account'
  /** A per-member limit of the paying account (spend per day or month, calls at once, countries). */
  | 'member-limit';

export type StartResult =
  | { ok: true; call: CallRecord }
  | { ok: false; reason: StartRefusal; message: string; liveCallId?: string; retryInMs?: number }
  /** Twilio refused or failed: the call exists (status failed, nothing charged) and says why. */
  | { ok: false; reason: 'twilio-error'; message: string; call: CallRecord };

export interface StartInput {
  userId: number;
  /** National (with country) or international number as typed. */
  to: string;
  /** ISO 3166 alpha-2 used to read a national number. */
  country?: string | undefined;
  /** The user as this request already loaded them (read once per request, not again here). */
  user?: User | undefined;
  /** The account to pay from; default: the one the user chose on the dial page (else their personal account). */
  accountId?: number | undefined;
}

export interface CallsServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  money: MoneyServices;
  users: { findById(id: number): Promise<User | undefined> };
  telephony: Telephony | undefined;
  /** The job scheduler (or anything that schedules one hangup job per call). */
  hangups: HangupScheduler | undefined;
  config: { publicUrl: string; calls: { confirmAnswer: boolean } };
  /** How long the REST create may take before we give up and release the hold (default 15 s). */
  restTimeoutMs?: number;
  /** Called once per call, right after its settlement is committed (the API's call.completed webhook). */
  onSettled?: ((call: CallRecord) => Promise<void>) | undefined;
  /** Who waits for which call's next change (built by composeServices with its PostgreSQL listener, see call-changes.ts). */
  changes: CallChangeFeed;
  /** Call recording (the recordings feature); undefined: no call is recorded. */
  recording?: RecordingPolicy | undefined;
  /** Why the account's calls are on hold (a disputed card payment, money owed), or undefined; none: never on hold. */
  callHold?: ((userId: number) => Promise<string | undefined>) | undefined;
  /** The toll-fraud policy's counters and account holds (docs/security.md); without it only the account's own limits apply. */
  abuse?: CallAbuse | undefined;
  /** Which accounts a user may pay from (src/accounts/paying-account.ts); without it every call is paid personally. */
  payers?: Pick<PayingAccounts, 'chosen' | 'membership'> | undefined;
}

const ON_HOLD_MESSAGE = 'Your account is on hold while we review unusual calling activity. Contact support if you think this is a mistake.';

function blockRefusal(block: AccountBlock): StartResult {
  return block.kind === 'disabled' ? { ok: false, reason: 'account-disabled', message: 'This account has been disabled.' } : { ok: false, reason: 'on-hold', message: ON_HOLD_MESSAGE };
}

export interface CallsService {
  start(input: StartInput): Promise<StartResult>;
  /** Ends the user's call at whatever stage it is; idempotent. Undefined for someone else's (or no) call. */
  hangup(userId: number, callId: string, by?: 'you' | 'admin'): Promise<CallRecord | undefined>;
  /** The user's own call, or undefined (another user's id looks exactly like a missing one). */
  find(userId: number, callId: string): Promise<CallRecord | undefined>;
  timeline(userId: number, callId: string): Promise<{ call: CallRecord; events: CallEvent[] } | undefined>;
  recent(userId: number, limit?: number): Promise<CallRecord[]>;
  /** The calls an account paid for, newest first, every member's (a team's calls page: check the viewer's role first). */
  recentForAccount(accountId: number, limit?: number): Promise<CallRecord[]>;
  /** Ends the member's live call paid by this account (a member removed from a team); how many were ended (0 or 1). */
  endMemberCalls(accountId: number, userId: number): Promise<number>;
  liveCallFor(userId: number): Promise<{ id: string } | null>;
  lastDestinationCountry(userId: number): Promise<string | null>;
  /** What a connected call costs as it goes on (its hold's terms, one read); undefined for any other call. */
  liveCost(call: CallRecord): Promise<LiveCost | undefined>;
  /** The status poll's single read; see status-poll.ts. */
  findWithSession(callId: string, sid: string): Promise<{ call: CallRecord; sessionData: string } | undefined>;
  /** Twilio's webhooks (signature already checked). */
  readonly webhooks: CallEvents;
  /** The hangup job: the credit deadline passed. */
  hangupAtDeadline(callId: string): Promise<void>;
  /** The reconciliation job: calls past their expected end whose settlement is missing. */
  reconcile(): Promise<ReconcileReport>;
  /** Every committed change of a call is announced here; status polls wait on it. Closed by composeServices' close(). */
  readonly changes: CallChangeFeed;
}

/** A hold older than any call may last (the rating policy's longest call, and then some) and without a call row is released. */
const ORPHAN_HOLD_AGE_MS = 24 * 3600 * 1000;

/** Twilio's ring timeout and its buffer, our hangup grace, and room for a call queued at Twilio for a while. */
const UNCONFIRMED_HANGUP_WAIT_MS = (USER_RING_TIMEOUT_S + TWILIO_RING_BUFFER_S + HANGUP_GRACE_S + 20) * 1000;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `cl_` + 20 base32 characters: 100 random bits, so call ids cannot be guessed. */
export function newCallId(): string {
  const bytes = randomBytes(20);
  let id = 'cl_';
  for (const byte of bytes) id += BASE32[byte & 31];
  return id;
}

/** Twilio's limits for a call whose hold pays `plan`. */
function placementLimits(quote: CallQuote, plan: HoldPlan): CallLimits {
  return callLimits(plan.hold.maxSeconds, quote.preBridgeSeconds, quote.dialTimeoutSeconds);
}

/** The call row, its hold and the event saying we ring the user's phone, for a hold planned from the wallet. */
function callPlacementFor(id: string, user: { id: number; phoneE164: string }, accountId: number, phone: { e164: string; country?: string | undefined }, quote: CallQuote, plan: HoldPlan, confirmAnswer: boolean, now: Date): Placement {
  const limits = placementLimits(quote, plan);
  const createdAt = now.toISOString();
  return {
    call: {
      id, userId: user.id, accountId, toE164: phone.e164, toCountry: phone.country ?? null, fromE164: user.phoneE164, confirmAnswer, createdAt,
      expectedEndAt: new Date(now.getTime() + expectedDurationMs(limits)).toISOString(),
      timeLimitS: limits.restTimeLimitS, talkLimitS: limits.talkLimitS, dialTimeoutS: limits.dialTimeoutS, holdMicros: plan.hold.amountMicros,
    },
    hold: { request: quote.request, plan },
    noted: {
      event: { source: 'us', event: 'calling your phone', sequence: null, params: { TimeLimit: String(limits.restTimeLimitS), Timeout: String(limits.userRingTimeoutS) }, receivedAt: createdAt },
      dedupeKey: 'us:create',
    },
  };
}

export function createCallsService(deps: CallsServiceDeps): CallsService {
  const { clock, logger, money, changes } = deps;
  const repo = announcingChanges(callsRepository(deps.db), changes);
  const { abuse } = deps;
  const events = new CallEvents({
    repo, callCredit: money.callCredit, clock, logger, publicUrl: deps.config.publicUrl, hangups: deps.hangups, onSettled: deps.onSettled, recording: deps.recording,
    ...(abuse ? { countUnanswered: (userId: number) => abuse.countUnanswered(userId) } : {}),
  });
  const restTimeoutMs = deps.restTimeoutMs ?? 15_000;
  const placement = callPlacement({ holds: money.ledger.holds, repo });

  const client = (): Twilio => {
    if (!deps.telephony) throw new Error('telephony is not configured');
    return deps.telephony.client;
  };

  async function start(input: StartInput): Promise<StartResult> {
    // Every statement before Twilio's create is click-to-create latency: a user the request already loaded is reused.
    const user = input.user?.id === input.userId ? input.user : await deps.users.findById(input.userId);
    // A disabled account places no call, whichever way the request came (a session ends at once, a token is refused).
    if (!user || user.disabledAt) return { ok: false, reason: 'account-disabled', message: 'This account has been disabled.' };
    if (!user.emailConfirmedAt) {
      return { ok: false, reason: 'email-unconfirmed', message: 'Confirm your email address first: follow the link we emailed you (or send a new one from your account page).' };
    }
    if (!user.phoneE164 || !user.phoneVerifiedAt) {
      return { ok: false, reason: 'no-verified-phone', message: 'Verify your own phone number first: we ring it, then connect the call.' };
    }
    if (!deps.telephony?.callerId) return { ok: false, reason: 'unavailable', message: 'Calling is not available right now.' };
    const hold = await deps.callHold?.(user.id);
    if (hold) return { ok: false, reason: 'account-on-hold', message: `Calls are on hold for your account: ${hold} Your balance and history are still here; contact us to settle it.` };
    // Who pays: the account asked for, or the one the user chose; only an account they are a member of.
    const payer: PayingAccount | undefined = deps.payers ? await (input.accountId === undefined ? deps.payers.chosen(user.id, user.payingAccountId) : deps.payers.membership(user.id, input.accountId)) : undefined;
    if (deps.payers && !payer) return { ok: false, reason: 'no-account', message: 'There is no such account to pay from.' };
    const owner: WalletOwner = payer ? { accountId: payer.accountId, userId: user.id } : user.id;
    const memberLimits = payer && Object.values(payer.limits).some((v) => v !== null) ? payer : undefined;
    const phone = checkPhoneNumber(input.to, input.country, money.rates.allowedNumberTypes);
    if (!phone.ok) return phone;
    // Our caller ID would ring ourselves, the user's own number would be a second leg to the first: both only cost.
    if (phone.e164 === deps.telephony.callerId || phone.e164 === user.phoneE164) {
      return { ok: false, reason: 'own-number-dialled', message: phone.e164 === user.phoneE164 ? 'This is your own phone: call another number.' : 'This number cannot be called.' };
    }

    const confirmAnswer = deps.config.calls.confirmAnswer;
    const id = newCallId();
    const quoted = await quoteCall(money, { userId: user.id, callSid: id, from: user.phoneE164, to: phone.e164, setupSeconds: setupSeconds(confirmAnswer) }, abuse?.policy);
    if (!quoted.ok) return quoted;
    const { quote } = quoted;
    if (abuse) {
      // Counted first (atomically), then refused above the limits: a held account's attempts are refused below.
      const verdict = await abuse.countAttempt(user.id, phone.e164);
      if (verdict.kind === 'refuse') return { ok: false, reason: 'attempt-limit', message: `${verdict.message} ${retryMessage(verdict.retryInMs ?? 0)}`, retryInMs: verdict.retryInMs ?? 0 };
      if (verdict.kind === 'hold') return { ok: false, reason: 'on-hold', message: verdict.message };
    }
    const caller = { id: user.id, phoneE164: user.phoneE164 };
    const cap = abuse ? effectiveDailyCap(user.dailySpendCapMicros, user.createdAt, clock.now(), abuse.policy) : (user.dailySpendCapMicros ?? undefined);
    const callLimit = user.concurrentCallLimit ?? null;
    // Inside the placement's transaction: an account disabled or put on hold since `user` was read places nothing.
    const guard = async (trx: Knex.Transaction): Promise<StartResult | undefined> => {
      const block = await accountBlockInside(trx, user.id);
      return block && blockRefusal(block);
    };
    const now = clock.now();
    const placed = await placement.place(owner, cap == null ? undefined : startOfUtcDay(clock.now()), (state): PlacementDecision<StartResult> => {
      // Calls still holding credit count until they are settled: a call that just ended may take a moment.
      if (callLimit !== null && (state.openHolds ?? 0) >= callLimit) {
        return { kind: 'refuse', refusal: { ok: false, reason: 'call-limit', message: `Your account may have ${callLimit} call${callLimit === 1 ? '' : 's'} at once: wait for the other one to finish.` } };
      }
      // The paying account's limits for this member, on what the ledger counted under the wallet's lock.
      let memberLeft: number | undefined;
      if (memberLimits && state.member) {
        const verdict = judgeMemberLimits(memberLimits.limits, state.member, phone.country ?? null, memberLimits.label, money.currency);
        if (!verdict.ok) return { kind: 'refuse', refusal: { ok: false, reason: 'member-limit', message: verdict.message } };
        memberLeft = verdict.spendLeftMicros;
      }
      const userLeft = cap == null ? undefined : Math.max(0, cap - state.spentMicros);
      const spendLeft = userLeft === undefined ? memberLeft : memberLeft === undefined ? userLeft : Math.min(userLeft, memberLeft);
      const credit = planCallHold(money, quote, state.wallet, spendLeft);
      if (!credit.ok) return { kind: 'refuse', refusal: credit };
      return { kind: 'place', placement: callPlacementFor(id, caller, state.accountId, phone, quote, credit.plan, confirmAnswer, clock.now()) };
    }, callLimit !== null, guard, memberLimits ? { dayStart: startOfUtcDay(now), monthStart: startOfUtcMonth(now) } : undefined);
    if (placed.kind === 'refused') return placed.refusal;
    if (placed.kind === 'call-live') return { ok: false, reason: 'call-live', message: 'You already have a call in progress.', ...(placed.liveCallId ? { liveCallId: placed.liveCallId } : {}) };
    const limits = placementLimits(quote, placed.placement.hold.plan);

    const urls = webhookUrls(deps.config.publicUrl, id);
    try {
      const created = await withTimeout(
        client().calls.create({
          to: user.phoneE164,
          from: deps.telephony.callerId,
          url: urls.answer,
          method: 'POST',
          statusCallback: urls.parentStatus,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          timeout: limits.userRingTimeoutS,
          timeLimit: limits.restTimeLimitS,
        }),
        restTimeoutMs,
      );
      const call = (await events.record(id, { source: 'us', event: 'Twilio accepted the call', params: { CallSid: created.sid } }, 'us:created', { parentSid: created.sid }))!;
      // Hung up while the create was in flight: end it now that Twilio has a SID for it.
      if (call.hangupRequestedAt) await hangUpCall(client(), created.sid).catch((err: unknown) => logger.warn({ err, callId: id }, 'hangup after create failed'));
      return { ok: true, call };
    } catch (err) {
      if (!twilioAnswered(err)) return { ok: true, call: await unconfirmed(id, err) };
      const reason = restFailureReason(err);
      logger.warn({ err, callId: id }, 'Twilio did not place the call');
      const call = (await events.record(id, { source: 'us', event: 'Twilio refused the call', params: { reason } }, 'us:create-failed', { status: 'failed', failureReason: reason }))!;
      const stamp = clock.now().toISOString();
      // The hold released and the call's zero cost recorded in one transaction.
      await money.callCredit.settle({ callSid: id, firstLegSeconds: 0, bridgedSeconds: 0 }, async (trx) => {
        await repo.recordSettlement(id, { costMicros: 0, uncollectedCostMicros: 0, costBreakdown: null, settledAt: stamp, endedAt: stamp }, trx);
      });
      return { ok: false, reason: 'twilio-error', message: reason, call: { ...call, costMicros: 0 } };
    }
  }

  /**
   * No answer to the create: Twilio may have placed the call, and would then bill us for it. The hold stays open and
   * the call live; callbacks carrying our id name it and it settles as usual, or reconciliation releases the hold at
   * zero once the call is past its expected end (with no SID nothing can have been bridged: dialling needs our answer
   * webhook, which records the SID first).
   */
  async function unconfirmed(id: string, err: unknown): Promise<CallRecord> {
    logger.warn({ err, callId: id }, 'no answer from Twilio to the call create; keeping the hold until a callback or reconciliation decides');
    return (await events.record(id, { source: 'us', event: 'no answer from Twilio to the create' }, 'us:create-unconfirmed', { status: 'unconfirmed' }))!;
  }

  async function hangup(userId: number, callId: string, by: 'you' | 'admin' = 'you'): Promise<CallRecord | undefined> {
    const call = await repo.findForUser(callId, userId);
    if (!call) return undefined;
    if (!isLive(call.status)) return call;
    const event = by === 'admin' ? 'an administrator ended the call' : 'you hung up';
    const marked = (await events.record(callId, { source: 'us', event }, 'us:hangup', { hangupRequestedAt: clock.now().toISOString(), endedBy: by })) ?? call;
    // Without a SID the create is still in flight (start() ends the call once it returns one) or got no answer
    // (the first callback naming the call schedules its hangup).
    if (marked.parentSid) await hangUpCall(client(), marked.parentSid);
    else if (marked.status === 'unconfirmed') return releaseSooner(marked);
    return marked;
  }

  /**
   * A hung-up unconfirmed call can no longer be bridged (the answer TwiML refuses a call the user hung up), so
   * there is no need to hold its credit and the user's live-call slot until its full expected end: reconciliation
   * may release it once Twilio would have stopped ringing the phone. A SID arriving first still gets it hung up.
   */
  async function releaseSooner(call: CallRecord): Promise<CallRecord> {
    const soon = new Date(clock.now().getTime() + UNCONFIRMED_HANGUP_WAIT_MS).toISOString();
    if (soon >= call.expectedEndAt) return call;
    await repo.update(call.id, { expectedEndAt: soon });
    return { ...call, expectedEndAt: soon };
  }

  return {
    start,
    hangup,
    changes,
    find: (userId, callId) => repo.findForUser(callId, userId),
    async timeline(userId, callId) {
      const call = await repo.findForUser(callId, userId);
      return call ? { call, events: await repo.events(callId) } : undefined;
    },
    recent: (userId, limit = 10) => repo.recentForUser(userId, limit),
    recentForAccount: (accountId, limit = 20) => repo.recentForAccount(accountId, limit),
    async endMemberCalls(accountId, userId) {
      // A user has at most one live call (the unique live-call index); only the one this account pays for ends.
      const live = await repo.liveCallFor(userId);
      const call = live && (await repo.find(live.id));
      if (!call || call.accountId !== accountId) return 0;
      await hangup(userId, call.id, 'admin');
      return 1;
    },
    liveCallFor: (userId) => repo.liveCallFor(userId),
    lastDestinationCountry: (userId) => repo.lastDestinationCountry(userId),
    findWithSession: (callId, sid) => repo.findWithSession(callId, sid, clock.now().getTime()),
    async liveCost(call) {
      if (call.status !== 'connected' || !call.bridgedAt || call.hangupRequestedAt) return undefined;
      const terms = await money.ledger.holds.terms(call.id);
      if (!terms?.open) return undefined;
      const elapsedS = Math.max(0, Math.floor((clock.now().getTime() - Date.parse(call.bridgedAt)) / 1000));
      // The first leg is billed from the user's answer: it runs this much longer than the talk.
      const setupS = call.answeredAt ? Math.max(0, Math.ceil((Date.parse(call.bridgedAt) - Date.parse(call.answeredAt)) / 1000)) : 0;
      const perMinuteMicros = terms.tariffs.first.sellPerMinMicros + terms.tariffs.bridged.sellPerMinMicros;
      return { perMinuteMicros, steps: costSteps(terms, setupS, call.talkLimitS, priceCall, elapsedS) };
    },
    webhooks: events,
    async hangupAtDeadline(callId) {
      const call = await repo.find(callId);
      const sid = call ? call.parentSid : callId.startsWith('CA') ? callId : null;
      if (!sid) return;
      const result = await hangUpCall(client(), sid);
      // The same job ends a call the user hung up before Twilio named it (see CallEvents.afterChange).
      const event = call?.hangupRequestedAt ? 'hung up once Twilio named the call' : 'credit deadline reached: hung up';
      if (call) await events.record(callId, { source: 'us', event, params: { result } }, call.hangupRequestedAt ? 'us:late-hangup' : 'us:deadline', { hangupRequestedAt: clock.now().toISOString(), endedBy: 'credit' });
      logger.info({ callId, result }, event);
    },
    async reconcile() {
      const report = await reconcileOpenHolds({ repo, events, callCredit: money.callCredit, client: client(), logger, now: clock.now() });
      // A hold without its call row cannot come from a placement (both are written in one transaction); one left by
      // other code is released once it is well past any call's length, so its credit is not held for ever.
      for (const hold of await money.callCredit.openHolds(new Date(clock.now().getTime() - ORPHAN_HOLD_AGE_MS))) {
        if (await repo.find(hold.callSid)) continue;
        logger.warn({ callSid: hold.callSid, userId: hold.userId }, 'releasing a credit hold that has no call');
        await money.callCredit.release(hold.callSid);
        report.settled++;
      }
      return report;
    },
  };
}
