import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDb, type Db } from '../../src/db/database.js';
import { RawSqlite } from '../../src/db/raw-sqlite.js';

// SQLite only by nature: RawSqlite is the better-sqlite3 connection of the embedded database.
const onSqlite = !process.env.DATABASE_URL?.startsWith('postgres');

describe.runIf(onSqlite)('RawSqlite on the pool of one connection', () => {
  let dir: string;
  let db: Db;
  let raw: RawSqlite;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-raw-'));
    db = createDb({ client: 'sqlite', file: join(dir, 'raw.sqlite') });
    await db.raw('create table items (id integer primary key, name text not null)');
    raw = new RawSqlite(db);
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the idle connection without borrowing it from the pool again', async () => {
    const acquire = vi.spyOn(db.client, 'acquireConnection');
    await raw.run('insert into items (name) values (?)', ['a']);
    const borrowed = acquire.mock.calls.length;
    for (let i = 0; i < 20; i++) await raw.all('select * from items where id = ?', [1]);
    expect(acquire.mock.calls.length).toBe(borrowed);
    expect(await raw.all('select name from items', [])).toEqual([{ name: 'a' }]);
  });

  it('waits for a knex transaction holding the connection, and neither joins it nor sees its writes early', async () => {
    await raw.run('insert into items (name) values (?)', ['before']);
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const transaction = db.transaction(async (trx) => {
      await trx('items').insert({ name: 'inside' });
      await committed;
    });
    await vi.waitFor(async () => expect((db.client as { pool: { numUsed(): number } }).pool.numUsed()).toBe(1));
    let read: unknown[] | undefined;
    const reading = raw.all('select name from items order by id', []).then((rows) => (read = rows));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(read).toBeUndefined();
    commit();
    await transaction;
    await reading;
    expect(read).toEqual([{ name: 'before' }, { name: 'inside' }]);
  });

  it('never uses a connection the pool has closed', async () => {
    await raw.all('select 1', []);
    await db.destroy();
    await expect(raw.all('select 1', [])).rejects.toThrow(/acquire a connection/);
  });
});
