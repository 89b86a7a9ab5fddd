/**
 * Emitted on the knex instance with each prepared statement's SQL (src/db/prepared-queries.ts, RawSqlite), as knex
 * emits 'query' for its own: knex never sees these statements, and tests that count a request's statements must.
 */
export const PREPARED_QUERY_EVENT = 'prepared-query';
