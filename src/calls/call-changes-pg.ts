import type pg from 'pg';
import { loadOnDemand } from '../shared/load-on-demand.js';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import type { RemoteChanges } from './call-changes.js';

/** The channel every instance listens on; the payload is `<instance>:<call id>`. */
export const CALL_CHANGES_CHANNEL = 'callbridge_call_changes';

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * One LISTEN connection per instance (never one per waiter), opened when the first request waits, and opened again
 * after a drop (then every waiter reads again: notifications sent while it was down are lost). Changes are
 * announced with pg_notify through the ordinary pool, after the change committed; an instance ignores its own
 * announcements, as it has already woken its waiters in-process.
 */
export class PgChangeListener implements RemoteChanges {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RECONNECT_MIN_MS;
  private closed = false;
  private everConnected = false;
  private readonly pending = new Set<Promise<unknown>>();
  private changeListener: (callId: string) => void = () => undefined;
  private resyncListener: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    private readonly instance: string,
    private readonly logger: Logger,
  ) {}

  onChange(listener: (callId: string) => void): void {
    this.changeListener = listener;
  }

  onResync(listener: () => void): void {
    this.resyncListener = listener;
  }

  listening(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    return (this.connecting ??= this.connect());
  }

  publish(callId: string): void {
    const sent = this.db
      .raw('select pg_notify(?, ?)', [CALL_CHANGES_CHANNEL, `${this.instance}:${callId}`])
      .catch((err: unknown) => this.logger.warn({ err, callId }, 'could not announce a call change to other instances; their pages catch up within a poll'));
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await Promise.allSettled([...this.pending]);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { Client } = loadOnDemand('pg') as typeof pg;
    const client = new Client(connectionConfig(this.db));
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      const colon = payload.indexOf(':');
      if (colon < 0 || payload.slice(0, colon) === this.instance) return;
      this.changeListener(payload.slice(colon + 1));
    });
    // A dropped connection emits 'error' then 'end'; either way: connect again, then everyone reads again.
    client.on('error', (err) => this.logger.warn({ err }, 'the call-change listener lost its PostgreSQL connection; reconnecting'));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CALL_CHANGES_CHANNEL}`);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      // The listener alone must not keep a process alive (a test, a CLI that built the services).
      (client as unknown as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.();
      this.retryMs = RECONNECT_MIN_MS;
      if (this.everConnected) this.resyncListener();
      this.everConnected = true;
    } catch (err) {
      this.logger.warn({ err }, 'the call-change listener could not connect to PostgreSQL; retrying');
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.scheduleRetry();
    } finally {
      this.connecting = undefined;
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (!this.closed) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      // The first connection after a failure counts as a reconnect: news may have been missed meanwhile.
      this.everConnected = true;
      void this.listening();
    }, delay);
    this.retryTimer.unref();
  }
}

/** What the knex pool connects with (knex parses createDb's URL into host, port, user and so on). */
function connectionConfig(db: Db): pg.ClientConfig {
  const connection = db.client.config.connection as string | pg.ClientConfig;
  return typeof connection === 'string' ? { connectionString: connection } : { ...connection, port: Number(connection.port ?? 5432) };
}
