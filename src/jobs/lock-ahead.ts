import type { Agenda } from 'agenda';

/** How far ahead of their run time jobs are locked, unless a short lock lifetime asks for less. */
export const defaultLockAheadMs = 2_000;

interface ProcessorInternals {
  jobProcessor?: { process(): Promise<void> };
}

export interface LockAheadOptions {
  /** How often to look for due jobs saved by other processes (the scheduler's processEvery). */
  pollMs: number;
  lockAheadMs?: number;
  /** A lock lifetime override: jobs must not be locked so early that their lock expires before they run. */
  lockLifetimeMs?: number | undefined;
}

/**
 * Locks jobs further ahead of their run time than Agenda's poll interval, still polling as often.
 *
 * Agenda runs nothing of a scan until it has locked every job due before its next scan, one statement each, and it
 * only looks one poll interval ahead. Thousands of jobs due at the same moment are found by a scan that falls at
 * a random point of the last interval before they are due, so most of their locking happened after their due
 * time and every one of them started late. Agenda has one setting for both the look-ahead and the poll interval
 * (processEvery): this sets it to the look-ahead and asks the processor for a scan every `pollMs` besides, so a
 * job saved by another process still waits at most `pollMs`. A job never runs early: Agenda starts each locked job
 * on a timer at its run time, and gives back the lock of one it finds further away than the look-ahead.
 *
 * What it costs: a job is locked (and held in this process's memory) up to the look-ahead before it runs, so a
 * worker that dies then leaves it to wait out its lock lifetime, and a change made to a job in that window is only
 * seen by the run if the job's handler reads it again (the hangup does). The look-ahead is kept to at most half of
 * an overridden lock lifetime, so a job's lock cannot expire before it runs.
 *
 * Call before agenda.start(); call started() right after it and stopped() before draining.
 */
export function lockAhead(agenda: Agenda, options: LockAheadOptions): { started(): void; stopped(): void } {
  const wanted = options.lockAheadMs ?? defaultLockAheadMs;
  const bounded = options.lockLifetimeMs === undefined ? wanted : Math.min(wanted, Math.floor(options.lockLifetimeMs / 2));
  const lookAheadMs = Math.max(options.pollMs, bounded);
  if (lookAheadMs === options.pollMs) return { started: () => undefined, stopped: () => undefined };
  agenda.processEvery(lookAheadMs);
  let poll: NodeJS.Timeout | undefined;
  return {
    started() {
      const processor = (agenda as unknown as ProcessorInternals).jobProcessor;
      if (!processor || typeof processor.process !== 'function') {
        throw new Error('Agenda internals changed: no job processor to ask for a scan (see lock-ahead.ts)');
      }
      // As Agenda's own interval does; its failures to lock are already reported as 'error' events.
      poll = setInterval(() => processor.process().catch((error: unknown) => agenda.emit('error', error)), options.pollMs);
      poll.unref();
    },
    stopped() {
      clearInterval(poll);
      poll = undefined;
    },
  };
}
