import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { Mailer } from './mailer.js';
import type { EmailKind } from './templates.js';

/** Notices a user may switch off, grouped as the preferences page shows them. */
export const NOTICE_SETTINGS = [
  { key: 'low-balance', label: 'Low balance', description: 'When your balance falls below the low-balance threshold (once each time it does).', kinds: ['low-balance'] },
  { key: 'receipts', label: 'Receipts and refunds', description: 'A receipt for every top-up, and a notice for every refund.', kinds: ['top-up-receipt', 'refund'] },
  { key: 'auto-top-up', label: 'Automatic top-up failures', description: 'When an automatic top-up could not be charged.', kinds: ['auto-top-up-failed'] },
] as const;
export type NoticeSetting = (typeof NOTICE_SETTINGS)[number]['key'];
export const NOTICE_SETTING_KEYS: readonly string[] = NOTICE_SETTINGS.map((s) => s.key);

/** Always sent, whatever the preferences: they tell the owner about changes an intruder could make. */
export const SECURITY_NOTICES = ['password-changed', 'email-changed', 'api-token-created'] as const;
export type NoticeKind = (typeof SECURITY_NOTICES)[number] | (typeof NOTICE_SETTINGS)[number]['kinds'][number];

function settingOf(kind: NoticeKind): NoticeSetting | undefined {
  return NOTICE_SETTINGS.find((s) => (s.kinds as readonly string[]).includes(kind))?.key;
}

export interface NoticesDeps {
  users: UsersRepository;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  /** Signs one-click unsubscribe links (List-Unsubscribe), so nobody can switch off another user's notices. */
  secret: string;
  lowBalanceThresholdMicros: number;
  /** The user's personal balance; undefined when `paidFrom` is not their personal account or there is no wallet yet. */
  personalBalance: (userId: number, paidFrom?: number | null) => Promise<number | undefined>;
}

export function emailNotices(deps: NoticesDeps) {
  const { users, mailer, logger } = deps;
  const sign = (userId: number, setting: string) => createHmac('sha256', deps.secret).update(`unsubscribe:${userId}:${setting}`).digest('base64url');

  const notices = {
    /**
     * Emails the user about something that happened to their account or money (payments call it for receipts,
     * refunds and auto top-up failures). Optional notices respect the user's preferences; security ones always go.
     * Never throws: a notice must not fail the change it reports.
     */
    async notify(userId: number, kind: NoticeKind, data: Record<string, unknown> = {}): Promise<void> {
      try {
        const user = await users.findById(userId);
        if (!user) return;
        const setting = settingOf(kind);
        const headers: Record<string, string> = {};
        if (setting) {
          if ((await users.noticesOff(userId)).includes(setting)) return;
          const url = notices.unsubscribeUrl(userId, setting);
          headers['List-Unsubscribe'] = `<${url}>`;
          headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
        }
        await mailer.queue({ to: user.email, userId, kind: kind as EmailKind, data: { name: user.name, ...data, preferencesUrl: `${deps.publicUrl}/account/notices` }, headers });
      } catch (err) {
        logger.error({ err, userId, kind }, 'could not send a notice');
      }
    },

    unsubscribeUrl(userId: number, setting: string): string {
      return `${deps.publicUrl}/notices/unsubscribe?u=${userId}&k=${encodeURIComponent(setting)}&s=${sign(userId, setting)}`;
    },

    /** Checks a one-click link's signature; the user id and setting when it is genuine. */
    verifyUnsubscribe(query: { u?: unknown; k?: unknown; s?: unknown }): { userId: number; setting: NoticeSetting } | undefined {
      const userId = Number(query.u);
      const setting = typeof query.k === 'string' ? query.k : '';
      if (!Number.isSafeInteger(userId) || userId <= 0 || !NOTICE_SETTING_KEYS.includes(setting) || typeof query.s !== 'string') return undefined;
      const expected = Buffer.from(sign(userId, setting));
      const given = Buffer.from(query.s);
      return expected.length === given.length && timingSafeEqual(expected, given) ? { userId, setting: setting as NoticeSetting } : undefined;
    },

    async preferences(userId: number): Promise<Array<{ key: string; label: string; description: string; on: boolean }>> {
      const off = await users.noticesOff(userId);
      return NOTICE_SETTINGS.map((s) => ({ key: s.key, label: s.label, description: s.description, on: !off.includes(s.key) }));
    },

    async setPreferences(userId: number, on: string[]): Promise<void> {
      await users.setNoticesOff(userId, NOTICE_SETTING_KEYS.filter((key) => !on.includes(key)), deps.clock.now().toISOString());
    },

    async switchOff(userId: number, setting: NoticeSetting): Promise<void> {
      await users.setNoticesOff(userId, [...(await users.noticesOff(userId)), setting], deps.clock.now().toISOString());
    },

    /**
     * After a balance change (a call settled, a top-up): below the threshold, the low-balance notice goes once per
     * crossing (a conditional update claims it, so concurrent settlements send one); at or above, the next crossing
     * may send again. The notice watches the user's personal wallet only: a change to a team's wallet (`paidFrom`
     * a team) tells nobody, as the notice's claim is kept per user and a team has no such claim of its own.
     */
    async balanceChanged(userId: number, paidFrom?: number | null): Promise<void> {
      try {
        const balance = await deps.personalBalance(userId, paidFrom);
        if (balance === undefined) return;
        if (balance >= deps.lowBalanceThresholdMicros) return void (await users.clearLowBalanceNotice(userId));
        if (!(await users.claimLowBalanceNotice(userId, deps.clock.now().toISOString()))) return;
        await notices.notify(userId, 'low-balance', { balanceMicros: balance, thresholdMicros: deps.lowBalanceThresholdMicros, walletUrl: `${deps.publicUrl}/wallet` });
      } catch (err) {
        logger.error({ err, userId }, 'low-balance check failed');
      }
    },
  };
  return notices;
}

export type EmailNotices = ReturnType<typeof emailNotices>;
