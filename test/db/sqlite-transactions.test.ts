import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/database.js';

// SQLite only by nature: this is about SQLite's file locking between processes. The PostgreSQL pass has no file to
// share; its row locks are proven by test/load/postgres-race.test.ts.
const onSqlite = !process.env.DATABASE_URL?.startsWith('postgres');

let dir: string;
let db: Db | undefined;
let other: Database.Database | undefined;
afterEach(async () => {
  other?.close();
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(onSqlite)('SQLite transactions beside another process writing to the same file', () => {
  it('a read-then-write transaction survives a write made by another connection in between', async () => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-immediate-'));
    const file = join(dir, 'shared.sqlite');
    db = createDb({ client: 'sqlite', file });
    await db.raw('create table counters (name text primary key, value integer not null)');
    await db('counters').insert({ name: 'a', value: 0 });
    // Another process (the admin CLI, a rate import): its own connection, not waiting for locks at all.
    other = new Database(file, { timeout: 0 });
    let otherWrite: string | undefined;

    await db.transaction(async (trx) => {
      const row = await trx('counters').where({ name: 'a' }).first<{ value: number }>();
      try {
        other!.prepare("insert into counters (name, value) values ('b', 1)").run();
        otherWrite = 'committed';
      } catch (err) {
        otherWrite = (err as { code?: string }).code;
      }
      await trx('counters').where({ name: 'a' }).update({ value: row!.value + 1 });
    });

    // The transaction held the write lock from its start, so the other writer was the one told to wait.
    expect(otherWrite).toBe('SQLITE_BUSY');
    expect(await db('counters').select()).toEqual([{ name: 'a', value: 1 }]);
    other.prepare("insert into counters (name, value) values ('b', 1)").run();
    expect(await db('counters').count({ n: '*' }).first()).toEqual({ n: 2 });
  });
});
