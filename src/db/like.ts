import type { Knex } from 'knex';

/** LIKE treats % and _ as wildcards; a typed search means them literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Case-insensitive "column contains/starts with" on both engines (SQLite's LIKE ignores ASCII case, Postgres's
 * does not, so both sides are lowered). `column` is always one of our own column names, never user input.
 */
export function whereLike(query: Knex.QueryBuilder, column: string, pattern: string): Knex.QueryBuilder {
  return query.whereRaw(`lower(${column}) like ? escape '\\'`, [pattern.toLowerCase()]);
}

export function orWhereLike(query: Knex.QueryBuilder, column: string, pattern: string): Knex.QueryBuilder {
  return query.orWhereRaw(`lower(${column}) like ? escape '\\'`, [pattern.toLowerCase()]);
}
