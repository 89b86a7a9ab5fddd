import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cachedStatementKind, statementKind } from '../../src/db/statement-kind.js';

describe('statementKind: a statement in two words, for the statements-per-call breakdown', () => {
  it.each([
    ['select "calls".* from "calls" inner join "sessions" on 1 = 1 where "id" = $1', 'select calls'],
    ['select `id` from `wallets` where `account_id` = ?', 'select wallets'],
    ['insert into "ledger_entries" ("a") values ($1) returning "id"', 'insert ledger_entries'],
    ['UPDATE "agenda_jobs" SET "lock_expires_at" = $1 WHERE id = (SELECT id FROM "agenda_jobs" LIMIT 1)', 'update agenda_jobs'],
    ['update public.calls set status = $1', 'update calls'],
    ['delete from `credit_holds` where `call_id` = ?', 'delete credit_holds'],
    ['with moved as (update "calls" set x = 1 returning id) select * from moved', 'with calls'],
    ['BEGIN', 'begin'],
    ['commit;', 'commit'],
    ['SAVEPOINT trx2', 'savepoint'],
    ['select pg_notify($1, $2)', 'pg_notify'],
    ['select 1', 'select'],
    ['LISTEN "agenda_jobs"', 'listen'],
    ['', 'other'],
    ['vacuum', 'other'],
    ['__proto__', 'other'],
    ['constructor from x', 'other'],
  ])('%s -> %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });

  it('never throws and always answers a short label, whatever the text', () => {
    const words = fc.constantFrom('select', 'insert', 'update', 'delete', 'with', 'from', 'into', '__proto__', 'constructor', 'toString', '(', '"', '`', ' ', 'x.y');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(words, { maxLength: 12 }).map((w) => w.join(' '))), (sql) => {
        const kind = statementKind(sql);
        expect(kind.length).toBeGreaterThan(0);
        expect(kind.split(' ').length).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('the cached form answers the same, and stops remembering past its limit', () => {
    const kindOf = cachedStatementKind(2);
    const texts = ['select * from a', 'insert into b values (1)', 'delete from c', 'select * from a'];
    expect(texts.map(kindOf)).toEqual(texts.map(statementKind));
  });
});
