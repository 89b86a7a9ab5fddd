/**
 * Keyset cursors for call lists, newest first: a cursor names the last call shown, (created_at, id), so the next
 * page starts strictly after it. Unlike an offset, calls placed meanwhile cannot shift or repeat rows.
 */
export interface CallCursor {
  createdAt: string;
  id: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const ID = /^[\w-]{1,64}$/;

export function encodeCursor(cursor: CallCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

/** undefined for anything that is not a cursor we made (the caller answers "invalid cursor"). */
export function decodeCursor(value: string): CallCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return undefined;
  const [createdAt, id, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (rest.length || !createdAt || !id || !ISO.test(createdAt) || !ID.test(id)) return undefined;
  return { createdAt, id };
}
