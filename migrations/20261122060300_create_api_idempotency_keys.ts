import { createTable } from '../src/db/migration-helpers.js';

/**
 * Idempotency-Key of POST /api/v1/calls, per token. The unique (token_id, idem_key) index is what makes two
 * concurrent retries create one call: the second insert fails and that request waits for the first one's outcome.
 * fingerprint is a SHA-256 of the request, so the same key with a different body is refused instead of replayed.
 * The outcome is the call created (call_id), or the refusal replayed to retries (error_code, error_message).
 */
export const { up, down } = createTable('api_idempotency_keys', (t) => {
  t.increments('id').primary();
  t.integer('token_id').notNullable().references('id').inTable('api_tokens').onDelete('CASCADE');
  t.string('idem_key', 255).notNullable();
  t.string('fingerprint', 64).notNullable();
  t.string('call_id', 32).nullable();
  t.string('error_code', 40).nullable();
  t.string('error_message', 300).nullable();
  t.string('created_at', 32).notNullable();
  t.unique(['token_id', 'idem_key'], { indexName: 'api_idempotency_keys_token_key_idx' });
});
