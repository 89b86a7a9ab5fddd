import type { Knex } from 'knex';

/**
 * A wallet belongs to an account (docs/teams.md): the table is rebuilt keyed by account_id with the same checks,
 * each user's wallet moved to their personal account. Built as a new table, filled, then swapped in, which both
 * engines do the same way (SQLite cannot change a primary key in place).
 */
function build(key: 'account_id' | 'user_id') {
  return (t: Knex.CreateTableBuilder) => {
    if (key === 'account_id') t.integer('account_id').primary().references('id').inTable('accounts').onDelete('CASCADE');
    else t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    t.bigInteger('balance_micros').notNullable().defaultTo(0);
    t.bigInteger('held_micros').notNullable().defaultTo(0);
    t.integer('free_seconds_left').notNullable().defaultTo(0);
    t.integer('free_seconds_held').notNullable().defaultTo(0);
    t.string('free_period', 7).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    // The last line of defence: even a bug in the service cannot make credit negative or over-held.
    t.check('held_micros >= 0 AND held_micros <= balance_micros', [], 'wallets_held_within_balance');
    t.check('free_seconds_held >= 0 AND free_seconds_left >= 0', [], 'wallets_free_seconds_non_negative');
  };
}

const COLUMNS = ['balance_micros', 'held_micros', 'free_seconds_left', 'free_seconds_held', 'free_period', 'created_at', 'updated_at'];

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('wallets_new', build('account_id'));
  await db('wallets_new').insert(
    db('wallets').join('accounts', 'accounts.personal_user_id', 'wallets.user_id').select('accounts.id as account_id', ...COLUMNS.map((c) => `wallets.${c}`)),
  );
  await db.schema.dropTable('wallets');
  await db.schema.renameTable('wallets_new', 'wallets');
}

export async function down(db: Knex): Promise<void> {
  await db.schema.createTable('wallets_old', build('user_id'));
  await db('wallets_old').insert(
    db('wallets').join('accounts', 'accounts.id', 'wallets.account_id').whereNotNull('accounts.personal_user_id').select('accounts.personal_user_id as user_id', ...COLUMNS.map((c) => `wallets.${c}`)),
  );
  await db.schema.dropTable('wallets');
  await db.schema.renameTable('wallets_old', 'wallets');
}
