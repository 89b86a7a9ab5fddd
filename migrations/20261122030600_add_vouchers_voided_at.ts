import { addColumns } from '../src/db/migration-helpers.js';

/** An unused code an admin withdrew; it can no longer be redeemed. */
export const { up, down } = addColumns('vouchers', (t) => {
  t.string('voided_at', 32).nullable();
}, ['voided_at']);
