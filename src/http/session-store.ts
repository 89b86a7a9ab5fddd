import session from 'express-session';
import type { Db } from '../db/database.js';
import type { Clock } from '../clock.js';

const DEFAULT_TTL_MS = 14 * 24 * 3600 * 1000;
/**
 * "Last seen" is worth at most one write per session every 5 minutes (the sessions list says "just now" below that);
 * express-session calls touch on every request, so every other touch writes nothing.
 */
export const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;
/** Bounds the memo below if requests keep failing between get and touch. */
const MAX_REMEMBERED = 10_000;

interface SessionRow {
  data: string;
  last_seen_at: number | string | null;
}

/**
 * Sessions live in the database so they survive restarts and are shared by every process. Each row also carries its
 * user id, user agent and last-seen time so a user can list and end their sessions.
 */
export class DatabaseSessionStore extends session.Store {
  /** last_seen_at of sessions read by requests still in flight: lets touch skip its write without another read. */
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly db: Db, private readonly clock: Clock) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db('sessions')
      .where({ sid })
      .andWhere('expires_at', '>', this.now())
      .first('data', 'last_seen_at')
      .then((row: SessionRow | undefined) => {
        if (!row) return callback(null, null);
        if (this.lastSeen.size >= MAX_REMEMBERED) this.lastSeen.clear();
        this.lastSeen.set(sid, Number(row.last_seen_at ?? 0));
        callback(null, JSON.parse(row.data));
      }, callback);
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.lastSeen.delete(sid);
    const row = {
      sid,
      data: JSON.stringify(data),
      expires_at: this.expiryOf(data),
      user_id: data.userId ?? null,
      user_agent: data.userAgent?.slice(0, 300) ?? null,
      last_seen_at: this.now(),
    };
    this.db('sessions')
      .insert(row)
      .onConflict('sid')
      .merge(['data', 'expires_at', 'user_id', 'user_agent', 'last_seen_at'])
      .then(() => callback?.(), callback);
  }

  override touch(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    const seen = this.lastSeen.get(sid);
    this.lastSeen.delete(sid);
    const now = this.now();
    if (seen !== undefined && now - seen < LAST_SEEN_RESOLUTION_MS) {
      callback?.();
      return;
    }
    this.db('sessions')
      .where({ sid })
      .update({ expires_at: this.expiryOf(data), last_seen_at: now })
      .then(() => callback?.(), callback);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.lastSeen.delete(sid);
    this.db('sessions')
      .where({ sid })
      .delete()
      .then(() => callback?.(), callback);
  }

  /** Removes expired sessions; called on a timer so the table does not grow without bound. */
  async prune(): Promise<number> {
    return this.db('sessions').where('expires_at', '<=', this.now()).delete();
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private expiryOf(data: session.SessionData): number {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires).getTime() : undefined;
    return expires ?? this.now() + DEFAULT_TTL_MS;
  }
}
