import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preparedQueries } from '../../src/db/prepared-queries.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb({ migrate: false });
  await t.db.schema.createTable('prepared_probe', (table) => {
    table.string('id').primary();
    table.bigInteger('micros').notNullable();
  });
});
afterEach(async () => {
  await t.db.schema.dropTableIfExists('prepared_probe');
  await t.destroy();
});

describe('prepared hot-path queries (on the engine the suite runs on)', () => {
  it('run reports changed rows, all returns typed rows, and placeholders bind in order', async () => {
    const q = preparedQueries(t.db);
    expect(await q.run('insert into prepared_probe (id, micros) values (?, ?)', ['a', 9_007_199_254_740_991])).toBe(1);
    expect(await q.run('insert into prepared_probe (id, micros) values (?, ?) on conflict (id) do nothing', ['a', 1])).toBe(0);
    expect(await q.all('select id, micros from prepared_probe where id = ? and micros > ?', ['a', 0])).toEqual([{ id: 'a', micros: 9_007_199_254_740_991 }]);
    expect(await q.all('select id from prepared_probe where id = ?', ['missing'])).toEqual([]);
  });

  it('two repositories sharing the pool may prepare different statements many times over, concurrently', async () => {
    const one = preparedQueries(t.db);
    const two = preparedQueries(t.db);
    await one.run('insert into prepared_probe (id, micros) values (?, ?)', ['x', 1]);
    const reads = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? one.all<{ id: string }>('select id from prepared_probe where micros = ?', [1]) : two.all<{ micros: number }>('select micros from prepared_probe where id = ?', ['x']),
    );
    const results = await Promise.all(reads);
    results.forEach((rows, i) => expect(rows).toEqual(i % 2 ? [{ id: 'x' }] : [{ micros: 1 }]));
  });

  it('keeps answering `select *` after another connection adds a column (a newer instance migrating)', async () => {
    const q = preparedQueries(t.db);
    await q.run('insert into prepared_probe (id, micros) values (?, ?)', ['a', 1]);
    // Every pooled connection prepares the statement, so each must recover, not just the one that fails first.
    const readAll = () => Promise.all(Array.from({ length: 6 }, () => q.all('select * from prepared_probe where id = ?', ['a'])));
    for (const rows of await readAll()) expect(rows).toEqual([{ id: 'a', micros: 1 }]);
    await t.db.schema.alterTable('prepared_probe', (table) => void table.string('note').nullable());
    for (const rows of await readAll()) expect(rows).toEqual([{ id: 'a', micros: 1, note: null }]);
    for (const rows of await readAll()) expect(rows).toEqual([{ id: 'a', micros: 1, note: null }]);
  });

  it('an error names the problem and leaves the connection usable', async () => {
    const q = preparedQueries(t.db);
    await expect(q.all('select nope from prepared_probe where id = ?', ['a'])).rejects.toThrow(/nope/);
    expect(await q.all('select count(*) as n from prepared_probe where id = ?', ['a'])).toEqual([{ n: 0 }]);
  });
});
