import { createTable } from '../src/db/migration-helpers.js';

/** Every webhook and state change of a call, for its timeline and for telling duplicates from news. */
export const { up, down } = createTable('call_events', (t) => {
  t.increments('id').primary();
  t.string('call_id', 32).notNullable().references('id').inTable('calls').onDelete('CASCADE');
  t.string('source', 20).notNullable();
  t.string('event', 40).notNullable();
  t.integer('sequence').nullable();
  /** Same key, same event: a duplicated webhook is recorded once and changes nothing. */
  t.string('dedupe_key', 60).notNullable();
  t.text('params').nullable();
  t.string('received_at', 32).notNullable();
  t.unique(['call_id', 'dedupe_key'], { indexName: 'call_events_call_dedupe_unique' });
});
