import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { retryMessage, type AttemptCounters, type LimitPolicy } from '../rate-limits/attempt-counters.js';
import type { RateDeckService } from '../rates/rate-deck-service.js';
import { checkPhoneNumber, typeAllowed } from '../rating/phone.js';
import { judgeOwnPhone, type AbusePolicy } from '../calls/abuse-limits.js';
import { isKnownCountry } from './countries.js';
import { statusOfProblem, VERIFY_PROBLEM_MESSAGES } from './phone-messages.js';
import type { PhoneVerifier, VerifyChannel } from './phone-verifier.js';
import type { PendingVerification, PhoneVerificationsRepository } from './phone-verifications-repository.js';

export const phoneForm = z.object({
  phone: z.string({ message: 'Enter your phone number' }).trim().min(1, 'Enter your phone number').max(40, 'That is too long for a phone number'),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isKnownCountry, 'Choose your country from the list')
    .optional(),
  channel: z.enum(['call', 'sms'], { message: 'Choose “Call me” or “Text me”' }).default('call'),
});

export const codeForm = z.object({
  code: z
    .string({ message: 'Enter the code we sent you' })
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{4,10}$/, 'Enter the code we sent you: 4 to 10 digits')),
});

/** Verify's own rules (twilio-behavior.md §7): a code lives 10 minutes and allows 5 checks. */
export const CODE_LIFETIME_MS = 10 * 60_000;
export const CHECKS_PER_CODE = 5;

const HOUR = 3600_000;
/** Our own limits, on top of Verify's, so one account or one number cannot make us ring or text without end. */
export const SENDS_PER_USER: LimitPolicy = { name: 'phone-send-user', limit: 5, windowMs: HOUR };
export const SENDS_PER_NUMBER: LimitPolicy = { name: 'phone-send-number', limit: 5, windowMs: HOUR };
export const CHECKS_PER_USER: LimitPolicy = { name: 'phone-check-user', limit: 10, windowMs: HOUR / 4 };
export const CHECKS_PER_NUMBER: LimitPolicy = { name: 'phone-check-number', limit: 10, windowMs: HOUR / 4 };

export type Refusal = { ok: false; status: number; field: 'phone' | 'code' | 'form'; message: string };
export type StartOutcome = { ok: true; pending: PendingVerification } | Refusal;
export type CheckOutcome = { ok: true; phoneE164: string } | Refusal;

export interface PhoneVerificationDeps {
  repo: PhoneVerificationsRepository;
  counters: AttemptCounters;
  rates: RateDeckService;
  verifier: PhoneVerifier;
  clock: Clock;
  /** The toll-fraud policy: an own phone must be a mobile or landline whose leg costs us at most its cap. */
  ownPhonePolicy?: AbusePolicy;
}

const refuse = (field: Refusal['field'], message: string, status = 422): Refusal => ({ ok: false, status, field, message });

/**
 * Adds or changes a user's own phone: the number must be one we are willing to ring (the destination checks, and no
 * toll-free), belong to no other account, and be confirmed with a Verify code. Until then the old number stays.
 */
