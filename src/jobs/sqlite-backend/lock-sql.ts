/**
 * The job processor's hot-path statements, written out so they can be prepared once and reused (see RawSqlite).
 * `table` must already be a quoted identifier.
 */

/** Due jobs first; among equally due jobs the higher priority wins (Agenda's default sort). */
const nextJobOrder = 'next_run_at ASC NULLS LAST, priority DESC';

/**
 * Locks the next runnable job of a name and returns it: unlocked and due before the next scan, or locked by a
 * worker whose lock has outlived lockLifetime (crashed or hung), which is taken over and run again.
 * One UPDATE … RETURNING: SQLite takes the write lock as the statement starts, so choosing and locking the job is
 * atomic for every connection and process sharing the file. Each UNION arm is a single seek on
 * scheduled_jobs_due_idx; an OR of the two conditions would scan and sort every job of that name on every lock.
 * Parameters: lockedAt, lastModifiedBy, name, nextScanAt, name, lockDeadline.
 */
export function lockNextJobSql(table: string): string {
  return `UPDATE ${table} SET locked_at = ?, last_modified_by = ?
    WHERE id IN (
      SELECT id FROM (
        SELECT * FROM (SELECT id, next_run_at, priority FROM ${table}
          WHERE name = ? AND locked_at IS NULL AND next_run_at <= ? AND disabled = 0 ORDER BY next_run_at ASC, priority DESC LIMIT 1)
        UNION ALL
        SELECT * FROM (SELECT id, next_run_at, priority FROM ${table}
          WHERE name = ? AND locked_at <= ? AND disabled = 0 ORDER BY ${nextJobOrder} LIMIT 1)
      ) ORDER BY ${nextJobOrder} LIMIT 1)
    RETURNING *`;
}

/** Locks exactly the run the caller saw: unlocked, same next run time, not disabled. Parameters: lockedAt, lastModifiedBy, id, name, nextRunAt. */
export function lockJobSql(table: string): string {
  return `UPDATE ${table} SET locked_at = ?, last_modified_by = ?
    WHERE id = ? AND name = ? AND locked_at IS NULL AND next_run_at = ? AND disabled = 0
    RETURNING *`;
}

/** The processor-owned columns, written while a job runs. Parameters in the order of stateParams(). */
export function saveStateSql(table: string): string {
  return `UPDATE ${table} SET locked_at = ?, next_run_at = ?, last_run_at = ?, progress = ?, fail_reason = ?,
    fail_count = ?, failed_at = ?, last_finished_at = ?, last_modified_by = ?
    WHERE id = ? AND name = ?`;
}

export function deleteByIdSql(table: string): string {
  return `DELETE FROM ${table} WHERE id = ?`;
}

export function selectByIdSql(table: string): string {
  return `SELECT * FROM ${table} WHERE id = ?`;
}
