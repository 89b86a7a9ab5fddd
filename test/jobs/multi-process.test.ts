import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createDb, migrateToLatest, type Db } from '../../src/db/database.js';
import { hangupCallJob } from '../../src/jobs/definitions/hangup-call.js';
import { createJobScheduler, type JobScheduler } from '../../src/jobs/scheduler.js';
import { SqliteJobRepository } from '../../src/jobs/sqlite-backend/sqlite-job-repository.js';
import { startJobProcess, type JobProcess } from './helpers/child-process.js';
import { job } from './helpers/repository-contract.js';
import { waitFor } from './helpers/wait.js';

/** Real OS processes sharing one SQLite file: the embedded store's locking and crash recovery as deployed. */
describe('SQLite job store across processes', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let repository: SqliteJobRepository;
  let children: JobProcess[];
  let scheduler: JobScheduler | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-multiprocess-'));
    file = join(dir, 'app.sqlite');
    db = createDb({ client: 'sqlite', file });
    await migrateToLatest(db);
    repository = new SqliteJobRepository({ db });
    children = [];
  });
  afterEach(async () => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await scheduler?.stop();
    scheduler = undefined;
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  function spawnJobProcess(...args: string[]): JobProcess {
    const child = startJobProcess(args);
    children.push(child);
    return child;
  }

  function restartedApp(hangups: { callId: string; at: number }[]): JobScheduler {
    const hangupCall = async (callId: string) => void hangups.push({ callId, at: Date.now() });
    const handlers = { hangupCall, reconcileCalls: async () => undefined, resetFreeMinutes: async () => undefined };
    // A short lock lifetime so a dead process's lock expires within the test.
    scheduler = createJobScheduler({ config: loadConfig({}), db, logger: pino({ level: 'silent' }), handlers, processEvery: 200, lockLifetimeMs: 1_000, recurring: false });
    return scheduler;
  }

  it('two processes competing for 200 due jobs run each exactly once', async () => {
    const runsFile = join(dir, 'runs.txt');
    const workers = [spawnJobProcess('worker', file, runsFile), spawnJobProcess('worker', file, runsFile)];
    await Promise.all(workers.map((w) => w.waitForLine(/^ready$/)));
    const due = new Date(Date.now() - 1000);
    for (let i = 0; i < 200; i++) await repository.saveJob(job({ name: 'contended', nextRunAt: due, data: { i } }), undefined);
    const runs = () => (existsSync(runsFile) ? readFileSync(runsFile, 'utf8').trim().split('\n') : []);
    await waitFor(() => runs().length >= 200, '200 runs across both processes', 30_000);
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    const lines = runs();
    const ids = lines.map((line) => line.split(' ')[0]);
    expect(lines).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    const pids = new Set(lines.map((line) => line.split(' ')[1]));
    expect(pids.size).toBe(2); // both processes really took part
    expect(workers.flatMap((w) => w.lines.filter((l) => l.startsWith('error')))).toEqual([]);
  });

  it('a hangup still pending when the app is killed runs, on time, after the app starts again', async () => {
    const app = spawnJobProcess('schedule-and-die', file);
    await app.waitForLine(/^scheduled$/);
    app.child.kill('SIGKILL');
    await app.exited;
    const [pending] = (await repository.queryJobs({ name: hangupCallJob })).jobs;
    expect(pending?.data).toMatchObject({ callId: 'CA-pending' });
    const hangups: { callId: string; at: number }[] = [];
    await restartedApp(hangups).start();
    await waitFor(() => hangups.length === 1, 'the pending hangup after restart');
    expect(hangups[0]?.callId).toBe('CA-pending');
    expect(hangups[0]!.at).toBeGreaterThanOrEqual(pending!.nextRunAt!.getTime());
    expect(app.lines).not.toContain('ran too early');
  });

  it('a hangup whose process was killed while running it (lock held) runs again once the lock expires', async () => {
    const app = spawnJobProcess('hold-lock', file);
    await app.waitForLine(/^running CA-stuck$/);
    app.child.kill('SIGKILL');
    await app.exited;
    const [stuck] = (await repository.queryJobs({ name: hangupCallJob })).jobs;
    expect(stuck?.state).toBe('running');
    const lockedAt = stuck!.lockedAt!.getTime();
    const hangups: { callId: string; at: number }[] = [];
    await restartedApp(hangups).start();
    await waitFor(() => hangups.length === 1, 'the orphaned hangup to run again');
    expect(hangups[0]?.callId).toBe('CA-stuck');
    expect(hangups[0]!.at - lockedAt).toBeGreaterThanOrEqual(1_000); // not before the dead process's lock expired
    await waitFor(async () => (await repository.queryJobs({ name: hangupCallJob })).total === 0, 'the finished hangup to be removed');
  });
});
