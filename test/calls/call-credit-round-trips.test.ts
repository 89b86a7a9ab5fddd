import { describe, expect, it } from 'vitest';
import { createUser } from '../helpers/ledger.js';
import { tariff, useWalletFixture } from '../wallet/setup.js';
import { statementsDuring } from '../helpers/statements.js';

/**
 * Statements per hold and settlement. On PostgreSQL every statement is a round trip taken while the wallet (and
 * hold) rows are locked, so a change that adds one makes every other call on the same wallet wait longer. The
 * counts include BEGIN and COMMIT / ROLLBACK, which knex reports like any other query; SQLite counts the same.
 */
const f = useWalletFixture({ freeMinutesPerMonth: 1 });
const tariffs = { first: tariff(10_000), bridged: tariff(90_000) };


describe('round trips of the money hot paths', () => {
  it('hold: BEGIN, lock the wallet, insert the hold, update the wallet, COMMIT', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    const sqls = await statementsDuring(f.t.db, () => f.calls.hold({ userId: user, callSid: 'CA1', tariffs }));
    // A hold asked for by user id reads the user's personal account first (the calls service names the account).
    expect(sqls, sqls.join('\n')).toHaveLength(6);
    expect(sqls[0]).toMatch(/^BEGIN/);
    expect(sqls[1]).toMatch(/^select .id. from .accounts./);
    expect(sqls[2]).toMatch(/^select \* from .wallets./);
    expect(sqls[5]).toMatch(/^COMMIT/);
  });

  it('hold for a user without a wallet yet: the wallet is created on the way (two statements more)', async () => {
    const user = await createUser(f.t.db);
    const sqls = await statementsDuring(f.t.db, () => f.calls.hold({ userId: user, callSid: 'CA1', tariffs }));
    expect(sqls, sqls.join('\n')).toHaveLength(8);
    expect(await f.wallet.summary(user)).toMatchObject({ balanceMicros: 0, freeSecondsAvailable: 0 });
  });

  it('a retried hold: the failed insert rolls back, then one read of the first hold', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    // Credit for a second hold is left, so the retry gets as far as its insert.
    const first = await f.calls.hold({ userId: user, callSid: 'CA1', tariffs, maxSeconds: 120 });
    let again: unknown;
    const sqls = await statementsDuring(f.t.db, async () => (again = await f.calls.hold({ userId: user, callSid: 'CA1', tariffs, maxSeconds: 120 })));
    expect(again).toEqual(first);
    expect(sqls, sqls.join('\n')).toHaveLength(6);
    expect(sqls[3]).toMatch(/^insert into .credit_holds./);
    expect(sqls[4]).toMatch(/^ROLLBACK/);
  });

  it('settle with free minutes and a charge: BEGIN, lock the hold, lock the wallet, update both, one ledger insert, COMMIT', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    await f.calls.hold({ userId: user, callSid: 'CA1', tariffs });
    const sqls = await statementsDuring(f.t.db, () => f.calls.settle({ callSid: 'CA1', firstLegSeconds: 150, bridgedSeconds: 150 }));
    expect(sqls, sqls.join('\n')).toHaveLength(7);
    expect(sqls[1]).toMatch(/^select \* from .credit_holds./);
    expect(sqls[2]).toMatch(/^select \* from .wallets./);
    if (f.t.engine === 'postgres') {
      expect(sqls[1]).toMatch(/for update$/);
      expect(sqls[2]).toMatch(/for update$/);
    }
    expect(sqls.filter((sql) => /^update .wallets./.test(sql)), 'the wallet is written once').toHaveLength(1);
    const kinds = (await f.wallet.ledger(user)).entries.map((e) => [e.kind, e.amountMicros, e.balanceAfterMicros, e.freeSeconds]);
    expect(kinds).toEqual([
      ['call_charge', -200_000, 1_800_000, 0],
      ['free_minutes', 0, 2_000_000, 60],
      ['grant', 2_000_000, 2_000_000, 0],
    ]);
    expect(await f.wallet.summary(user)).toMatchObject({ balanceMicros: 1_800_000, heldMicros: 0, freeSecondsAvailable: 0 });
  });

  it('a repeated settlement reads the hold and stops: BEGIN, select, COMMIT', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    await f.calls.hold({ userId: user, callSid: 'CA1', tariffs });
    await f.calls.settle({ callSid: 'CA1', firstLegSeconds: 150, bridgedSeconds: 150 });
    const sqls = await statementsDuring(f.t.db, () => f.calls.settle({ callSid: 'CA1', firstLegSeconds: 150, bridgedSeconds: 150 }));
    expect(sqls, sqls.join('\n')).toHaveLength(3);
  });
});
