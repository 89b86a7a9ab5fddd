import { createTable } from '../src/db/migration-helpers.js';

/**
 * Personal access tokens for the JSON API. Only a SHA-256 of the token is kept (token_hash, unique: the lookup on
 * every API request); token_hint is the few characters shown in the list so users can tell tokens apart. The
 * optional webhook URL receives call.completed, signed with webhook_secret (kept readable: HMAC needs it).
 */
export const { up, down } = createTable('api_tokens', (t) => {
  t.increments('id').primary();
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('name', 60).notNullable();
  t.string('scope', 10).notNullable();
  t.string('token_hash', 64).notNullable().unique();
  t.string('token_hint', 16).notNullable();
  t.string('webhook_url', 500).nullable();
  t.string('webhook_secret', 80).nullable();
  t.string('expires_at', 32).nullable();
  t.string('last_used_at', 32).nullable();
  t.string('revoked_at', 32).nullable();
  t.string('created_at', 32).notNullable();
  t.index(['user_id', 'id'], 'api_tokens_user_idx');
});
