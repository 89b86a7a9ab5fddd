import { Eta } from 'eta';
import { formatMoney } from '../money/currency.js';
import { viewsDir } from '../paths.js';

/** Every email the product sends; its subject, and whether the user may switch it off (see NOTICE_SETTINGS). */
export const EMAIL_KINDS = {
  'confirm-email': { subject: () => 'Confirm your email address' },
  'signup-attempt': { subject: () => 'Someone tried to sign up with your address' },
  'reset-password': { subject: () => 'Reset your callbridge password' },
  'change-email-confirm': { subject: () => 'Confirm your new email address' },
  'email-changed': { subject: () => 'Your callbridge email address was changed' },
  'password-changed': { subject: () => 'Your callbridge password was changed' },
  'api-token-created': { subject: () => 'A new API token was created on your account' },
  'low-balance': { subject: () => 'Your callbridge balance is low' },
  'top-up-receipt': { subject: () => 'Receipt: your callbridge top-up' },
  refund: { subject: () => 'Your callbridge refund' },
  'auto-top-up-failed': { subject: () => 'Automatic top-up failed' },
  'team-invitation': { subject: () => 'You are invited to a team on callbridge' },
} as const;

export type EmailKind = keyof typeof EMAIL_KINDS;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** "2026-12-06 21:40 UTC": how the pages show times. */
export function formatEmailDate(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Eta templates views/email/<kind>.text.eta and <kind>.html.eta (the HTML one inside views/email/layout.html.eta),
 * with the pages' money and date formatting. The text part has autoescaping off: it is not HTML.
 */
export function emailTemplates(options: { currency: string; publicUrl: string; cache: boolean }) {
  const html = new Eta({ views: viewsDir, cache: options.cache, autoEscape: true, autoTrim: false });
  const text = new Eta({ views: viewsDir, cache: options.cache, autoEscape: false, autoTrim: false });
  const helpers = {
    publicUrl: options.publicUrl,
    money: (micros: number) => formatMoney(micros, options.currency),
    date: formatEmailDate,
  };
  return {
    render(kind: EmailKind, data: Record<string, unknown>): RenderedEmail {
      const it = { ...helpers, ...data };
      const subject = EMAIL_KINDS[kind].subject();
      return { subject, text: text.render(`email/${kind}.text.eta`, it).trim() + '\n', html: html.render(`email/${kind}.html.eta`, { ...it, subject }) };
    },
  };
}

export type EmailTemplates = ReturnType<typeof emailTemplates>;
