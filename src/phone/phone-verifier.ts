import type { Telephony } from '../telephony/telephony.js';

export type VerifyChannel = 'call' | 'sms';

/** What went wrong talking to Verify, in the product's terms (messages live in phone-messages.ts). */
export type VerifyProblem =
  | 'invalid-parameter' // 60200
  | 'too-many-checks' // 60202
  | 'too-many-sends' // 60203
  | 'gone' // 20404: approved, expired or out of checks, Verify deleted it
  | 'landline' // 60205: SMS to a landline
  | 'busy' // 60212 / 20429: too many concurrent requests
  | 'unavailable' // 5xx or no answer at all
  | 'misconfigured' // 20003 or any other refusal we cannot explain to a user
  | 'not-configured'; // no Verify service on this server

export type StartResult = { ok: true; verificationSid: string } | { ok: false; problem: VerifyProblem };
export type CheckResult = { ok: true; approved: boolean } | { ok: false; problem: VerifyProblem };

/** Twilio Verify v2, reduced to the two calls phone verification needs. */
export interface PhoneVerifier {
  start(to: string, channel: VerifyChannel): Promise<StartResult>;
  check(verificationSid: string, code: string): Promise<CheckResult>;
}

/** Verify through the app's Twilio client (the real SDK, aimed at Twilio or at the simulator). */
export function twilioPhoneVerifier(telephony: Telephony | undefined, onUnexpected: (err: unknown) => void): PhoneVerifier {
  const serviceSid = telephony?.verifyServiceSid;
  const service = () => telephony!.client.verify.v2.services(serviceSid!);
  return {
    async start(to, channel) {
      if (!serviceSid) return { ok: false, problem: 'not-configured' };
      try {
        const verification = await service().verifications.create({ to, channel });
        return { ok: true, verificationSid: verification.sid };
      } catch (err) {
        return { ok: false, problem: problemOf(err, onUnexpected) };
      }
    },
    async check(verificationSid, code) {
      if (!serviceSid) return { ok: false, problem: 'not-configured' };
      try {
        const check = await service().verificationChecks.create({ verificationSid, code });
        return { ok: true, approved: check.status === 'approved' };
      } catch (err) {
        return { ok: false, problem: problemOf(err, onUnexpected) };
      }
    },
  };
}

const BY_CODE: Record<number, VerifyProblem> = {
  60200: 'invalid-parameter',
  60202: 'too-many-checks',
  60203: 'too-many-sends',
  20404: 'gone',
  60205: 'landline',
  60212: 'busy',
  20429: 'busy',
};

/** Maps a twilio-node RestException (status, code) or a network failure to a problem. */
export function problemOf(err: unknown, onUnexpected: (err: unknown) => void = () => undefined): VerifyProblem {
  const { status, code } = (err ?? {}) as { status?: unknown; code?: unknown };
  if (typeof code === 'number' && BY_CODE[code]) return BY_CODE[code];
  if (typeof status !== 'number' || status >= 500) {
    onUnexpected(err);
    return 'unavailable';
  }
  if (status === 404) return 'gone';
  if (status === 429) return 'busy';
  onUnexpected(err);
  return 'misconfigured';
}
