import type { Knex } from 'knex';
import type { Migration } from './migration-source.js';

/**
 * Ghost-style helpers: each migration file makes exactly one change and exports the { up, down } these return.
 * Both engines run the same builder calls, so a migration never branches on the client.
 */
export function createTable(name: string, build: (table: Knex.CreateTableBuilder) => void): Migration {
  return {
    up: async (db) => {
      await db.schema.createTable(name, build);
    },
    down: async (db) => {
      await db.schema.dropTableIfExists(name);
    },
  };
}

export function addColumns(table: string, build: (table: Knex.AlterTableBuilder) => void, columns: string[]): Migration {
  return {
    up: async (db) => {
      await db.schema.alterTable(table, build);
    },
    down: async (db) => {
      await db.schema.alterTable(table, (t) => {
        t.dropColumns(...columns);
      });
    },
  };
}

export function addIndex(table: string, columns: string[], options: { name: string; unique?: boolean }): Migration {
  return {
    up: async (db) => {
      await db.schema.alterTable(table, (t) => {
        if (options.unique) t.unique(columns, { indexName: options.name });
        else t.index(columns, options.name);
      });
    },
    down: async (db) => {
      await db.schema.alterTable(table, (t) => {
        if (options.unique) t.dropUnique(columns, options.name);
        else t.dropIndex(columns, options.name);
      });
    },
  };
}

/** The inverse of addIndex: drops the index on up and puts it back on down. */
export function dropIndex(table: string, columns: string[], options: { name: string }): Migration {
  const { up, down } = addIndex(table, columns, options);
  return { up: down, down: up };
}

/** Timestamps stored as ISO-8601 UTC strings in both engines keep comparisons and ordering identical. */
export function timestamps(table: Knex.CreateTableBuilder): void {
  table.string('created_at', 32).notNullable();
  table.string('updated_at', 32).notNullable();
}
