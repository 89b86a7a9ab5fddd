import type { Db } from '../db/database.js';

export type EmailStatus = 'queued' | 'sent' | 'failed';
export type TransportName = 'smtp' | 'outbox';

export interface StoredEmail {
  id: number;
  userId: number | null;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  status: EmailStatus;
  transport: TransportName;
  attempts: number;
  lastError: string | null;
  messageId: string | null;
  createdAt: string;
  sentAt: string | null;
}

interface EmailRow {
  id: number;
  user_id: number | null;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  headers: string;
  status: EmailStatus;
  transport: TransportName;
  attempts: number | string;
  last_error: string | null;
  message_id: string | null;
  created_at: string;
  sent_at: string | null;
}

function toEmail(row: EmailRow): StoredEmail {
  return {
    id: Number(row.id),
    userId: row.user_id === null ? null : Number(row.user_id),
    kind: row.kind,
    to: row.to_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    headers: JSON.parse(row.headers) as Record<string, string>,
    status: row.status,
    transport: row.transport,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    messageId: row.message_id,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export interface NewEmail {
  userId: number | null;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  transport: TransportName;
}

/** The emails table: the send queue, the delivery log admins read, and (without SMTP) the outbox itself. */
export function emailStore(db: Db) {
  return {
    async insert(email: NewEmail, now: string): Promise<number> {
      const [row] = (await db('emails')
        .insert({
          user_id: email.userId,
          kind: email.kind,
          to_address: email.to,
          subject: email.subject,
          text_body: email.text,
          html_body: email.html,
          headers: JSON.stringify(email.headers),
          transport: email.transport,
          status: 'queued',
          attempts: 0,
          created_at: now,
        })
        .returning('id')) as Array<{ id: number } | number>;
      return Number(typeof row === 'object' ? row.id : row);
    },

    async find(id: number): Promise<StoredEmail | undefined> {
      const row = (await db('emails').where({ id }).first()) as EmailRow | undefined;
      return row && toEmail(row);
    },

    /** Counts an attempt on a queued email; undefined when it is no longer queued (sent or given up). */
    async startAttempt(id: number): Promise<number | undefined> {
      const changed = await db('emails').where({ id, status: 'queued' }).increment('attempts', 1);
      if (changed !== 1) return undefined;
      const row = (await db('emails').where({ id }).first('attempts')) as { attempts: number | string } | undefined;
      return Number(row?.attempts ?? 0);
    },

    async markSent(id: number, at: string, messageId: string | null): Promise<void> {
      await db('emails').where({ id, status: 'queued' }).update({ status: 'sent', sent_at: at, message_id: messageId, last_error: null });
    },

    async recordFailure(id: number, error: string, giveUp: boolean): Promise<void> {
      await db('emails').where({ id, status: 'queued' }).update({ last_error: error.slice(0, 2000), ...(giveUp ? { status: 'failed' } : {}) });
    },

    /** Newest first: the outbox (what the embedded outbox delivered), optionally for one address. */
    async outbox(options: { to?: string; limit?: number } = {}): Promise<StoredEmail[]> {
      let query = db('emails').where({ transport: 'outbox', status: 'sent' }).orderBy('id', 'desc').limit(options.limit ?? 50);
      if (options.to) query = query.where({ to_address: options.to.toLowerCase() });
      return ((await query) as EmailRow[]).map(toEmail);
    },

    /** Newest first, a page before an id: the admins' delivery log. */
    async page(options: { status?: EmailStatus; beforeId?: number; limit: number }): Promise<StoredEmail[]> {
      let query = db('emails').orderBy('id', 'desc').limit(options.limit);
      if (options.status) query = query.where({ status: options.status });
      if (options.beforeId) query = query.where('id', '<', options.beforeId);
      return ((await query) as EmailRow[]).map(toEmail);
    },

    async countByStatus(): Promise<Record<EmailStatus, number>> {
      const rows = (await db('emails').select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: EmailStatus; n: number | string }>;
      const counts: Record<EmailStatus, number> = { queued: 0, sent: 0, failed: 0 };
      for (const row of rows) counts[row.status] = Number(row.n);
      return counts;
    },
  };
}

export type EmailStore = ReturnType<typeof emailStore>;
