import type { Knex } from 'knex';
import type { Db } from '../db/database.js';
import { escapeLike } from '../db/like.js';
import type { ImportPlan, PlannedNumber } from './contact-import.js';
import { MAX_NUMBERS, searchTextFor, type SearchTerms } from './contact-text.js';

/**
 * Who is acting on the address book: the user, in the account they act for (their personal account, or the team
 * they pay from). Every read and write below scopes by ownerOf(actor), the account, so an id from another account
 * reads as missing; the user is recorded as who added a contact (owner_account_id). docs/contacts.md.
 */
export interface ContactsActor {
  userId: number;
  accountId: number;
}

export function ownerOf(actor: ContactsActor): number {
  return actor.accountId;
}

export interface ContactNumber {
  label: string;
  e164: string;
}

export interface Contact {
  id: number;
  name: string;
  company: string;
  notes: string;
  favourite: boolean;
  numbers: ContactNumber[];
  createdAt: string;
  updatedAt: string;
}

export interface ContactInput {
  name: string;
  company: string;
  notes: string;
  favourite: boolean;
  numbers: ContactNumber[];
}

interface ContactRow {
  id: number;
  name: string;
  company: string;
  notes: string;
  favourite: number | boolean;
  created_at: string;
  updated_at: string;
}

const COLUMNS = ['id', 'name', 'company', 'notes', 'favourite', 'created_at', 'updated_at'];

