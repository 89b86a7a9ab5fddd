import type { Agenda, Job } from 'agenda';

/** The job processor's view of its local queue: the members of Agenda's JobProcessingQueue that it calls. */
export interface LocalJobQueue {
  readonly length: number;
  getQueue(): Job[];
  pop(): Job | undefined;
  remove(job: Job): void;
  insert(job: Job): void;
  returnNextConcurrencyFreeJob(jobStatus: Record<string, { running: number } | undefined>, handledJobs: unknown[]): Job | undefined;
}

type Definitions = Record<string, { concurrency?: number } | undefined>;

/**
 * Agenda's local queue of locked jobs with the same order and choices, without its quadratic cost at scale.
 * Agenda's JobProcessingQueue (6.2.6) answers "which job may run next?" by listing every index of the queue and
 * scanning it, and a processor asks after every job: with thousands of hangups locked at once and their name at its
 * concurrency limit, each finished job walked the whole queue only to find nothing. This queue counts its jobs per
 * name, so a queue whose names are all at their limit answers at once, and otherwise walks from the right only until
 * it meets a runnable job. The order (decreasing run time, then priority, first in first served) and every answer
 * are Agenda's own; test/jobs/counted-job-queue.test.ts compares the two on random operations.
 */
export class CountedJobQueue implements LocalJobQueue {
  private readonly queue: Job[] = [];
  private readonly countByName = new Map<string, number>();
  /** The processor's list of jobs handled in one pass only grows; each list gets a Set, caught up on each call. */
  private readonly handledSets = new WeakMap<unknown[], { ids: Set<unknown>; seen: number }>();

  constructor(private readonly definitions: () => Definitions) {}

  get length(): number {
    return this.queue.length;
  }

  getQueue(): Job[] {
    return this.queue;
  }

  pop(): Job | undefined {
    const job = this.queue.pop();
    if (job) this.count(job, -1);
    return job;
  }

  remove(job: Job): void {
    // The processor removes the job it was just handed, which sits at or near the right end.
    let index = this.queue.lastIndexOf(job);
    if (index === -1) index = this.queue.findIndex((queued) => queued.attrs._id?.toString() === job.attrs._id?.toString());
    if (index === -1) throw new Error(`cannot find job ${String(job.attrs._id)} in processing queue?`);
    const [removed] = this.queue.splice(index, 1);
    this.count(removed!, -1);
  }

  /** Agenda's rule, as it writes it: left of the first job due no later (when due together, of no lower priority). */
  insert(job: Job): void {
    const runAt = job.attrs.nextRunAt;
    const index = this.queue.findIndex((queued) => {
      const queuedAt = queued.attrs.nextRunAt;
      if (!queuedAt || !runAt || !(queuedAt.getTime() <= runAt.getTime())) return false;
      return queuedAt.getTime() !== runAt.getTime() || queued.attrs.priority >= job.attrs.priority;
    });
    if (index === -1) this.queue.push(job);
    else this.queue.splice(index, 0, job);
    this.count(job, +1);
  }

  /** Appends jobs already in processing order (left to right), as taken from another queue. */
  adopt(jobs: readonly Job[]): void {
    for (const job of jobs) {
      this.queue.push(job);
      this.count(job, +1);
    }
  }

  returnNextConcurrencyFreeJob(jobStatus: Record<string, { running: number } | undefined>, handledJobs: unknown[]): Job | undefined {
    const definitions = this.definitions();
    const runnable = new Set<string>();
    for (const name of this.countByName.keys()) {
      const definition = definitions[name];
      const status = jobStatus[name];
      if (definition && (!status || !definition.concurrency || status.running < definition.concurrency)) runnable.add(name);
    }
    if (runnable.size === 0) return undefined;
    const handled = this.handledSet(handledJobs);
    for (let index = this.queue.length - 1; index >= 0; index--) {
      const job = this.queue[index]!;
      if (runnable.has(job.attrs.name) && !handled.has(job.attrs._id)) return job;
    }
    return undefined;
  }

  private handledSet(handledJobs: unknown[]): Set<unknown> {
    let entry = this.handledSets.get(handledJobs);
    if (!entry) this.handledSets.set(handledJobs, (entry = { ids: new Set(), seen: 0 }));
    for (; entry.seen < handledJobs.length; entry.seen++) entry.ids.add(handledJobs[entry.seen]);
    return entry.ids;
  }

  private count(job: Job, change: number): void {
    const name = job.attrs.name;
    const queued = (this.countByName.get(name) ?? 0) + change;
    if (queued > 0) this.countByName.set(name, queued);
    else this.countByName.delete(name);
  }
}

/** What the swap below reaches: private in Agenda's typings, present at run time. */
interface ProcessorInternals {
  jobProcessor?: { jobQueue: LocalJobQueue };
}

/**
 * Gives a started Agenda's job processor a CountedJobQueue, keeping the jobs it already holds in their order.
 * Agenda exports neither its queue nor a way to choose one, so this reaches its (private) processor; call it right
 * after every agenda.start(), which creates a new processor. It throws rather than run on silently if a later
 * Agenda renames what it reaches.
 */
export function useCountedJobQueue(agenda: Agenda): void {
  const processor = (agenda as unknown as ProcessorInternals).jobProcessor;
  const current = processor?.jobQueue;
  if (!processor || !current || typeof current.getQueue !== 'function' || typeof current.returnNextConcurrencyFreeJob !== 'function') {
    throw new Error('Agenda internals changed: no job processor queue to replace (see counted-job-queue.ts)');
  }
  if (current instanceof CountedJobQueue) return;
  const replacement = new CountedJobQueue(() => agenda.definitions as Definitions);
  replacement.adopt(current.getQueue());
  processor.jobQueue = replacement;
}
