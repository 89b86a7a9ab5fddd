import { addColumns } from '../src/db/migration-helpers.js';

/** The user's own handset: the first leg of every call rings it, so it must be verified before use. */
export const { up, down } = addColumns(
  'users',
  (t) => {
    t.string('phone_e164', 16).nullable();
    t.string('phone_verified_at', 32).nullable();
  },
  ['phone_e164', 'phone_verified_at'],
);
