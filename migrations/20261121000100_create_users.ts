import { createTable, timestamps } from '../src/db/migration-helpers.js';

export const { up, down } = createTable('users', (t) => {
  t.increments('id').primary();
  t.string('email', 254).notNullable().unique();
  t.string('name', 100).notNullable();
  t.string('password_hash', 200).notNullable();
  t.string('role', 10).notNullable().defaultTo('user');
  timestamps(t);
});
