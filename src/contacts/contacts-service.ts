import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { readPhoneCountry, type AllowedNumberTypes } from '../rating/phone.js';
import { parseContactsCsv } from './contact-csv.js';
import { looksLikeVcard, type ParsedFile } from './contact-file.js';
import { parseContactFields, type ContactFields, type FieldErrors } from './contact-form.js';
import { planImport, type ImportPlan } from './contact-import.js';
import { searchTerms } from './contact-text.js';
import { parseVcards } from './contact-vcard.js';
import type { Contact, ContactsActor, ContactsRepository } from './contacts-repository.js';

export const CONTACTS_PER_PAGE = 25;
export const SEARCH_RESULTS = 10;
const FAVOURITES_ON_DIAL = 12;

export type SaveResult = { ok: true; id: number } | { ok: false; errors: FieldErrors } | { ok: false; missing: true };

/** The country national numbers are read in: the user's verified phone's, else none (a + is then needed). */
export function homeCountry(user: { phoneE164: string | null }): string | undefined {
  if (!user.phoneE164) return undefined;
  return readPhoneCountry(user.phoneE164);
}

export interface ImportPreview {
  token: string;
  fileName: string;
  format: ParsedFile['format'];
  plan: ImportPlan;
}

/**
 * Who acts on the address book, as the routes know it: the user and their remembered "Pay from" choice (read with
 * the session; undefined: read it from the users row, as the API does). The book is the account they act in: the chosen team while they are its member, else their personal
 * account. `accountId` names the account outright (the team page's calls, which are already scoped to a team).
 */
export interface ContactsUser {
  userId: number;
  payingAccountId?: number | null | undefined;
  accountId?: number | undefined;
}

/**
 * The address book: every call takes the acting user, resolved to the account they act in (`accountFor`: the paying
 * accounts' chosen one); the repository scopes each read and write by that account.
 */