export function contactsRepository(db: Db) {
  /** The numbers of several contacts in one query (a page of results never costs a query per contact). */
  async function withNumbers(rows: ContactRow[], q: Knex = db): Promise<Contact[]> {
    if (rows.length === 0) return [];
    const numbers = await q('contact_numbers').whereIn('contact_id', rows.map((r) => r.id)).orderBy([{ column: 'contact_id' }, { column: 'position' }]).select('contact_id', 'label', 'e164');
    const byContact = new Map<number, ContactNumber[]>();
    for (const n of numbers as Array<{ contact_id: number; label: string; e164: string }>) {
      const list = byContact.get(Number(n.contact_id)) ?? [];
      list.push({ label: n.label, e164: n.e164 });
      byContact.set(Number(n.contact_id), list);
    }
    return rows.map((r) => ({
      id: Number(r.id), name: r.name, company: r.company, notes: r.notes, favourite: Boolean(r.favourite),
      numbers: byContact.get(Number(r.id)) ?? [], createdAt: r.created_at, updatedAt: r.updated_at,
    }));
  }

  /**
   * Two steps: the ids of one page, read from the (owner_account_id, search_text, id) index alone (a substring search
   * scans index entries, never table rows: PostgreSQL otherwise walks the table in index order, row by row), then
   * those rows. Returns them in list order.
   */
  async function pageOf(owner: number, terms: SearchTerms, offset: number, limit: number): Promise<Contact[]> {
    const ids = (await matching(owner, terms).select('id').orderBy([{ column: 'search_text' }, { column: 'id' }]).limit(limit).offset(offset)).map((r: { id: number }) => Number(r.id));
    if (ids.length === 0) return [];
    const rows = (await db('contacts').whereIn('id', ids).select(COLUMNS)) as ContactRow[];
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    return withNumbers(ids.map((id) => byId.get(id)!).filter(Boolean));
  }

  /** The owner's contacts matching a search (name/company substring, or digits in a number), in list order. */
  function matching(owner: number, terms: SearchTerms, q: Knex = db) {
    const query = q('contacts').where('owner_account_id', owner);
    if (terms.digits) {
      query.whereIn('id', q('contact_numbers').select('contact_id').where('owner_account_id', owner).andWhereRaw(`digits like ? escape '\\'`, [`%${escapeLike(terms.digits)}%`]));
    } else if (terms.text) {
      query.andWhereRaw(`search_text like ? escape '\\'`, [`%${escapeLike(terms.text)}%`]);
    }
    return query;
  }

  async function writeNumbers(trx: Knex.Transaction, actor: ContactsActor, contactId: number, numbers: readonly PlannedNumber[], from = 0) {
    if (numbers.length === 0) return;
    await trx('contact_numbers').insert(numbers.map((n, i) => ({ contact_id: contactId, owner_account_id: ownerOf(actor), owner_user_id: actor.userId, label: n.label, e164: n.e164, digits: n.e164.replace(/^\+/, ''), position: from + i })));
  }

  async function insertContact(trx: Knex.Transaction, actor: ContactsActor, input: ContactInput, now: string): Promise<number> {
    const [row] = await trx('contacts')
      .insert({ owner_account_id: ownerOf(actor), owner_user_id: actor.userId, name: input.name, company: input.company, notes: input.notes, favourite: input.favourite, search_text: searchTextFor(input.name, input.company), created_at: now, updated_at: now })
      .returning('id');
    const id = Number(typeof row === 'object' ? row.id : row);
    await writeNumbers(trx, actor, id, input.numbers.slice(0, MAX_NUMBERS));
    return id;
  }

  return {
    async page(actor: ContactsActor, terms: SearchTerms, page: number, perPage: number): Promise<{ contacts: Contact[]; total: number }> {
      const owner = ownerOf(actor);
      const [counted, contacts] = await Promise.all([matching(owner, terms).count({ n: '*' }).first() as Promise<{ n: number | string } | undefined>, pageOf(owner, terms, (page - 1) * perPage, perPage)]);
      return { contacts, total: Number(counted?.n ?? 0) };
    },

    /** A slice of the list in its order (the API's pages). */
    async range(actor: ContactsActor, terms: SearchTerms, offset: number, limit: number): Promise<Contact[]> {
      return pageOf(ownerOf(actor), terms, offset, limit);
    },

    /**
     * Search-as-you-type: the first `limit` matches by name. In the index's own order, so the scan stops at the
     * tenth match instead of sorting every match (favourites have their own list on the dial page).
     */
    async search(actor: ContactsActor, terms: SearchTerms, limit: number): Promise<Contact[]> {
      return pageOf(ownerOf(actor), terms, 0, limit);
    },

    async favourites(actor: ContactsActor, limit: number): Promise<Contact[]> {
      const rows = await db('contacts').where({ owner_account_id: ownerOf(actor), favourite: true }).select(COLUMNS).orderBy([{ column: 'search_text' }, { column: 'id' }]).limit(limit);
      return withNumbers(rows);
    },

    async find(actor: ContactsActor, id: number, q: Knex = db): Promise<Contact | undefined> {
      const row = await q('contacts').where({ id, owner_account_id: ownerOf(actor) }).first(COLUMNS);
      return row ? (await withNumbers([row], q))[0] : undefined;
    },

    /** Which of these numbers are taken, and by which contact (the form names the contact in its error). */
    async owners(actor: ContactsActor, e164s: readonly string[], q: Knex = db): Promise<Map<string, { contactId: number; name: string }>> {
      if (e164s.length === 0) return new Map();
      const rows = (await q('contact_numbers as n').join('contacts as c', 'c.id', 'n.contact_id').where('n.owner_account_id', ownerOf(actor)).whereIn('n.e164', [...new Set(e164s)]).select('n.e164', 'c.id', 'c.name')) as Array<{ e164: string; id: number; name: string }>;
      return new Map(rows.map((r) => [r.e164, { contactId: Number(r.id), name: r.name }]));
    },

    async create(actor: ContactsActor, input: ContactInput, now: string, trx: Knex.Transaction): Promise<number> {
      return insertContact(trx, actor, input, now);
    },

    async update(actor: ContactsActor, id: number, input: ContactInput, now: string, trx: Knex.Transaction): Promise<boolean> {
      const owner = ownerOf(actor);
      const changed = await trx('contacts').where({ id, owner_account_id: owner }).update({ name: input.name, company: input.company, notes: input.notes, favourite: input.favourite, search_text: searchTextFor(input.name, input.company), updated_at: now });
      if (!changed) return false;
      await trx('contact_numbers').where({ contact_id: id }).delete();
      await writeNumbers(trx, actor, id, input.numbers.slice(0, MAX_NUMBERS));
      return true;
    },

    async setFavourite(actor: ContactsActor, id: number, favourite: boolean, now: string): Promise<boolean> {
      return (await db('contacts').where({ id, owner_account_id: ownerOf(actor) }).update({ favourite, updated_at: now })) > 0;
    },

    async remove(actor: ContactsActor, id: number): Promise<boolean> {
      return db.transaction(async (trx) => {
        const owner = ownerOf(actor);
        if (!(await trx('contacts').where({ id, owner_account_id: owner }).first('id'))) return false;
        await trx('contact_numbers').where({ contact_id: id }).delete();
        await trx('contacts').where({ id, owner_account_id: owner }).delete();
        return true;
      });
    },

    /**
     * Names for a page of calls: one indexed lookup on (owner_account_id, e164) for all the page's numbers, so the
     * history costs one query more, whatever its length.
     */
    async namesForNumbers(actor: ContactsActor, e164s: readonly string[]): Promise<Map<string, { contactId: number; name: string }>> {
      return this.owners(actor, e164s);
    },

    /** Every number in the book with its contact: what an import merges against. */
    async bookNumbers(actor: ContactsActor, q: Knex = db): Promise<Map<string, number>> {
      const rows = (await q('contact_numbers').where('owner_account_id', ownerOf(actor)).select('e164', 'contact_id')) as Array<{ e164: string; contact_id: number }>;
      return new Map(rows.map((r) => [r.e164, Number(r.contact_id)]));
    },

    /** Applies an import plan; the caller runs it in the transaction that re-planned it against the book. */
    async applyPlan(actor: ContactsActor, plan: ImportPlan, now: string, trx: Knex.Transaction): Promise<void> {
      const owner = ownerOf(actor);
      for (const c of plan.added) await insertContact(trx, actor, c, now);
      for (const m of plan.merged) {
        const row = await trx('contacts').where({ id: m.contactId, owner_account_id: owner }).first('company', 'notes', 'favourite', 'name');
        if (!row) continue;
        const [{ n } = { n: 0 }] = (await trx('contact_numbers').where('contact_id', m.contactId).count({ n: '*' })) as Array<{ n: number | string }>;
        const room = Math.max(0, MAX_NUMBERS - Number(n));
        await writeNumbers(trx, actor, m.contactId, m.numbers.slice(0, room), Number(n));
        const company = row.company || m.company;
        await trx('contacts').where({ id: m.contactId }).update({ company, notes: row.notes || m.notes, favourite: Boolean(row.favourite) || m.favourite, search_text: searchTextFor(row.name, company), updated_at: now });
      }
    },

    /** The whole book in list order, in batches (export). */
    async *batches(actor: ContactsActor, batch = 1000): AsyncGenerator<Contact[]> {
      const owner = ownerOf(actor);
      for (let offset = 0; ; offset += batch) {
        const rows = await db('contacts').where('owner_account_id', owner).select(COLUMNS).orderBy([{ column: 'search_text' }, { column: 'id' }]).limit(batch).offset(offset);
        if (rows.length) yield await withNumbers(rows);
        if (rows.length < batch) return;
      }
    },

    async savePreview(actor: ContactsActor, token: string, fileName: string, payload: string, now: string): Promise<void> {
      const owner = ownerOf(actor);
      const hourAgo = previewsExpireBefore(now);
      await db.transaction(async (trx) => {
        await trx('contact_import_previews').where('owner_account_id', owner).andWhere('created_at', '<', hourAgo).delete();
        await trx('contact_import_previews').insert({ token, owner_account_id: owner, owner_user_id: actor.userId, file_name: fileName.slice(0, 200), payload, created_at: now });
      });
    },

    async loadPreview(actor: ContactsActor, token: string, now: string, q: Knex = db): Promise<{ fileName: string; payload: string } | undefined> {
      const hourAgo = previewsExpireBefore(now);
      const row = await q('contact_import_previews').where({ token, owner_account_id: ownerOf(actor) }).andWhere('created_at', '>=', hourAgo).first('file_name', 'payload');
      return row ? { fileName: row.file_name, payload: row.payload } : undefined;
    },

    /** Every account's expired previews (an upload nobody confirmed holds the file's names and numbers). */
    async deleteExpiredPreviews(now: string): Promise<number> {
      return db('contact_import_previews').where('created_at', '<', previewsExpireBefore(now)).delete();
    },

    /** Single use: true only for the one confirmation that removed it. */
    async takePreview(actor: ContactsActor, token: string, trx: Knex.Transaction): Promise<boolean> {
      return (await trx('contact_import_previews').where({ token, owner_account_id: ownerOf(actor) }).delete()) > 0;
    },

    transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
      return db.transaction(work);
    },
  };
}

export type ContactsRepository = ReturnType<typeof contactsRepository>;

/** An import preview can be confirmed for an hour after its upload. */
const PREVIEW_LIFETIME_MS = 3_600_000;
const previewsExpireBefore = (now: string) => new Date(Date.parse(now) - PREVIEW_LIFETIME_MS).toISOString();
