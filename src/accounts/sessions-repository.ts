import type { Db } from '../db/database.js';

export interface ActiveSession {
  sid: string;
  userAgent: string | null;
  lastSeenAt: Date | null;
}

interface SessionListRow {
  sid: string;
  user_agent: string | null;
  last_seen_at: number | string | null;
}

/** A user's sessions as rows of the `sessions` table (written by DatabaseSessionStore). */
export function sessionsRepository(db: Db) {
  return {
    async listActive(userId: number, now: Date): Promise<ActiveSession[]> {
      const rows = await db('sessions')
        .where({ user_id: userId })
        .andWhere('expires_at', '>', now.getTime())
        .orderBy('last_seen_at', 'desc')
        .select('sid', 'user_agent', 'last_seen_at');
      return (rows as SessionListRow[]).map((row) => ({ sid: row.sid, userAgent: row.user_agent, lastSeenAt: row.last_seen_at === null ? null : new Date(Number(row.last_seen_at)) }));
    },

    /** Ends every session of the user except the one given; returns how many ended. */
    async endOthers(userId: number, keepSid: string): Promise<number> {
      return db('sessions').where({ user_id: userId }).andWhereNot({ sid: keepSid }).delete();
    },

    async endAll(userIds: number[]): Promise<number> {
      if (userIds.length === 0) return 0;
      return db('sessions').whereIn('user_id', userIds).delete();
    },
  };
}

export type SessionsRepository = ReturnType<typeof sessionsRepository>;
