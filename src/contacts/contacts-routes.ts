import type { PayingAccountOf } from '../accounts/request-paying-account.js';
import type { Request, Response } from 'express';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { parseIdParam } from '../http/id-param.js';
import { pageParam, pagination } from '../http/pagination.js';
import type { ContactFields } from './contact-form.js';
import { contactCard, numberRows } from './contact-view.js';
import { CONTACTS_PER_PAGE, homeCountry, type ContactsService, type ContactsUser } from './contacts-service.js';

const isHtmx = (req: Request) => req.get('hx-request') === 'true';
const MISSING = 'There is no such contact in your address book.';
const LABEL_CHOICES = ['mobile', 'home', 'work', 'main', 'other'];

/**
 * The acting user and the account whose address book they act on: the one place the web routes say it. With the
 * request's paying account (already resolved for the low-balance banner, say) the book is that account, an
 * account the user is a member of; without it, the service resolves the "Pay from" choice itself.
 */
export function contactsActor(payingAccountOf?: PayingAccountOf): (req: Request) => Promise<ContactsUser> {
  return async (req) => {
    const user = req.user!;
    return payingAccountOf ? { userId: user.id, accountId: (await payingAccountOf(req)).accountId } : { userId: user.id, payingAccountId: user.payingAccountId ?? null };
  };
}

export function queryText(value: unknown, max = 60): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);

function formFields(body: Record<string, unknown>): ContactFields {
  return { name: body.name, company: body.company, notes: body.notes, favourite: body.favourite, numbers: list(body.number), labels: list(body.label) };
}

export function contactsRoutes(deps: { contacts: ContactsService; payingAccountOf?: PayingAccountOf }) {
  const { contacts } = deps;
  const actorOf = contactsActor(deps.payingAccountOf);

  async function listModel(req: Request) {
    const q = queryText(req.query.q);
    const page = pageParam(req.query.page);
    const found = await contacts.page(await actorOf(req), q, page);
    const pages = Math.max(1, Math.ceil(found.total / CONTACTS_PER_PAGE));
    return {
      q,
      total: found.total,
      contacts: found.contacts.map(contactCard),
      pagination: pagination('/contacts', (p) => new URLSearchParams({ ...(q ? { q } : {}), ...(p > 1 ? { page: String(p) } : {}) }).toString(), Math.min(page, pages), pages),
    };
  }

  function renderForm(req: Request, res: Response, status: number, model: { id?: number; values: Record<string, unknown>; errors: Record<string, string> }) {
    const v = model.values;
    res.status(status).render('pages/contact-form', {
      title: model.id ? 'Edit contact' : 'New contact',
      action: model.id ? `/contacts/${model.id}` : '/contacts',
      cancel: model.id ? `/contacts/${model.id}` : '/contacts',
      id: model.id,
      values: { name: queryText(v.name, 200), company: queryText(v.company, 200), notes: queryText(v.notes, 4000), favourite: v.favourite === true || v.favourite === '1' || v.favourite === 'on' },
      rows: numberRows({ numbers: list(v.number), labels: list(v.label) }),
      labelChoices: LABEL_CHOICES,
      errors: model.errors,
      errorList: Object.entries(model.errors).map(([field, text]) => ({ href: `#${field}`, text })),
    });
  }

  async function owned(req: Request) {
    const contact = await contacts.find(await actorOf(req), parseIdParam(req.params.id, MISSING));
    if (!contact) throw new HttpError(404, MISSING);
    return contact;
  }

  return {
    /** GET /contacts: the book, 25 a page, filtered by ?q= (the search box works without JavaScript too). */
    async list(req: Request, res: Response) {
      res.render('pages/contacts', { title: 'Contacts', ...(await listModel(req)) });
    },

    /** GET /contacts/search (htmx, debounced): the list's results, or the dial page's (?for=dial) with Call buttons. */
    async search(req: Request, res: Response) {
      // The dial page's box is named cq (its country search already has q).
      const q = queryText(req.query.cq ?? req.query.q);
      const forDial = req.query.for === 'dial';
      if (!isHtmx(req)) return res.redirect(303, forDial ? `/?${new URLSearchParams({ cq: q })}` : `/contacts?${new URLSearchParams({ q })}`);
      if (!forDial) return res.render('partials/contacts-list', await listModel(req));
      const found = q.trim() ? await contacts.search(await actorOf(req), q) : [];
      res.render('partials/contact-results', { q, results: found.map(contactCard) });
    },

    showNew(req: Request, res: Response) {
      // "Save as contact" from a call in the history arrives with ?number=.
      renderForm(req, res, 200, { values: { name: queryText(req.query.name, 100), number: queryText(req.query.number, 40), label: '' }, errors: {} });
    },

    async create(req: Request, res: Response) {
      const result = await contacts.create(await actorOf(req), formFields(req.body ?? {}), homeCountry(req.user!));
      if (!result.ok) return renderForm(req, res, 422, { values: req.body ?? {}, errors: 'errors' in result ? result.errors : {} });
      flash(req, 'success', `${String(req.body.name).trim()} is saved.`);
      res.redirect(303, `/contacts/${result.id}`);
    },

    async show(req: Request, res: Response) {
      const contact = await owned(req);
      res.render('pages/contact', { title: contact.name, contact: contactCard(contact) });
    },

    async showEdit(req: Request, res: Response) {
      const contact = await owned(req);
      renderForm(req, res, 200, { id: contact.id, values: { name: contact.name, company: contact.company, notes: contact.notes, favourite: contact.favourite, number: contact.numbers.map((n) => n.e164), label: contact.numbers.map((n) => n.label) }, errors: {} });
    },

    async update(req: Request, res: Response) {
      const id = parseIdParam(req.params.id, MISSING);
      const result = await contacts.update(await actorOf(req), id, formFields(req.body ?? {}), homeCountry(req.user!));
      if (!result.ok && 'missing' in result) throw new HttpError(404, MISSING);
      if (!result.ok) return renderForm(req, res, 422, { id, values: req.body ?? {}, errors: result.errors });
      flash(req, 'success', 'Contact saved.');
      res.redirect(303, `/contacts/${id}`);
    },

    async favourite(req: Request, res: Response) {
      const id = parseIdParam(req.params.id, MISSING);
      const on = req.body?.favourite === '1';
      if (!(await contacts.setFavourite(await actorOf(req), id, on))) throw new HttpError(404, MISSING);
      flash(req, 'success', on ? 'Added to favourites: it is on the dial page.' : 'Removed from favourites.');
      res.redirect(303, `/contacts/${id}`);
    },

    async confirmDelete(req: Request, res: Response) {
      const contact = await owned(req);
      res.render('pages/contact-delete', { title: `Delete ${contact.name}?`, contact: contactCard(contact) });
    },

    async remove(req: Request, res: Response) {
      const id = parseIdParam(req.params.id, MISSING);
      const actor = await actorOf(req);
      const contact = await contacts.find(actor, id);
      if (!contact || !(await contacts.remove(actor, id))) throw new HttpError(404, MISSING);
      flash(req, 'success', `${contact.name} was deleted.`);
      res.redirect(303, '/contacts');
    },
  };
}
