import { parseIdParam } from '../http/id-param.js';
import type { Request, Response } from 'express';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import type { EmailNotices } from './notices.js';
import type { EmailStatus, EmailStore } from './email-store.js';
import { linksIn } from './email-services.js';
import { formatEmailDate } from './templates.js';

const STATUSES: readonly string[] = ['queued', 'sent', 'failed'];
const STATUS_TEXT: Record<EmailStatus, string> = { queued: 'Waiting', sent: 'Sent', failed: 'Failed' };
const PAGE = 50;

/** The text part cut into plain text and links, so the outbox page can make the links clickable without raw HTML. */
function textParts(text: string): Array<{ text: string; href?: string }> {
  const parts: Array<{ text: string; href?: string }> = [];
  let rest = text;
  for (const link of linksIn(text)) {
    for (;;) {
      const at = rest.indexOf(link);
      if (at < 0) break;
      if (at > 0) parts.push({ text: rest.slice(0, at) });
      parts.push({ text: link, href: link });
      rest = rest.slice(at + link.length);
    }
  }
  if (rest) parts.push({ text: rest });
  return parts;
}

/** /outbox (simulation mode, no SMTP) and /admin/emails (deliveries and failures). */
export function emailRoutes({ store, transportName, notices }: { store: EmailStore; transportName: string; notices: EmailNotices }) {
  return {
    async showNotices(req: Request, res: Response) {
      res.render('pages/notices', { title: 'Email preferences', settings: await notices.preferences(req.user!.id) });
    },

    async saveNotices(req: Request, res: Response) {
      const raw: unknown = req.body?.on;
      const on = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : typeof raw === 'string' ? [raw] : [];
      await notices.setPreferences(req.user!.id, on);
      flash(req, 'success', 'Your email preferences are saved.');
      res.redirect(303, '/account/notices');
    },

    showUnsubscribe(req: Request, res: Response) {
      const link = notices.verifyUnsubscribe(req.query);
      if (!link) throw new HttpError(404, 'This unsubscribe link is not valid.');
      res.render('pages/unsubscribe', { title: 'Unsubscribe', query: req.query, label: link.setting });
    },

    /** One-click (RFC 8058) from a mail client, or the button on the page above: the signed link is the authority. */
    async unsubscribe(req: Request, res: Response) {
      const link = notices.verifyUnsubscribe({ ...req.query, ...(req.body ?? {}) });
      if (!link) throw new HttpError(404, 'This unsubscribe link is not valid.');
      await notices.switchOff(link.userId, link.setting);
      if (req.get('content-type')?.includes('application/x-www-form-urlencoded') && req.body?.['List-Unsubscribe'] === 'One-Click') return res.status(200).type('text').send('Unsubscribed.');
      res.render('pages/unsubscribe', { title: 'Unsubscribed', done: true, label: link.setting });
    },

    async outbox(req: Request, res: Response) {
      const to = typeof req.query.to === 'string' ? req.query.to : undefined;
      const emails = await store.outbox({ ...(to ? { to } : {}), limit: 50 });
      res.render('pages/outbox', {
        title: 'Outbox',
        emails: emails.map((e) => ({ id: e.id, to: e.to, subject: e.subject, sentAt: e.sentAt, sentAtText: e.sentAt ? formatEmailDate(e.sentAt) : '', parts: textParts(e.text) })),
      });
    },

    /** The HTML part as the recipient would see it, sandboxed: no scripts, no requests beyond its own links. */
    async outboxHtml(req: Request, res: Response) {
      const email = await store.find(parseIdParam(req.params.id, 'There is no such email in the outbox.'));
      if (!email || email.transport !== 'outbox') throw new HttpError(404, 'There is no such email in the outbox.');
      res.set('Content-Security-Policy', "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      res.type('html').send(email.html);
    },

    async admin(req: Request, res: Response) {
      const status = typeof req.query.status === 'string' && STATUSES.includes(req.query.status) ? (req.query.status as EmailStatus) : undefined;
      const before = Number(req.query.before);
      const rows = await store.page({ ...(status ? { status } : {}), ...(Number.isSafeInteger(before) && before > 0 ? { beforeId: before } : {}), limit: PAGE + 1 });
      const emails = rows.slice(0, PAGE);
      const last = emails.at(-1);
      const nextHref = rows.length > PAGE && last ? `/admin/emails?${new URLSearchParams({ ...(status ? { status } : {}), before: String(last.id) }).toString()}` : undefined;
      res.render('pages/admin-emails', {
        title: 'Emails',
        status,
        transport: transportName === 'smtp' ? 'SMTP' : 'the embedded outbox',
        counts: await store.countByStatus(),
        emails: emails.map((e) => ({ ...e, createdAtText: formatEmailDate(e.createdAt).replace(' UTC', ''), statusText: e.status === 'queued' && e.attempts > 0 ? `Retrying (${e.attempts} failed)` : STATUS_TEXT[e.status] })),
        nextHref,
      });
    },
  };
}
