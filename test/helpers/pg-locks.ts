import type { Db } from '../../src/db/database.js';

/** Waits until `count` backends wait on a lock held by `rootPid`, directly or behind one another; returns their queries. */
export async function waitForBlocked(db: Db, rootPid: number, count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = (await db.raw(`select pid, pg_blocking_pids(pid) as blockers, query from pg_stat_activity where wait_event_type = 'Lock'`)) as {
      rows: { pid: number; blockers: number[]; query: string }[];
    };
    const behind = new Map<number, string>();
    for (let grew = true; grew; ) {
      grew = false;
      for (const { pid, blockers, query } of rows) {
        if (!behind.has(pid) && blockers.some((b) => b === rootPid || behind.has(b))) {
          behind.set(pid, query);
          grew = true;
        }
      }
    }
    if (behind.size >= count) return [...behind.values()];
    if (Date.now() > deadline) throw new Error(`only ${behind.size} of ${count} transactions are waiting behind pid ${rootPid}: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
