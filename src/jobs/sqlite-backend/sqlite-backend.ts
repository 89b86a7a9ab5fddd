import type { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { AgendaBackend, JobLogger, NotificationChannel } from 'agenda';
import { InProcessNotificationChannel } from './in-process-notification-channel.js';
import { SqliteJobLogger } from './sqlite-job-logger.js';
import { SqliteJobRepository } from './sqlite-job-repository.js';

export interface SqliteBackendOptions {
  /** The app's knex instance on SQLite; the backend never closes it (the app owns it). */
  db: Knex;
  table?: string;
  /** Share one bus between backends so several Agenda instances in this process wake each other. */
  notificationBus?: EventEmitter;
  /** false: no notification channel, jobs are found by polling only (used to test polling on its own). */
  notifications?: boolean;
  now?: () => Date;
  /** Whether Agenda deletes a job of this name once a run succeeds (removeOnComplete); see finished-run.ts. */
  removesOnSuccess?: (name: string) => boolean;
}

/** Agenda's storage in the app's own SQLite database: no server needed for the embedded default. */
export class SqliteBackend implements AgendaBackend {
  readonly name = 'SQLite';
  readonly repository: SqliteJobRepository;
  readonly notificationChannel: NotificationChannel | undefined;
  /** Used only when Agenda is created with `logging` on (see the scheduler's jobLog option). */
  readonly logger: JobLogger;
  readonly ownsConnection = false;

  constructor(options: SqliteBackendOptions) {
    this.repository = new SqliteJobRepository({
      db: options.db,
      ...(options.table ? { table: options.table } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.removesOnSuccess ? { removesOnSuccess: options.removesOnSuccess } : {}),
    });
    this.logger = new SqliteJobLogger(options.db);
    this.notificationChannel =
      options.notifications === false ? undefined : new InProcessNotificationChannel(options.notificationBus ? { bus: options.notificationBus } : {});
  }

  async connect(): Promise<void> {
    await this.repository.connect();
  }

  async disconnect(): Promise<void> {
    // The knex instance belongs to the app, which destroys it on shutdown.
  }
}
