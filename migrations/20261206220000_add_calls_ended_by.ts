import { addColumns } from '../src/db/migration-helpers.js';

/**
 * Who or what ended a connected call (you from the page, an administrator, the credit running out, your phone, the
 * number you called): the call page and history say it in one sentence instead of guessing from durations.
 */
export const { up, down } = addColumns('calls', (t) => {
  t.string('ended_by', 16).nullable();
}, ['ended_by']);
