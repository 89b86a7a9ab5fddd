import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * The address book is read by account (owner_account_id); owner_user_id only records who added a contact. Indexes
 * led by owner_user_id served no query and cost every write, so migrations dropped them; the account's stay.
 */
let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.destroy();
});

async function indexesOf(table: string): Promise<string[]> {
  if (t.engine === 'sqlite') return ((await t.db.raw(`select name from pragma_index_list(?)`, [table])) as Array<{ name: string }>).map((r) => r.name).sort();
  const { rows } = (await t.db.raw(`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = ?`, [table])) as { rows: Array<{ name: string }> };
  return rows.map((r) => r.name).sort();
}

describe('address book indexes', () => {
  it('contacts, contact_numbers and import previews keep their account indexes and have none led by owner_user_id', async () => {
    const contacts = await indexesOf('contacts');
    const numbers = await indexesOf('contact_numbers');
    const previews = await indexesOf('contact_import_previews');
    expect(contacts).toEqual(expect.arrayContaining(['contacts_account_search_idx', 'contacts_account_favourite_idx']));
    expect(numbers).toEqual(expect.arrayContaining(['contact_numbers_account_digits_idx']));
    expect(previews).toEqual(expect.arrayContaining(['contact_import_previews_account_idx']));
    expect([...contacts, ...numbers, ...previews].filter((name) => /_owner_/.test(name))).toEqual([]);
  });
});
