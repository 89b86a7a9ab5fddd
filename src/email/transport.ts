import type nodemailer from 'nodemailer';
import { loadOnDemand } from '../shared/load-on-demand.js';
import type { TransportName } from './email-store.js';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Where a queued email goes: a mail server, or nowhere further (the emails table is the outbox). */
export interface MailTransport {
  readonly name: TransportName;
  send(mail: OutgoingMail): Promise<{ messageId: string | null }>;
  close(): void;
}

/** SMTP through nodemailer; a server that does not answer within the timeouts fails the attempt (it is retried). */
export function smtpTransport(url: string): MailTransport {
  const { createTransport } = loadOnDemand('nodemailer') as typeof nodemailer;
  const transporter = createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    name: 'smtp',
    async send(mail) {
      const info = (await transporter.sendMail(mail)) as { messageId?: string };
      return { messageId: info.messageId ?? null };
    },
    close: () => transporter.close(),
  };
}

/** No SMTP_URL: the message stays in the emails table, which /outbox and GET /control/emails read. */
export const outboxTransport: MailTransport = {
  name: 'outbox',
  send: async () => ({ messageId: null }),
  close: () => undefined,
};
