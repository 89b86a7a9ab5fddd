import { addColumns } from '../src/db/migration-helpers.js';

/** The account the user last chose to pay from on the dial page (null: their personal account). */
export const { up, down } = addColumns('users', (t) => {
  t.integer('paying_account_id').nullable().references('id').inTable('accounts').onDelete('SET NULL');
}, ['paying_account_id']);
