import { randomInt } from 'node:crypto';
import { TwilioApiError } from './errors.js';
import { isE164, iso8601 } from './formats.js';
import type { Handsets } from './handsets.js';
import { newSid } from './ids.js';
import type { SimClock } from './timeline.js';

export const VERIFY_EXPIRY_MS = 10 * 60_000;
export const MAX_CHECKS = 5;
export const MAX_SENDS = 5;
const CHANNELS = new Set(['sms', 'call', 'email', 'whatsapp', 'sna']);

interface Verification {
  sid: string;
  to: string;
  channel: string;
  code: string;
  status: 'pending' | 'approved' | 'canceled' | 'max_attempts_reached' | 'expired';
  createdAt: number;
  updatedAt: number;
  sends: Array<{ time: number; channel: string; attemptSid: string }>;
  checks: number;
}

/** Verify v2 for one service: codes expire after 10 minutes, 5 checks and 5 sends per verification. */
export class VerifyService {
  private readonly bySid = new Map<string, Verification>();

  constructor(
    readonly serviceSid: string,
    private readonly accountSid: string,
    private readonly clock: SimClock,
    private readonly handsets: Handsets,
  ) {}

  start(to: string | undefined, channel: string | undefined, customCode: string | undefined): Verification {
    if (!to || !(isE164(to) || /^[^@\s]+@[^@\s]+$/.test(to))) throw new TwilioApiError(400, 60200, 'Invalid parameter: To');
    if (!channel || !CHANNELS.has(channel)) throw new TwilioApiError(400, 60200, 'Invalid parameter: Channel');
    if (customCode !== undefined && !/^[0-9A-Za-z]{4,10}$/.test(customCode)) throw new TwilioApiError(400, 60200, 'Invalid parameter: CustomCode');
    const now = this.clock.now();
    // Starting again for a number with a pending verification re-sends the same one (observed behaviour).
    let verification = this.pendingFor(to);
    if (verification) {
      if (verification.sends.length >= MAX_SENDS) throw new TwilioApiError(429, 60203, 'Max send attempts reached');
    } else {
      verification = {
        sid: newSid('VE'), to, channel, code: customCode ?? String(randomInt(0, 1_000_000)).padStart(6, '0'),
        status: 'pending', createdAt: now, updatedAt: now, sends: [], checks: 0,
      };
      this.bySid.set(verification.sid, verification);
    }
    verification.channel = channel;
    verification.updatedAt = now;
    verification.sends.push({ time: now, channel: channel.toUpperCase(), attemptSid: newSid('VL') });
    this.handsets.receiveVerifyCode(to, verification.code);
    return verification;
  }

  fetch(sid: string): Verification | undefined {
    const v = this.bySid.get(sid);
    if (v) this.expireIfDue(v);
    return v;
  }

  update(sid: string, status: string | undefined): Verification | undefined {
    const v = this.fetch(sid);
    if (!v) return undefined;
    if (status !== 'canceled' && status !== 'approved') throw new TwilioApiError(400, 60200, 'Invalid parameter: Status');
    if (v.status === 'pending') {
      v.status = status;
      v.updatedAt = this.clock.now();
    }
    return v;
  }

  /**
   * A wrong code answers pending/valid:false and counts an attempt; a check beyond the 5th answers 429/60202.
   * Approved, expired or exhausted verifications are gone: checking them again is a 404 (undefined here).
   */
  check(to: string | undefined, verificationSid: string | undefined, code: string | undefined): Verification | undefined {
    if (!code || code.length < 4 || code.length > 10) throw new TwilioApiError(400, 60200, 'Invalid parameter: Code');
    if (!to && !verificationSid) throw new TwilioApiError(400, 60200, 'Invalid parameter: To');
    const v = verificationSid ? this.fetch(verificationSid) : to ? this.pendingFor(to) : undefined;
    if (!v || v.status !== 'pending' || (to && v.to !== to)) return undefined;
    if (v.checks >= MAX_CHECKS) {
      v.status = 'max_attempts_reached';
      throw new TwilioApiError(429, 60202, 'Max check attempts reached');
    }
    v.checks++;
    v.updatedAt = this.clock.now();
    if (code === v.code) v.status = 'approved';
    return v;
  }

  json(v: Verification, origin: string) {
    return {
      sid: v.sid, service_sid: this.serviceSid, account_sid: this.accountSid, to: v.to, channel: v.channel, status: v.status,
      valid: v.status === 'approved', date_created: iso8601(new Date(v.createdAt)), date_updated: iso8601(new Date(v.updatedAt)),
      lookup: {}, amount: null, payee: null,
      send_code_attempts: v.sends.map((s) => ({ time: iso8601(new Date(s.time)), channel: s.channel, attempt_sid: s.attemptSid })),
      sna: null, url: `${origin}/v2/Services/${this.serviceSid}/Verifications/${v.sid}`,
    };
  }

  checkJson(v: Verification) {
    return {
      sid: v.sid, service_sid: this.serviceSid, account_sid: this.accountSid, to: v.to, channel: v.channel, status: v.status,
      valid: v.status === 'approved', amount: null, payee: null, sna_attempts_error_codes: [],
      date_created: iso8601(new Date(v.createdAt)), date_updated: iso8601(new Date(v.updatedAt)),
    };
  }

  private pendingFor(to: string): Verification | undefined {
    for (const v of this.bySid.values()) {
      this.expireIfDue(v);
      if (v.to === to && v.status === 'pending') return v;
    }
    return undefined;
  }

  private expireIfDue(v: Verification): void {
    if (v.status === 'pending' && this.clock.now() - v.createdAt >= VERIFY_EXPIRY_MS) {
      v.status = 'expired';
      v.updatedAt = v.createdAt + VERIFY_EXPIRY_MS;
    }
  }
}
