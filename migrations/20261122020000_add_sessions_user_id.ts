import { addColumns } from '../src/db/migration-helpers.js';

/** Whose session it is: lets a user list and end their own sessions, and a password change end the others. */
export const { up, down } = addColumns(
  'sessions',
  (t) => {
    t.integer('user_id').nullable().index('sessions_user_id_idx');
  },
  ['user_id'],
);
