import { addIndex } from '../src/db/migration-helpers.js';

/** One verified phone belongs to one account: a number only lands in users.phone_e164 once verified. */
export const { up, down } = addIndex('users', ['phone_e164'], { name: 'users_phone_e164_unique', unique: true });
