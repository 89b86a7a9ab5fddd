import { addIndex } from '../src/db/migration-helpers.js';

/** One contact per number in each account's book: imports merge by it, the history names calls with it. */
export const { up, down } = addIndex('contact_numbers', ['owner_account_id', 'e164'], { name: 'contact_numbers_account_e164_unique', unique: true });
