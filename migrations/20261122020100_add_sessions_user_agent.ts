import { addColumns } from '../src/db/migration-helpers.js';

/** The browser that logged in, so the sessions list can name the device. */
export const { up, down } = addColumns(
  'sessions',
  (t) => {
    t.string('user_agent', 300).nullable();
  },
  ['user_agent'],
);
