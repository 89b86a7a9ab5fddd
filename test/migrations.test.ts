import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateToLatest, migrationsDir, rollbackAll } from '../src/db/database.js';
import { createTestDb, type TestDb } from './helpers/db.js';

let testDb: TestDb | undefined;
afterEach(async () => {
  await testDb?.destroy();
  testDb = undefined;
});

async function describeSchema(t: TestDb): Promise<Record<string, string[]>> {
  const { db } = t;
  const tables: string[] =
    t.engine === 'sqlite'
      ? (await db.raw(`SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'knex_%'`)).map(
          (r: { name: string }) => r.name,
        )
      : (
          await db.raw(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name NOT LIKE 'knex_%'`)
        ).rows.map((r: { name: string }) => r.name);
  const schema: Record<string, string[]> = {};
  for (const table of tables.sort()) schema[table] = Object.keys(await db(table).columnInfo()).sort();
  return schema;
}

describe('migrations', () => {
  it('are named <timestamp>_<one_change> and each makes one change', () => {
    const files = readdirSync(migrationsDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(file).toMatch(/^\d{14}_[a-z0-9_]+\.ts$/);
      const source = readFileSync(join(migrationsDir, file), 'utf8');
      expect(source, `${file} must export up and down`).toMatch(/export const \{ up, down \}|export async function up/);
    }
  });

  it(`run up, down and up again on a fresh ${process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'} database`, async () => {
    testDb = await createTestDb({ migrate: false });
    const applied = await migrateToLatest(testDb.db);
    expect(applied.length).toBe(readdirSync(migrationsDir).filter((f) => /^\d{14}_.*\.ts$/.test(f)).length);
    const schema = await describeSchema(testDb);
    expect(schema.users).toContain('email');
    await rollbackAll(testDb.db);
    expect(Object.keys(await describeSchema(testDb))).toEqual([]);
    await migrateToLatest(testDb.db);
    expect(await describeSchema(testDb)).toEqual(schema);
  });

  it('define the whole schema: the schema snapshot changes only with a migration', async () => {
    testDb = await createTestDb();
    const snapshotFile = join(import.meta.dirname, 'fixtures/schema.json');
    const actual = await describeSchema(testDb);
    // After adding a migration, refresh the snapshot with UPDATE_SCHEMA_SNAPSHOT=1 and commit both together.
    if (process.env.UPDATE_SCHEMA_SNAPSHOT) writeFileSync(snapshotFile, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(snapshotFile, 'utf8')));
  });
});
