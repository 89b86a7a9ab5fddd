import type { Knex } from 'knex';

/** A personal account, with its user as owner, for every user that exists before accounts did. */
export async function up(db: Knex): Promise<void> {
  const now = new Date().toISOString();
  const users: { id: number; name: string }[] = await db('users').select('id', 'name').orderBy('id');
  for (const user of users) {
    const [row] = await db('accounts').insert({ kind: 'personal', name: user.name.slice(0, 80), personal_user_id: user.id, created_at: now, updated_at: now }, ['id']);
    const accountId = typeof row === 'object' ? row.id : row;
    await db('account_members').insert({ account_id: accountId, user_id: user.id, role: 'owner', created_at: now, updated_at: now });
  }
}

export async function down(db: Knex): Promise<void> {
  await db('accounts').where({ kind: 'personal' }).delete();
}
