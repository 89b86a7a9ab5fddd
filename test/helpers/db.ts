import { randomBytes } from 'node:crypto';
import { createDb, migrateToLatest, type Db } from '../../src/db/database.js';

export interface TestDb {
  db: Db;
  engine: 'sqlite' | 'postgres';
  destroy(): Promise<void>;
}

/**
 * A fresh, migrated database for one test: in-memory SQLite by default; with DATABASE_URL set, a throw-away
 * PostgreSQL schema so test files stay isolated and can run side by side.
 */
export async function createTestDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = createDb({ client: 'sqlite', file: ':memory:' });
    if (options.migrate !== false) await migrateToLatest(db);
    return { db, engine: 'sqlite', destroy: () => db.destroy() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = createDb({ client: 'postgres', url });
  await admin.raw(`CREATE SCHEMA ${schema}`);
  const db = createDb({ client: 'postgres', url }, { searchPath: schema });
  if (options.migrate !== false) await migrateToLatest(db);
  return {
    db,
    engine: 'postgres',
    destroy: async () => {
      await db.destroy();
      await admin.raw(`DROP SCHEMA ${schema} CASCADE`);
      await admin.destroy();
    },
  };
}