export function phoneVerificationService(deps: PhoneVerificationDeps) {
  const { repo, counters, rates, verifier, clock } = deps;
  const now = () => clock.now();

  /** The number as E.164 if we would ring it as a user's own phone; a refusal saying why otherwise. */
  async function acceptableNumber(typed: string, country: string | undefined): Promise<{ ok: true; e164: string } | Refusal> {
    const phone = checkPhoneNumber(typed, country, rates.allowedNumberTypes);
    if (!phone.ok) {
      if (phone.reason === 'invalid') return refuse('phone', country ? 'This is not a valid phone number for the country chosen. Check the digits, or type it with its country code (+…).' : phone.message);
      return refuse('phone', `${phone.message.replace(' cannot be called.', '')} cannot be your phone: ringing them would earn money for someone.`);
    }
    if (phone.type === 'TOLL_FREE') return refuse('phone', 'Toll-free numbers cannot be your phone: use the number of your own mobile or landline.');
    await rates.ready();
    const destination = rates.checkDestination(phone.e164);
    if (!destination.ok) {
      if (destination.reason === 'no-rate' || destination.reason === 'disabled' || destination.reason === 'below-cost') {
        return refuse('phone', `We cannot ring phones in this country, so it cannot be your phone. (${destination.message})`);
      }
      return refuse('phone', destination.message);
    }
    if (deps.ownPhonePolicy) {
      const verdict = judgeOwnPhone(phone.type, destination.rate.costPerMinMicros, deps.ownPhonePolicy, typeAllowed(phone, rates.allowedNumberTypes));
      if (!verdict.ok) return refuse('phone', verdict.message);
    }
    return { ok: true, e164: destination.e164 };
  }

  /** Counts the attempt against each limit first (one atomic increment each), then refuses it if any is past its limit. */
  async function limited(policies: Array<[LimitPolicy, string]>): Promise<Refusal | undefined> {
    let retryInMs: number | undefined;
    for (const [policy, subject] of policies) {
      const state = await counters.consume(policy, subject);
      if (state.blocked) retryInMs = Math.max(retryInMs ?? 0, state.retryInMs);
    }
    return retryInMs === undefined ? undefined : refuse('form', `Too many attempts. ${retryMessage(retryInMs)}`, 429);
  }

  return {
    /** The verification waiting for a code, and whether its code has expired (read only: showing a page writes nothing). */
    async pending(userId: number): Promise<{ verification: PendingVerification; expired: boolean } | undefined> {
      const verification = await repo.pendingFor(userId);
      return verification && { verification, expired: verification.expiresAt <= now().toISOString() };
    },

    /** Country for the picker: the last one used, else the current phone's, else the United States. */
    async defaultCountry(userId: number, currentPhone: string | null): Promise<string> {
      return (await repo.lastCountry(userId)) ?? (currentPhone ? parsePhoneNumberFromString(currentPhone)?.country : undefined) ?? 'US';
    },

    async start(user: { id: number; phoneE164: string | null; phoneVerifiedAt: string | null }, input: z.infer<typeof phoneForm>): Promise<StartOutcome> {
      const number = await acceptableNumber(input.phone, input.country);
      if (!number.ok) return number;
      if (user.phoneVerifiedAt && user.phoneE164 === number.e164) return refuse('phone', 'This is already your verified phone.');
      // Whether another account has this number is told only after a right code (see check): answering here would
      // let anyone test which numbers have an account. A code sent to it counts against the send limits like any.
      const blocked = await limited([[SENDS_PER_USER, String(user.id)], [SENDS_PER_NUMBER, number.e164]]);
      if (blocked) return blocked;
      const started = await verifier.start(number.e164, input.channel);
      if (!started.ok) return refuse(started.problem === 'invalid-parameter' ? 'phone' : 'form', VERIFY_PROBLEM_MESSAGES[started.problem], statusOfProblem(started.problem));
      const at = now();
      const pending = {
        userId: user.id,
        phoneE164: number.e164,
        country: input.country ?? parsePhoneNumberFromString(number.e164)?.country ?? null,
        channel: input.channel as VerifyChannel,
        verificationSid: started.verificationSid,
        expiresAt: new Date(at.getTime() + CODE_LIFETIME_MS).toISOString(),
      };
      await repo.start(pending, at.toISOString());
      return { ok: true, pending: (await repo.pendingFor(user.id))! };
    },

    async check(userId: number, input: z.infer<typeof codeForm>): Promise<CheckOutcome> {
      const pending = await repo.pendingFor(userId);
      if (!pending) return refuse('form', 'There is no code waiting for you. Enter your number to get one.');
      const at = now().toISOString();
      if (pending.expiresAt <= at) {
        await repo.finish(pending.id, 'expired', at);
        return refuse('form', 'That code has expired: codes last 10 minutes. Send a new code.');
      }
      const blocked = await limited([[CHECKS_PER_USER, String(userId)], [CHECKS_PER_NUMBER, pending.phoneE164]]);
      if (blocked) return blocked;
      const result = await verifier.check(pending.verificationSid, input.code);
      if (!result.ok) {
        if (result.problem === 'too-many-checks') await repo.finish(pending.id, 'failed', at);
        if (result.problem === 'gone') await repo.finish(pending.id, 'expired', at);
        return refuse(result.problem === 'invalid-parameter' ? 'code' : 'form', VERIFY_PROBLEM_MESSAGES[result.problem], statusOfProblem(result.problem));
      }
      if (!result.approved) {
        await repo.countCheck(pending.id, at);
        const left = CHECKS_PER_CODE - pending.checks - 1;
        return refuse('code', left > 0 ? `That code is not right. ${left === 1 ? '1 try' : `${left} tries`} left.` : 'That code is not right, and that was the last try. Send a new code.');
      }
      if ((await repo.approve(pending, at)) === 'taken') {
        await repo.finish(pending.id, 'failed', at);
        return refuse('form', 'This number can’t be used: each phone can belong to one account only.');
      }
      return { ok: true, phoneE164: pending.phoneE164 };
    },
  };
}

export type PhoneVerificationService = ReturnType<typeof phoneVerificationService>;
