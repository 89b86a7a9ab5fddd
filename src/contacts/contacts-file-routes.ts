import type { Request, Response } from 'express';
import { readFile } from 'node:fs/promises';
import { validCsrfToken } from '../http/csrf.js';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { receiveUpload } from '../http/multipart.js';
import { contactsCsv } from './contact-csv.js';
import type { ExportContact } from './contact-file.js';
import { vcards } from './contact-vcard.js';
import type { PayingAccountOf } from '../accounts/request-paying-account.js';
import { contactsActor } from './contacts-routes.js';
import { homeCountry, type ContactsService } from './contacts-service.js';

const MAX_UPLOAD_BYTES = 5_000_000;
/** Rows of each kind the preview lists; its counts are always complete. */
const LISTED = 200;
const CSRF_REFUSED = 'Your session expired or the form was sent from another page. Reload the page and try again.';
const TOKEN = /^[\w-]{24}$/;
const PREVIEW_GONE = 'There is no such import preview: it was already applied, is over an hour old, or is not yours. Nothing changed; choose the file again from Contacts → Import.';

/** Import (upload → preview → confirm) and export of the address book, CSV and vCard. */
export function contactsFileRoutes(deps: { contacts: ContactsService; payingAccountOf?: PayingAccountOf }) {
  const { contacts } = deps;
  const actorOf = contactsActor(deps.payingAccountOf);

  function renderUpload(res: Response, status: number, error?: string) {
    res.status(status).render('pages/contacts-import', { title: 'Import contacts', error, maxMb: MAX_UPLOAD_BYTES / 1_000_000 });
  }

  async function exportAs(req: Request, res: Response, kind: 'csv' | 'vcf') {
    const all: ExportContact[] = [];
    for await (const batch of contacts.all(await actorOf(req))) all.push(...batch);
    const day = new Date().toISOString().slice(0, 10);
    if (kind === 'csv') {
      res.type('text/csv; charset=utf-8').attachment(`callbridge-contacts-${day}.csv`).send(contactsCsv(all));
    } else {
      const version = req.query.version === '4.0' ? '4.0' : '3.0';
      res.type('text/vcard; charset=utf-8').attachment(`callbridge-contacts-${day}.vcf`).send(vcards(all, version));
    }
  }

  return {
    showImport(_req: Request, res: Response) {
      renderUpload(res, 200);
    },

    /** Reads the file and stores a preview; the book changes only when the preview is confirmed. */
    async upload(req: Request, res: Response) {
      const upload = await receiveUpload(req, {
        fileField: 'file',
        maxBytes: MAX_UPLOAD_BYTES,
        beforeFile: (fields) => {
          if (!validCsrfToken(req, fields._csrf)) throw new HttpError(403, CSRF_REFUSED);
        },
      });
      try {
        if (!validCsrfToken(req, upload.fields._csrf)) throw new HttpError(403, CSRF_REFUSED);
        if (!upload.file || upload.file.bytes === 0) return renderUpload(res, 422, 'Choose a contacts file (CSV or vCard) to import.');
        const text = await readFile(upload.file.path, 'utf8');
        if (text.includes('\u0000')) return renderUpload(res, 422, 'This file is not text: export your contacts as CSV or vCard (.vcf) and choose that file.');
        const preview = await contacts.previewImport(await actorOf(req), upload.file.name, text, homeCountry(req.user!));
        res.redirect(303, `/contacts/import/${preview.token}`);
      } finally {
        await upload.discard();
      }
    },

    async showPreview(req: Request, res: Response) {
      const token = String(req.params.token);
      const preview = TOKEN.test(token) ? await contacts.showImport(await actorOf(req), token) : undefined;
      // Another user's token reads as missing, like any other object of theirs.
      if (!preview) throw new HttpError(404, PREVIEW_GONE);
      const { plan } = preview;
      res.render('pages/contacts-import-preview', {
        title: 'Import preview',
        token,
        fileName: preview.fileName,
        format: preview.format === 'vcard' ? 'vCard' : 'CSV',
        counts: { added: plan.added.length, merged: plan.merged.length, invalid: plan.invalid.length },
        added: plan.added.slice(0, LISTED).map((c) => ({ line: c.line, name: c.name, numbers: c.numbers.map((n) => n.e164).join(', ') })),
        merged: plan.merged.slice(0, LISTED).map((m) => ({ line: m.line, name: m.name, numbers: m.numbers.map((n) => n.e164).join(', ') })),
        invalid: plan.invalid.slice(0, LISTED),
        listed: LISTED,
      });
    },

    async apply(req: Request, res: Response) {
      const token = String(req.params.token);
      const plan = TOKEN.test(token) ? await contacts.applyImport(await actorOf(req), token) : undefined;
      if (!plan) throw new HttpError(404, PREVIEW_GONE);
      flash(req, 'success', `Contacts imported: ${plan.added.length} added, ${plan.merged.length} merged by number${plan.invalid.length ? `, ${plan.invalid.length} lines skipped` : ''}.`);
      res.redirect(303, '/contacts');
    },

    exportCsv: (req: Request, res: Response) => exportAs(req, res, 'csv'),
    exportVcard: (req: Request, res: Response) => exportAs(req, res, 'vcf'),
  };
}
