import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agenda, constant, type Job } from 'agenda';
import { createDb, migrateToLatest, type Db } from '../../src/db/database.js';
import { PREPARED_QUERY_EVENT } from '../../src/db/query-events.js';
import { SqliteBackend } from '../../src/jobs/sqlite-backend/sqlite-backend.js';
import { waitFor } from './helpers/wait.js';

/**
 * The SQLite store deletes a one-off job at the last state save of a successful run when Agenda removes such jobs
 * on completion (sqlite-backend/finished-run.ts): what is left in the store must be what Agenda itself leaves.
 */
describe('SQLite store: the last save of a run that Agenda removes', () => {
  let dir: string;
  let db: Db;
  let agenda: Agenda;
  let errors: Error[];
  let statements: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-finished-run-'));
    db = createDb({ client: 'sqlite', file: join(dir, 'jobs.sqlite') });
    await migrateToLatest(db);
    statements = [];
    db.on(PREPARED_QUERY_EVENT, (sql: string) => statements.push(sql.replace(/\s+/g, ' ').trim()));
    const backend = new SqliteBackend({ db, removesOnSuccess: (name) => Boolean(agenda.definitions[name]?.removeOnComplete) });
    agenda = new Agenda({ backend, name: 'finished-run', processEvery: 100 });
    errors = [];
    agenda.on('error', (error: Error) => errors.push(error));
  });
  afterEach(async () => {
    await agenda.stop();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
    expect(errors.map((error) => error.message)).toEqual([]);
  });

  const rows = () => db('scheduled_jobs').select('name', 'locked_at', 'next_run_at', 'fail_count', 'last_finished_at').orderBy('name');

  it('removes a successful one-off run with one write after the run starts, and keeps everything else as Agenda leaves it', async () => {
    const done = new Set<string>();
    const finish = (name: string) => async (_job: Job) => void done.add(name);
    agenda.define('removed', finish('removed'), { removeOnComplete: true });
    agenda.define('kept', finish('kept'));
    agenda.define('fails-for-good', async () => {
      done.add('fails-for-good');
      throw new Error('no luck');
    }, { removeOnComplete: true });
    let attempts = 0;
    agenda.define('retried', async () => {
      attempts++;
      if (attempts === 1) throw new Error('first attempt fails');
      done.add('retried');
    }, { removeOnComplete: true, backoff: constant({ delay: 50, maxRetries: 2 }) });
    await agenda.start();
    for (const name of ['removed', 'kept', 'fails-for-good', 'retried']) await agenda.now(name, {});
    await waitFor(() => done.size === 4, 'all four jobs to finish');
    await waitFor(async () => (await rows()).length === 2, 'the removed and the retried job to be gone');

    const left = await rows();
    expect(left.map((row) => row.name)).toEqual(['fails-for-good', 'kept']);
    for (const row of left) {
      expect(row.locked_at).toBeNull();
      expect(row.next_run_at).toBeNull();
      expect(row.last_finished_at).not.toBeNull();
    }
    expect(left.find((row) => row.name === 'fails-for-good')?.fail_count).toBe(1);
    // The successful removed runs: after the run-start save, one delete; no state save in between, and Agenda's
    // own removal of the row just deleted sends no statement.
    const deletes = statements.filter((sql) => sql.startsWith('DELETE FROM "scheduled_jobs" WHERE id = ?'));
    expect(deletes).toHaveLength(2); // 'removed' and 'retried': each deleted at its last save, once
  });

  it("answers Agenda's removal of a row its last save deleted with 0, and still removes any other job by id", async () => {
    let ran = 0;
    agenda.define('removed', async () => void ran++, { removeOnComplete: true });
    agenda.define('waiting', async () => undefined);
    await agenda.start();
    const removals: Array<Promise<number>> = [];
    const removeJobs = agenda.db.removeJobs.bind(agenda.db);
    agenda.db.removeJobs = (options) => {
      const removal = removeJobs(options);
      removals.push(removal);
      return removal;
    };
    await agenda.now('removed', {});
    await waitFor(() => ran === 1 && removals.length === 1, "the run and Agenda's removal");
    expect(await removals[0]).toBe(0);
    expect(await rows()).toEqual([]);

    const waiting = await agenda.schedule(new Date(Date.now() + 60_000), 'waiting', {});
    expect(await agenda.cancel({ id: String(waiting.attrs._id) })).toBe(1);
    expect(await rows()).toEqual([]);
  });

  it('leaves a job cancelled while it ran cancelled, and reports nothing', async () => {
    let release!: () => void;
    const running = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    agenda.define('cancelled', async () => {
      started = true;
      await running;
    }, { removeOnComplete: true });
    await agenda.start();
    await agenda.now('cancelled', {});
    await waitFor(() => started, 'the job to start');
    expect(await agenda.cancel({ name: 'cancelled' })).toBe(1);
    const completed = new Promise<void>((resolve) => agenda.once('complete', () => resolve()));
    release();
    await completed;
    expect(await rows()).toEqual([]);
  });
});
