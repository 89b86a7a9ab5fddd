/**
 * Emitted on the knex instance with each prepared statement's SQL (src/db/prepared-queries.ts, RawSqlite), as knex
 * emits 'query' for its own: knex never sees these statements, and tests that count a request's statements must.
 */
export const PREPARED_QUERY_EVENT = 'prepared-query';

/**
 * Emitted on the app's knex instance with each statement the PostgreSQL job store sends through its own pool
 * (src/jobs/job-store.ts), so the metrics count a job's statements as they count everything else. A separate event:
 * tests that count a request's statements must not see a job poll that happens to run meanwhile.
 */
export const JOB_STORE_QUERY_EVENT = 'job-store-query';
