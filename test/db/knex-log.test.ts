import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/database.js';

describe("knex's own messages", () => {
  it('go to the logger given, as log lines, not to the console', async () => {
    const lines: Array<{ level: string; fields: object; message: string }> = [];
    const logger = {
      warn: (fields: object, message: string) => lines.push({ level: 'warn', fields, message }),
      error: (fields: object, message: string) => lines.push({ level: 'error', fields, message }),
    };
    const url = process.env.DATABASE_URL;
    const db = url ? createDb({ client: 'postgres', url }, { logger }) : createDb({ client: 'sqlite', file: ':memory:' }, { logger });
    try {
      // What knex says when the database drops a pooled connection (knex/lib/dialects/postgres).
      const knexLogger = (db.client as unknown as { logger: { warn(message: string): void; error(message: string): void } }).logger;
      knexLogger.warn('Connection Error: Error: Connection terminated unexpectedly');
      knexLogger.error('something failed');
      expect(lines).toEqual([
        { level: 'warn', fields: { knex: 'Connection Error: Error: Connection terminated unexpectedly' }, message: 'database warning' },
        { level: 'error', fields: { knex: 'something failed' }, message: 'database error' },
      ]);
    } finally {
      await db.destroy();
    }
  });
});
