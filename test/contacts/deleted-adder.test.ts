import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, migrationsDir } from '../../src/db/database.js';
import { MigrationDirectorySource } from '../../src/db/migration-source.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { accountOf, createUser } from '../helpers/ledger.js';

/**
 * A team's address book outlives the member who added to it: deleting a users row (by hand; the app disables accounts
 * and never deletes one) keeps the contacts that member added to a team, with owner_user_id null, while their personal
 * book goes with their personal account.
 */
let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const contact = (name: string, number: string) => ({ name, company: '', notes: '', favourite: '', numbers: [number], labels: ['mobile'] });

describe('deleting the user who added a team contact', () => {
  it('keeps the team contact and its numbers (owner_user_id null); the personal book goes with the user', async () => {
    const db = t.testDb.db;
    const [ada, bob] = [await createUser(db), await createUser(db)];
    const now = new Date().toISOString();
    const [row] = await db('accounts').insert({ kind: 'team', name: 'Acme', personal_user_id: null, created_at: now, updated_at: now }, ['id']);
    const acme = Number(typeof row === 'object' ? (row as { id: number }).id : row);
    await db('account_members').insert([
      { account_id: acme, user_id: ada, role: 'owner', created_at: now, updated_at: now },
      { account_id: acme, user_id: bob, role: 'member', created_at: now, updated_at: now },
    ]);
    const team = await t.services.contacts.create({ userId: bob, accountId: acme }, contact('Grace Hopper', '+442071234567'), undefined);
    const own = await t.services.contacts.create({ userId: bob, accountId: await accountOf(db, bob) }, contact('Bob’s dentist', '+442071234568'), undefined);
    expect(team.ok && own.ok).toBe(true);

    await db('users').where({ id: bob }).delete();

    const left = await db('contacts').select('name', 'owner_account_id', 'owner_user_id');
    expect(left.map((c) => ({ ...c, owner_account_id: Number(c.owner_account_id) }))).toEqual([{ name: 'Grace Hopper', owner_account_id: acme, owner_user_id: null }]);
    const numbers = await db('contact_numbers').select('e164', 'owner_user_id');
    expect(numbers).toEqual([{ e164: '+442071234567', owner_user_id: null }]);
    // The team's other members still find it, by name and by number, and its number stays taken in the team's book.
    const found = await t.services.contacts.search({ userId: ada, accountId: acme }, 'grace');
    expect(found.map((c) => c.name)).toEqual(['Grace Hopper']);
    expect((await t.services.contacts.namesForNumbers({ userId: ada, accountId: acme }, ['+442071234567'])).get('+442071234567')?.name).toBe('Grace Hopper');
    const again = await t.services.contacts.create({ userId: ada, accountId: acme }, contact('Someone else', '+442071234567'), undefined);
    expect(again.ok).toBe(false);
  });

  it('the two migrations keep the rows already there, down and up again (SQLite rebuilds both tables)', async () => {
    const db = t.testDb.db;
    const bob = await createUser(db);
    const saved = await t.services.contacts.create({ userId: bob, accountId: await accountOf(db, bob) }, contact('Grace Hopper', '+442071234567'), undefined);
    expect(saved.ok).toBe(true);
    const rows = async () => ({ contacts: await db('contacts').select('id', 'name', 'owner_user_id'), numbers: await db('contact_numbers').select('id', 'contact_id', 'e164', 'owner_user_id') });
    const before = await rows();
    const source = new MigrationDirectorySource(migrationsDir);
    const undone: string[] = [];
    while (!undone.some((name) => name.startsWith('20261208010300'))) {
      const [, names] = (await db.migrate.down({ migrationSource: source })) as [number, string[]];
      undone.push(...names);
    }
    expect(await rows()).toEqual(before);
    await migrateToLatest(db);
    expect(await rows()).toEqual(before);
  });
});
