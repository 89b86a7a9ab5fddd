/**
 * What a statement is, in two words: its verb and the table it touches first ("select calls", "update agenda_jobs",
 * "commit", "pg_notify"). The metrics count statements by this kind so the storm can say which statements a call
 * costs; a label per SQL text would grow without bound, a label per table does not.
 */
// A Map, not an object literal: the verb comes from the text, and "__proto__" or "constructor" must find nothing.
const TABLE_AFTER = new Map<string, RegExp>([
  ['select', /\bfrom\s+([`"\w.]+)/i],
  ['delete', /\bfrom\s+([`"\w.]+)/i],
  ['insert', /\binto\s+([`"\w.]+)/i],
  ['update', /^\s*update\s+([`"\w.]+)/i],
  ['with', /\b(?:update|into|from)\s+([`"\w.]+)/i],
]);
const TRANSACTION_CONTROL = new Set(['begin', 'commit', 'rollback', 'savepoint', 'release', 'start', 'set', 'listen', 'unlisten', 'pragma']);

export function statementKind(sql: string): string {
  const verb = /^\s*\(?\s*([a-z_]+)/i.exec(sql)?.[1]?.toLowerCase();
  if (!verb) return 'other';
  if (TRANSACTION_CONTROL.has(verb)) return verb;
  if (verb === 'select' && /^\s*select\s+pg_notify\s*\(/i.test(sql)) return 'pg_notify';
  const tablePattern = TABLE_AFTER.get(verb);
  if (!tablePattern) return 'other';
  const table = tablePattern.exec(sql)?.[1]?.replace(/[`"]/g, '').split('.').pop()?.toLowerCase();
  return table ? `${verb} ${table}` : verb;
}

/** statementKind, remembered per SQL text: the statements a process sends are a few hundred texts sent again and again. */
export function cachedStatementKind(limit = 2_000): (sql: string) => string {
  const kinds = new Map<string, string>();
  return (sql) => {
    let kind = kinds.get(sql);
    if (kind === undefined) {
      kind = statementKind(sql);
      if (kinds.size < limit) kinds.set(sql, kind);
    }
    return kind;
  };
}
