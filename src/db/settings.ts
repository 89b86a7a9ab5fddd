import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

/** Returns the stored value for key, creating it once with make() (first writer wins across processes). */
export async function getOrCreateSetting(db: Db, key: string, make: () => string): Promise<string> {
  const existing = await db('settings').where({ key }).first('value');
  if (existing) return existing.value as string;
  await db('settings').insert({ key, value: make() }).onConflict('key').ignore();
  const row = await db('settings').where({ key }).first('value');
  return row.value as string;
}

export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}
