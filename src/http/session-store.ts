import session from 'express-session';
import type { Db } from '../db/database.js';
import type { Clock } from '../clock.js';

const DEFAULT_TTL_MS = 14 * 24 * 3600 * 1000;

/** Sessions live in the database so they survive restarts and are shared by every process. */
export class DatabaseSessionStore extends session.Store {
  constructor(private readonly db: Db, private readonly clock: Clock) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db('sessions')
      .where({ sid })
      .andWhere('expires_at', '>', this.clock.now().getTime())
      .first('data')
      .then((row: { data: string } | undefined) => callback(null, row ? JSON.parse(row.data) : null), callback);
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    const row = { sid, data: JSON.stringify(data), expires_at: this.expiryOf(data) };
    this.db('sessions')
      .insert(row)
      .onConflict('sid')
      .merge(['data', 'expires_at'])
      .then(() => callback?.(), callback);
  }

  /**
   * Deliberately no write. express-session calls this on every request whose session did not change; the app is
   * not `rolling`, so the browser's cookie keeps the expiry of the last save, and moving the row's expiry past it
   * would only cost a database write on every page view, preview and status poll.
   */
  override touch(_sid: string, _data: session.SessionData, callback?: (err?: unknown) => void): void {
    callback?.();
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.db('sessions')
      .where({ sid })
      .delete()
      .then(() => callback?.(), callback);
  }

  /** Removes expired sessions; called on a timer so the table does not grow without bound. */
  async prune(): Promise<number> {
    return this.db('sessions').where('expires_at', '<=', this.clock.now().getTime()).delete();
  }

  private expiryOf(data: session.SessionData): number {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires).getTime() : undefined;
    return expires ?? this.clock.now().getTime() + DEFAULT_TTL_MS;
  }
}
