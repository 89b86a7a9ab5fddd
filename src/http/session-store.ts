import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import session from 'express-session';
import { isSqlite, type Db } from '../db/database.js';
import { preparedQueries, type PreparedQueries } from '../db/prepared-queries.js';
import type { Clock } from '../clock.js';
import { toUser, USER_COLUMNS, type User, type UserColumns } from '../shared/user.js';
import { sessionIdFrom } from './session-cookie.js';
import type {} from './session-types.js';

const DEFAULT_TTL_MS = 14 * 24 * 3600 * 1000;
/**
 * The session's columns are aliased so that no users column can shadow them. The user's are named, not `users.*`: a
 * prepared statement whose result columns change (a column added by a newer instance's migration) fails until it is
 * prepared again, and the password hash has no business in every request.
 */
const SESSION_COLUMNS = `sessions.data as session_data, sessions.last_seen_at as session_last_seen_at, ${USER_COLUMNS.map((column) => `users.${column}`).join(', ')}`;
const SESSION_FROM = 'from sessions left join users on users.id = sessions.user_id';
const SESSION_WHERE = 'where sessions.sid = ? and sessions.expires_at > ? limit 1';
const SESSION_SQL = `select ${SESSION_COLUMNS} ${SESSION_FROM} ${SESSION_WHERE}`;
/**
 * "Last seen" is worth at most one write per session every 5 minutes (the sessions list says "just now" below that);
 * express-session calls touch on every request, so every other touch writes nothing.
 */
export const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;
/** Bounds the memos below if requests keep failing between get and touch (or between get and loadUser). */
const MAX_REMEMBERED = 10_000;

/** A session row with its user's columns from the left join: they are all null when no user row matched. */
type SessionRow = { session_data: string; session_last_seen_at: number | string | null } & (UserColumns | { id: null });

/** A session read started before express-session asked for it (see readEarly); get takes it once. */
interface EarlyRead {
  sid: string;
  row: Promise<SessionRow | undefined>;
  taken: boolean;
}

/**
 * Sessions live in the database so they survive restarts and are shared by every process. Each row also carries its
 * user id, user agent and last-seen time so a user can list and end their sessions; the user id also lets `get` read
 * the user with the session (see takeUser).
 */
export class DatabaseSessionStore extends session.Store {
  /** last_seen_at of sessions read by requests still in flight: lets touch skip its write without another read. */
  private readonly lastSeen = new Map<string, number>();
  /** Users read along with their session by requests still in flight: loadUser takes them instead of reading `users`. */
  private readonly users = new Map<string, User>();
  private readonly early = new AsyncLocalStorage<EarlyRead>();
  private readonly prepared: PreparedQueries;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    super();
    this.prepared = preparedQueries(db);
  }

  /**
   * Whether starting a click's session read as the request arrives is worth it: on PostgreSQL the read is a round trip
   * that can overlap the middleware in front of express-session; on SQLite it is a synchronous in-process read.
   */
  get readsEarly(): boolean {
    return !isSqlite(this.db);
  }

  /**
   * Reads the session and, in the same statement, its user: every logged-in request needs both, and on PostgreSQL a
   * second read is a second round trip. The session's columns are aliased so that no users column can shadow them.
   */
  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    const { row: read } = this.takeEarlyRead(sid) ?? this.startRead(sid);
    read.then(
      (row) => {
        // Every outcome replaces what an earlier request left for this sid, so takeUser only sees this read.
        this.users.delete(sid);
        if (!row) return callback(null, null);
        const data = JSON.parse(row.session_data) as session.SessionData;
        remember(this.lastSeen, sid, Number(row.session_last_seen_at ?? 0));
        if (row.id !== null) remember(this.users, sid, toUser(row));
        callback(null, data);
      },
      (err: unknown) => {
        this.users.delete(sid);
        callback(err);
      },
    );
  }

  /**
   * Starts, now, the read `get(sid)` would make later in this request, and runs `next` where get takes it instead.
   * Between a request's arrival and express-session's get lies middleware (log, headers, the body); on
   * PostgreSQL the read's round trip then overlaps them instead of following them. A get for another sid, or a
   * second get, reads for itself.
   */
  readEarly(sid: string, next: () => void): void {
    const read = this.startRead(sid);
    // The request may end before express-session asks (a refused body, say): get reports a failure, nobody else.
    read.row.catch(() => undefined);
    this.early.run({ sid, ...read, taken: false }, next);
  }

  private takeEarlyRead(sid: string): EarlyRead | undefined {
    const early = this.early.getStore();
    if (!early || early.taken || early.sid !== sid) return undefined;
    early.taken = true;
    return early;
  }

  /**
   * A prepared statement: every request with a session cookie makes this read, and on PostgreSQL planning the join
   * each time costs more than running it.
   */
  private startRead(sid: string): { row: Promise<SessionRow | undefined> } {
    return { row: this.prepared.all<SessionRow>(SESSION_SQL, [sid, this.now()]).then((rows) => rows[0]) };
  }

  /**
   * The user `get` read with session `sid`, if it is `userId` (the session data is what counts: a row whose user_id
   * column disagrees, or is null, yields undefined, meaning "read it yourself"). Taken, not peeked: the copy is
   * removed, so no later request can be served it instead of a fresh read.
   */
  takeUser(sid: string, userId: number): User | undefined {
    const user = this.users.get(sid);
    this.users.delete(sid);
    return user?.id === userId ? user : undefined;
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.lastSeen.delete(sid);
    this.users.delete(sid);
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
    this.users.delete(sid);
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

/**
 * Mount early, for the requests `when` picks: starts their session read as they arrive (see readEarly). A request
 * without a validly signed session cookie is passed on untouched, as express-session would ignore its cookie.
 */
export function readSessionEarly(store: DatabaseSessionStore, options: { secret: string; when: (req: Parameters<RequestHandler>[0]) => boolean }): RequestHandler {
  return (req, _res, next) => {
    const sid = options.when(req) ? sessionIdFrom(req.headers.cookie, options.secret) : undefined;
    if (sid === undefined) return next();
    store.readEarly(sid, next);
  };
}

/** Bounded: entries are normally removed within the request, and a burst of failed requests must not grow the map. */
function remember<V>(memo: Map<string, V>, sid: string, value: V): void {
  if (memo.size >= MAX_REMEMBERED) memo.clear();
  memo.set(sid, value);
}
