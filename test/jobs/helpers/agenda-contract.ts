import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agenda, type AgendaOptions, type Job } from 'agenda';
import type { StoreFactory, StoreUnderTest } from './backends.js';
import { job } from './repository-contract.js';
import { sleep, waitFor } from './wait.js';

/**
 * Agenda running on the store: what the app relies on (each job runs once however many workers compete, crashed
 * workers' jobs run again, repeats, uniqueness, priorities, pausing, prompt wake-up). Same assertions for every store.
 */
export function defineAgendaBehaviour(factory: StoreFactory): void {
  describe(`Agenda on ${factory.name}`, () => {
    let store: StoreUnderTest;
    let agendas: Agenda[];
    let errors: Error[];

    beforeEach(async () => {
      store = await factory.create();
      agendas = [];
      errors = [];
    });
    afterEach(async () => {
      await Promise.all(agendas.map((a) => a.stop()));
      await store.destroy();
      expect(errors.map((e) => e.message)).toEqual([]);
    });

    function worker(name: string, options: Partial<AgendaOptions> & { notifications?: boolean } = {}): Agenda {
      const { notifications, ...rest } = options;
      const agenda = new Agenda({ backend: store.createBackend({ notifications: notifications ?? true }), name, processEvery: 100, ...rest });
      agenda.on('error', (error) => errors.push(error));
      agendas.push(agenda);
      return agenda;
    }

    it('runs each job exactly once while four workers compete for the locks', async () => {
      const runs = new Map<string, number>();
      const workers = ['w1', 'w2', 'w3', 'w4'].map((name) => worker(name));
      for (const agenda of workers) {
        agenda.define('contended', async (j: Job) => {
          const id = String(j.attrs._id);
          runs.set(id, (runs.get(id) ?? 0) + 1);
        });
      }
      const due = new Date(Date.now() - 1000);
      for (let i = 0; i < 60; i++) await store.repository.saveJob(job({ name: 'contended', nextRunAt: due, data: { i } }), undefined);
      await Promise.all(workers.map((a) => a.start()));
      await waitFor(() => runs.size === 60, '60 distinct jobs to run', 20_000);
      await sleep(400); // several more poll cycles: a double run would show up here
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
    });

    it('runs again a job whose worker died holding the lock, once the lock lifetime has passed', async () => {
      const ran: string[] = [];
      const stale = await store.repository.saveJob(job({ name: 'orphan', nextRunAt: new Date(Date.now() - 60_000), data: { which: 'stale' } }), undefined);
      const fresh = await store.repository.saveJob(job({ name: 'orphan', nextRunAt: new Date(Date.now() - 60_000), data: { which: 'fresh' } }), undefined);
      // A worker locked the first 30 s ago and died; another locked the second just now and is still alive.
      await store.repository.lockJob(stale, undefined);
      await store.repository.saveJobState({ ...stale, lockedAt: new Date(Date.now() - 30_000) }, undefined);
      await store.repository.lockJob(fresh, undefined);
      const agenda = worker('survivor', { defaultLockLifetime: 10_000 });
      agenda.define('orphan', async (j: Job<{ which: string }>) => {
        ran.push(j.attrs.data.which);
      });
      await agenda.start();
      await waitFor(() => ran.length > 0, 'the orphaned job to run');
      await sleep(300);
      expect(ran).toEqual(['stale']);
      expect((await store.repository.getJobById(String(stale._id)))?.lockedAt).toBeUndefined();
    });

    it('repeats a job on an interval', async () => {
      const runAt: number[] = [];
      const agenda = worker('repeater');
      agenda.define('tick', async () => {
        runAt.push(Date.now());
      });
      await agenda.start();
      await agenda.every(250, 'tick');
      await waitFor(() => runAt.length >= 3, 'three interval runs');
      expect(runAt[2]! - runAt[0]!).toBeGreaterThanOrEqual(400);
      const stored = await agenda.queryJobs({ name: 'tick' });
      expect(stored.total).toBe(1);
      expect(stored.jobs[0]?.state).toMatch(/repeating|running/);
    });

    it('repeats on a cron expression in a time zone', async () => {
      const agenda = worker('cron');
      let runs = 0;
      agenda.define('every-second', async () => {
        runs++;
      });
      agenda.define('monthly', async () => undefined);
      await agenda.start();
      const monthly = await agenda.every('0 0 1 * *', 'monthly', undefined, { timezone: 'America/New_York', skipImmediate: true });
      const next = monthly.attrs.nextRunAt!;
      const inNewYork = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).format(next);
      expect(inNewYork).toMatch(/^1,? 0?0:00$/);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getUTCHours()).toBeGreaterThanOrEqual(4); // midnight in New York is 04:00 or 05:00 UTC, not 00:00
      await agenda.every('* * * * * *', 'every-second', undefined, { timezone: 'Asia/Kolkata' });
      await waitFor(() => runs >= 2, 'two runs of a per-second cron job', 5_000);
    });

    it('keeps one job per unique key and runs it once', async () => {
      const agenda = worker('unique');
      const ran: string[] = [];
      agenda.define('hangup', async (j: Job<{ callId: string }>) => {
        ran.push(j.attrs.data.callId);
      });
      const at = new Date(Date.now() + 300);
      for (let i = 0; i < 3; i++) await agenda.create('hangup', { callId: 'c1' }).unique({ 'data.callId': 'c1' }).schedule(at).save();
      await agenda.create('hangup', { callId: 'c1' }).unique({ 'data.callId': 'c1' }, { insertOnly: true }).schedule(new Date(Date.now() + 3_600_000)).save();
      expect((await agenda.queryJobs({ name: 'hangup' })).total).toBe(1);
      await agenda.start();
      await waitFor(() => ran.length === 1, 'the unique job to run');
      await sleep(300);
      expect(ran).toEqual(['c1']);
    });

    it('runs due jobs in priority order', async () => {
      const order: string[] = [];
      const agenda = worker('prioritised', { maxConcurrency: 1, defaultConcurrency: 1 });
      agenda.define('ordered', async (j: Job<{ label: string }>) => {
        order.push(j.attrs.data.label);
      });
      const due = new Date(Date.now() - 1000);
      for (const [label, priority] of [['low', -10], ['high', 20], ['normal', 0]] as const) {
        await store.repository.saveJob(job({ name: 'ordered', nextRunAt: due, priority, data: { label } }), undefined);
      }
      await agenda.start();
      await waitFor(() => order.length === 3, 'three prioritised jobs');
      expect(order).toEqual(['high', 'normal', 'low']);
    });

    it('does not run a disabled job until it is enabled', async () => {
      const agenda = worker('pausing');
      let runs = 0;
      agenda.define('paused', async () => {
        runs++;
      });
      await agenda.create('paused', {}).schedule(new Date(Date.now() - 1000)).save();
      expect(await agenda.disable({ name: 'paused' })).toBe(1);
      await agenda.start();
      await sleep(400); // four poll cycles
      expect(runs).toBe(0);
      expect(await agenda.enable({ name: 'paused' })).toBe(1);
      await waitFor(() => runs === 1, 'the enabled job to run');
    });

    it('runs a job saved in this process without waiting for the poll', async () => {
      const agenda = worker('notified', { processEvery: 60_000 });
      let ranAt: number | undefined;
      agenda.define('wake', async () => {
        ranAt = Date.now();
      });
      await agenda.start();
      await sleep(100); // let the start-up scan finish, so only a notification can wake the processor
      const savedAt = Date.now();
      await agenda.now('wake');
      // Well inside the 60 s poll interval: only the notification can have woken the processor.
      await waitFor(() => ranAt !== undefined, 'the notified job to run', 15_000);
      expect(ranAt! - savedAt).toBeLessThan(30_000);
    });

    it('starts a job due in the future at its time, not before', async () => {
      // Agenda locks it ahead (due before the next scan) and starts it on a timer. Agenda 6.2.6 can strand a job
      // whose timer fires a millisecond early until the next scan, so the scan interval bounds the worst case.
      const agenda = worker('timed', { processEvery: 1_000 });
      let ranAt: number | undefined;
      agenda.define('timed', async () => {
        ranAt = Date.now();
      });
      await agenda.start();
      const dueAt = Date.now() + 500;
      await agenda.schedule(new Date(dueAt), 'timed', {});
      await waitFor(() => ranAt !== undefined, 'the timed job to run', 15_000);
      expect(ranAt!).toBeGreaterThanOrEqual(dueAt - 5);
    });
  });
}
