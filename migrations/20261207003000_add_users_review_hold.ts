import { addColumns } from '../src/db/migration-helpers.js';

/**
 * An account put on hold for review by a velocity alert (docs/security.md, "Bounded first-leg cost"): it places no
 * call until an admin lifts the hold. The reason is what the admin sees.
 */
export const { up, down } = addColumns('users', (t) => {
  t.string('held_at', 40).nullable();
  t.string('held_reason', 300).nullable();
}, ['held_at', 'held_reason']);
