import type { Request, Response } from 'express';
import type { Contact } from '../contacts/contacts-repository.js';
import type { ContactsUser } from '../contacts/contacts-service.js';
import { homeCountry, type ContactsService } from '../contacts/contacts-service.js';
import { MAX_ID } from '../http/id-param.js';
import { accountIdOf } from './api-account.js';
import { ApiError } from './api-errors.js';
import { sendJson } from './api-http.js';

/** A contact as the API shows it (the OpenAPI "Contact" schema). */
function apiContact(contact: Contact, publicUrl: string) {
  return {
    id: contact.id,
    name: contact.name,
    company: contact.company,
    notes: contact.notes,
    favourite: contact.favourite,
    numbers: contact.numbers.map((n) => ({ label: n.label, e164: n.e164 })),
    createdAt: contact.createdAt,
    updatedAt: contact.updatedAt,
    links: { self: `${publicUrl}/api/v1/contacts/${contact.id}`, page: `${publicUrl}/contacts/${contact.id}` },
  };
}

/** A token acts for one account (api_tokens.account_id): it reaches that account's address book, personal or the team's. */
function actorOf(req: Request): ContactsUser {
  return { userId: req.apiCaller!.user.id, accountId: accountIdOf(req) };
}

function contactId(value: unknown): number {
  const id = typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id > MAX_ID) throw new ApiError('not_found', 'You have no contact with this id.');
  return id;
}

const BODY_FIELDS = new Set(['name', 'company', 'notes', 'favourite', 'numbers']);
const WRITE_SCOPE = 'This token is read-only: create a token with the "calls" scope to change contacts.';

function parseBody(body: unknown) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('invalid_request', 'Send a JSON object like {"name": "Alice", "numbers": [{"number": "+442079460958", "label": "mobile"}]}.');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !BODY_FIELDS.has(k));
  if (unknown) throw new ApiError('invalid_request', `Unknown field ${JSON.stringify(unknown)}: send name, numbers and, optionally, company, notes and favourite.`);
  for (const name of ['name', 'company', 'notes'] as const) if (fields[name] !== undefined && typeof fields[name] !== 'string') throw new ApiError('invalid_request', `"${name}" must be a string.`);
  if (fields.favourite !== undefined && typeof fields.favourite !== 'boolean') throw new ApiError('invalid_request', '"favourite" must be true or false.');
  if (!Array.isArray(fields.numbers) || fields.numbers.length === 0) throw new ApiError('invalid_request', '"numbers" must be a list of {"number", "label"} objects, at least one.');
  const numbers: string[] = [];
  const labels: string[] = [];
  fields.numbers.forEach((n: unknown, i) => {
    const entry = n as Record<string, unknown> | null;
    if (!entry || typeof entry !== 'object' || typeof entry.number !== 'string' || (entry.label !== undefined && typeof entry.label !== 'string')) {
      throw new ApiError('invalid_request', `numbers[${i}] must be {"number": "+44…", "label": "mobile"} with strings.`);
    }
    // An empty number would be skipped like an empty form row; through the API it is a mistake, so it is named.
    if (!entry.number.trim()) throw new ApiError('invalid_request', `numbers[${i}].number is empty.`);
    numbers.push(entry.number);
    labels.push((entry.label as string | undefined) ?? '');
  });
  return { name: fields.name, company: fields.company, notes: fields.notes, favourite: fields.favourite === true, numbers, labels };
}

/** Names a form error as the API's field: "number-2" → numbers[2]. */
function fieldName(key: string): string {
  const row = /^number-(\d+)$/.exec(key);
  return row ? `numbers[${row[1]}].number` : key;
}

export function apiContactHandlers(deps: { contacts: ContactsService; publicUrl: string }) {
  const { contacts, publicUrl } = deps;
  const show = (c: Contact) => apiContact(c, publicUrl);

  return {
    async list(req: Request, res: Response) {
      for (const name of Object.keys(req.query)) if (!['q', 'cursor', 'limit'].includes(name)) throw new ApiError('invalid_request', `Unknown parameter "${name}": use q, cursor and limit.`);
      const q = req.query.q;
      if (q !== undefined && (typeof q !== 'string' || q.length > 60)) throw new ApiError('invalid_request', '"q" must be given once, at most 60 characters.');
      const limitText = req.query.limit;
      const limit = limitText === undefined ? 25 : typeof limitText === 'string' && /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
      if (!(limit >= 1 && limit <= 100)) throw new ApiError('invalid_request', '"limit" must be a whole number from 1 to 100.');
      const cursorText = req.query.cursor;
      const offset = cursorText === undefined ? 0 : typeof cursorText === 'string' && /^o[1-9]\d{0,8}$/.test(cursorText) ? Number(cursorText.slice(1)) : NaN;
      if (!Number.isSafeInteger(offset)) throw new ApiError('invalid_request', '"cursor" is not one we gave: pass nextCursor from the previous page.');
      const found = await contacts.range(actorOf(req), typeof q === 'string' ? q : '', offset, limit + 1);
      sendJson(res, { data: found.slice(0, limit).map(show), nextCursor: found.length > limit ? `o${offset + limit}` : null });
    },

    async get(req: Request, res: Response) {
      const contact = await contacts.find(actorOf(req), contactId(req.params.id));
      if (!contact) throw new ApiError('not_found', 'You have no contact with this id.');
      sendJson(res, show(contact));
    },

    async create(req: Request, res: Response) {
      if (req.apiCaller!.token.scope !== 'calls') throw new ApiError('insufficient_scope', WRITE_SCOPE);
      const result = await contacts.create(actorOf(req), parseBody(req.body), homeCountry(req.apiCaller!.user));
      if (!result.ok) {
        const [key, message] = Object.entries('errors' in result ? result.errors : {})[0] ?? ['name', 'The contact could not be saved.'];
        throw new ApiError(/already saved|just saved/.test(message) ? 'contact_number_taken' : 'invalid_request', `${fieldName(key)}: ${message}`);
      }
      const contact = (await contacts.find(actorOf(req), result.id))!;
      res.location(`${publicUrl}/api/v1/contacts/${contact.id}`);
      sendJson(res, show(contact), 201);
    },

    async remove(req: Request, res: Response) {
      if (req.apiCaller!.token.scope !== 'calls') throw new ApiError('insufficient_scope', WRITE_SCOPE);
      if (!(await contacts.remove(actorOf(req), contactId(req.params.id)))) throw new ApiError('not_found', 'You have no contact with this id.');
      res.status(204).end();
    },
  };
}
