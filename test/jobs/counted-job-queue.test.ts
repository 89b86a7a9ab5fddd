import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Agenda, Job } from 'agenda';
// Agenda's own queue, the reference: not exported by the package, so reached by its file.
import { JobProcessingQueue } from '../../node_modules/agenda/dist/JobProcessingQueue.js';
import { CountedJobQueue, useCountedJobQueue } from '../../src/jobs/counted-job-queue.js';

/** 'none' has no definition: Agenda never hands such a job out. */
const names = ['hangup', 'webhook', 'unlimited', 'none'] as const;
const definitions = { hangup: { concurrency: 2 }, webhook: { concurrency: 1 }, unlimited: { concurrency: 0 } };

type Operation =
  | { kind: 'insert'; name: (typeof names)[number]; runAt: number | null; priority: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'next'; running: Record<string, number>; handle: number[]; newPass: boolean };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    name: fc.constantFrom(...names),
    runAt: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
    priority: fc.constantFrom(-10, 0, 10, 20),
  }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('next' as const),
    running: fc.record({ hangup: fc.integer({ min: 0, max: 3 }), webhook: fc.integer({ min: 0, max: 2 }), unlimited: fc.nat(5) }),
    handle: fc.array(fc.nat(), { maxLength: 3 }),
    newPass: fc.boolean(),
  }),
);

function fakeJob(id: number, name: string, runAt: number | null, priority: number): Job {
  return { attrs: { _id: `job-${id}`, name, nextRunAt: runAt === null ? null : new Date(1_000 + runAt), priority } } as unknown as Job;
}

const ids = (jobs: Job[]) => jobs.map((job) => String(job.attrs._id));

describe('CountedJobQueue', () => {
  it("keeps Agenda's order and hands out the same job as Agenda's queue, for any sequence of operations", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const reference = new JobProcessingQueue({ definitions } as unknown as Agenda);
        const counted = new CountedJobQueue(() => definitions);
        // The processor's list of handled jobs grows during one pass and starts empty on the next.
        let handled: unknown[] = [];
        let nextId = 0;
        for (const op of operations) {
          if (op.kind === 'insert') {
            const job = fakeJob(nextId++, op.name, op.runAt, op.priority);
            reference.insert(job);
            counted.insert(job);
          } else if (op.kind === 'remove') {
            if (counted.length === 0) continue;
            const job = counted.getQueue()[op.pick % counted.length]!;
            reference.remove(job);
            counted.remove(job);
          } else {
            if (op.newPass) handled = [];
            for (const pick of op.handle) if (counted.length > 0) handled.push(counted.getQueue()[pick % counted.length]!.attrs._id);
            const status = Object.fromEntries(Object.entries(op.running).map(([name, running]) => [name, { running }]));
            expect(counted.returnNextConcurrencyFreeJob(status, handled)).toBe(reference.returnNextConcurrencyFreeJob(status, handled as never[]));
          }
          expect(ids(counted.getQueue())).toEqual(ids(reference.getQueue()));
          expect(counted.length).toBe(reference.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('answers nothing when every queued name is at its concurrency limit, and the runnable job behind them otherwise', () => {
    const queue = new CountedJobQueue(() => definitions);
    const webhook = fakeJob(0, 'webhook', 0, 0);
    queue.insert(webhook);
    for (let id = 1; id <= 1_000; id++) queue.insert(fakeJob(id, 'hangup', 0, 0));
    expect(queue.returnNextConcurrencyFreeJob({ hangup: { running: 2 }, webhook: { running: 1 } }, [])).toBeUndefined();
    expect(queue.returnNextConcurrencyFreeJob({ hangup: { running: 2 }, webhook: { running: 0 } }, [])).toBe(webhook);
    queue.remove(webhook);
    expect(queue.returnNextConcurrencyFreeJob({ hangup: { running: 2 } }, [])).toBeUndefined();
    expect(queue.returnNextConcurrencyFreeJob({ hangup: { running: 1 } }, [])?.attrs.name).toBe('hangup');
  });

  it("replaces a started processor's queue, keeping the jobs it holds in order, and refuses an Agenda without one", () => {
    const held = new JobProcessingQueue({ definitions } as unknown as Agenda);
    for (let id = 0; id < 5; id++) held.insert(fakeJob(id, 'hangup', id % 2, 0));
    const agenda = { definitions, jobProcessor: { jobQueue: held } } as unknown as Agenda;
    useCountedJobQueue(agenda);
    const replaced = (agenda as unknown as { jobProcessor: { jobQueue: CountedJobQueue } }).jobProcessor.jobQueue;
    expect(replaced).toBeInstanceOf(CountedJobQueue);
    expect(ids(replaced.getQueue())).toEqual(ids(held.getQueue()));
    expect(() => useCountedJobQueue({ definitions } as unknown as Agenda)).toThrow(/Agenda internals changed/);
  });
});
