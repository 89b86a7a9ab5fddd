import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import { accountEmailService } from '../accounts/account-email-service.js';
import { emailTokensRepository } from '../accounts/email-tokens-repository.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import type { SessionsRepository } from '../accounts/sessions-repository.js';
import type { AttemptCounters } from '../rate-limits/attempt-counters.js';
import { emailStore, type StoredEmail } from './email-store.js';
import { createMailer } from './mailer.js';
import { emailNotices, type NoticeKind, type NoticesDeps } from './notices.js';
import { emailTemplates } from './templates.js';
import { outboxTransport, smtpTransport, type MailTransport } from './transport.js';

export interface EmailServicesDeps {
  config: Pick<Config, 'email' | 'publicUrl' | 'env' | 'money'>;
  db: Db;
  clock: Clock;
  logger: Logger;
  users: UsersRepository;
  sessions: SessionsRepository;
  counters: AttemptCounters;
  hasher: PasswordHasher;
  /** Revokes every API token of a user (a password reset may ask for it); how many were live. */
  revokeApiTokens: (userId: number) => Promise<number>;
  /** Signs unsubscribe links. */
  secret: string;
  personalBalance: NoticesDeps['personalBalance'];
  /** Queues the send job (JobScheduler.scheduleEmail); absent, emails are delivered in the background. */
  schedule?: ((emailId: number) => Promise<void>) | undefined;
  /** Instead of the one config chooses (tests). */
  transport?: MailTransport;
}

/** The email feature in one piece: the composition root builds it once and hands it to routes, jobs and the simulator. */
export function emailServices(deps: EmailServicesDeps) {
  const { config, clock } = deps;
  const logger = deps.logger.child({ component: 'email' });
  const store = emailStore(deps.db);
  const transport = deps.transport ?? (config.email.smtpUrl ? smtpTransport(config.email.smtpUrl) : outboxTransport);
  const templates = emailTemplates({ currency: config.money.currency, publicUrl: config.publicUrl, cache: config.env === 'production' });
  const mailer = createMailer({ store, templates, transport, from: config.email.from, clock, logger, scheduler: () => deps.schedule });
  const notices = emailNotices({ users: deps.users, mailer, clock, logger, publicUrl: config.publicUrl, secret: deps.secret, lowBalanceThresholdMicros: config.money.lowBalanceThresholdMicros, personalBalance: deps.personalBalance });
  const accounts = accountEmailService({
    db: deps.db, users: deps.users, sessions: deps.sessions, tokens: emailTokensRepository(deps.db), counters: deps.counters, hasher: deps.hasher,
    clock, logger, mailer, notices, publicUrl: config.publicUrl, revokeApiTokens: deps.revokeApiTokens,
  });
  return {
    store,
    /** Confirming addresses, password resets, changes of address (src/accounts). */
    accounts,
    transport,
    mailer,
    notices,
    /** The send job's handler. */
    sendEmail: (emailId: number) => mailer.deliver(emailId),
    /** Lets a call's settlement check the low-balance notice (wrap CallsService's onSettled). */
    afterSettlement<T extends { userId: number; accountId?: number | null }>(onSettled?: (call: T) => Promise<void>): (call: T) => Promise<void> {
      return async (call) => {
        await onSettled?.(call);
        // The wallet the call was paid from: a team call's settlement leaves the personal wallet as it was.
        mailer.inBackground(notices.balanceChanged(call.userId, call.accountId));
      };
    },
    /** A notice sent without holding up the change it reports (idle() waits for it); never throws. */
    notifyInBackground(userId: number, kind: NoticeKind, data: Record<string, unknown> = {}): void {
      mailer.inBackground(notices.notify(userId, kind, data));
    },
    /** Waits for background work (deliveries without a scheduler, reset lookups): tests and shutdown. */
    async idle(): Promise<void> {
      await accounts.idle();
      await mailer.idle();
    },
    /** For the simulator's GET /control/emails: the embedded outbox, newest first. */
    outboxJson: async (to?: string) => (await store.outbox({ ...(to ? { to } : {}), limit: 100 })).map(outboxEmailJson),
    usesOutbox: transport.name === 'outbox',
  };
}

export type EmailServices = ReturnType<typeof emailServices>;

/** The http(s) links in an email's text part, in order, each once. */
export function linksIn(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])];
}

export function outboxEmailJson(email: StoredEmail) {
  return { id: email.id, to: email.to, subject: email.subject, text: email.text, html: email.html, links: linksIn(email.text), sentAt: email.sentAt, kind: email.kind };
}