export function contactsService(deps: { repo: ContactsRepository; clock: Clock; allowedNumberTypes?: AllowedNumberTypes; accountFor: (userId: number, remembered: number | null | undefined) => Promise<number> }) {
  const { repo, clock, allowedNumberTypes } = deps;
  const now = () => clock.now().toISOString();
  const as = async (user: ContactsUser): Promise<ContactsActor> => ({ userId: user.userId, accountId: user.accountId ?? (await deps.accountFor(user.userId, user.payingAccountId)) });

  /** Numbers another contact of the book already has: named in the form's error for that row. */
  async function takenNumbers(actor: ContactsActor, numbers: Array<{ e164: string }>, rows: number[], self: number | undefined, trx: Parameters<ContactsRepository['owners']>[2]): Promise<FieldErrors> {
    const owners = await repo.owners(actor, numbers.map((n) => n.e164), trx);
    const errors: FieldErrors = {};
    numbers.forEach((n, i) => {
      const owner = owners.get(n.e164);
      if (owner && owner.contactId !== self) errors[`number-${rows[i] ?? 0}`] = `${n.e164} is already saved for ${owner.name}.`;
    });
    return errors;
  }

  async function save(actor: ContactsActor, id: number | undefined, fields: ContactFields, country: string | undefined): Promise<SaveResult> {
    const parsed = parseContactFields(fields, country, allowedNumberTypes);
    if (!parsed.ok) return parsed;
    try {
      return await repo.transaction(async (trx): Promise<SaveResult> => {
        if (id !== undefined && !(await repo.find(actor, id, trx))) return { ok: false, missing: true };
        const taken = await takenNumbers(actor, parsed.input.numbers, parsed.rows, id, trx);
        if (Object.keys(taken).length) return { ok: false, errors: taken };
        if (id === undefined) return { ok: true, id: await repo.create(actor, parsed.input, now(), trx) };
        await repo.update(actor, id, parsed.input, now(), trx);
        return { ok: true, id };
      });
    } catch (err) {
      // Two saves of the same number at once: the unique index lets one through; the other hears why.
      if (isUniqueViolation(err)) return { ok: false, errors: { 'number-0': 'One of these numbers was just saved for another contact: check and save again.' } };
      throw err;
    }
  }

  function parseFile(text: string): ParsedFile {
    return looksLikeVcard(text) ? parseVcards(text) : parseContactsCsv(text);
  }

  return {
    /** The account whose book the user acts on (for pages that name it). */
    accountOf: async (user: ContactsUser) => (await as(user)).accountId,
    page: async (user: ContactsUser, query: string, page: number) => repo.page(await as(user), searchTerms(query), page, CONTACTS_PER_PAGE),
    range: async (user: ContactsUser, query: string, offset: number, limit: number) => repo.range(await as(user), searchTerms(query), offset, limit),
    search: async (user: ContactsUser, query: string, limit = SEARCH_RESULTS) => repo.search(await as(user), searchTerms(query), limit),
    favourites: async (user: ContactsUser) => repo.favourites(await as(user), FAVOURITES_ON_DIAL),
    find: async (user: ContactsUser, id: number) => repo.find(await as(user), id),
    create: async (user: ContactsUser, fields: ContactFields, country: string | undefined) => save(await as(user), undefined, fields, country),
    update: async (user: ContactsUser, id: number, fields: ContactFields, country: string | undefined) => save(await as(user), id, fields, country),
    setFavourite: async (user: ContactsUser, id: number, favourite: boolean) => repo.setFavourite(await as(user), id, favourite, now()),
    remove: async (user: ContactsUser, id: number) => repo.remove(await as(user), id),
    namesForNumbers: async (user: ContactsUser, e164s: readonly string[]) => repo.namesForNumbers(await as(user), e164s),
    all: async function* (user: ContactsUser) {
      yield* repo.batches(await as(user));
    },

    /** Parses and plans an upload, stores it for confirmation; nothing in the book changes. */
    async previewImport(user: ContactsUser, fileName: string, text: string, country: string | undefined): Promise<ImportPreview> {
      const actor = await as(user);
      const file = parseFile(text);
      const plan = planImport(file, await repo.bookNumbers(actor), country, allowedNumberTypes);
      const token = randomBytes(18).toString('base64url');
      await repo.savePreview(actor, token, fileName, JSON.stringify({ format: file.format, contacts: file.contacts, invalid: file.invalid, country: country ?? null }), now());
      return { token, fileName, format: file.format, plan };
    },

    async showImport(user: ContactsUser, token: string): Promise<ImportPreview | undefined> {
      const actor = await as(user);
      const stored = await repo.loadPreview(actor, token, now());
      if (!stored) return undefined;
      const file = JSON.parse(stored.payload) as ParsedFile & { country: string | null };
      return { token, fileName: stored.fileName, format: file.format, plan: planImport(file, await repo.bookNumbers(actor), file.country ?? undefined, allowedNumberTypes) };
    },

    /** Removes uploads left unconfirmed past their hour, for every account (run periodically). */
    pruneExpiredImports(): Promise<number> {
      return repo.deleteExpiredPreviews(now());
    },

    /** Applies a preview once, re-planned against the book as it is now, in one transaction. */
    async applyImport(user: ContactsUser, token: string): Promise<ImportPlan | undefined> {
      const actor = await as(user);
      const attempt = () =>
        repo.transaction(async (trx) => {
          const stored = await repo.loadPreview(actor, token, now(), trx);
          if (!stored || !(await repo.takePreview(actor, token, trx))) return undefined;
          const file = JSON.parse(stored.payload) as ParsedFile & { country: string | null };
          const plan = planImport(file, await repo.bookNumbers(actor, trx), file.country ?? undefined, allowedNumberTypes);
          await repo.applyPlan(actor, plan, now(), trx);
          return plan;
        });
      // A number saved by another request between the plan and the insert breaks the unique index: the whole
      // transaction rolls back (the preview too), so planning again against the new book is safe.
      for (let tries = 1; ; tries++) {
        try {
          return await attempt();
        } catch (err) {
          if (!isUniqueViolation(err) || tries >= 3) throw err;
        }
      }
    },
  };
}

export type ContactsService = ReturnType<typeof contactsService>;
export type { Contact };
