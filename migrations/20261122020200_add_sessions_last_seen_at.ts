import { addColumns } from '../src/db/migration-helpers.js';

/** Epoch milliseconds of the last request, written at most once a minute per session (see DatabaseSessionStore). */
export const { up, down } = addColumns(
  'sessions',
  (t) => {
    t.bigInteger('last_seen_at').nullable();
  },
  ['last_seen_at'],
);
