import type { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { AgendaBackend } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Config } from '../config/config.js';
import { SqliteBackend } from './sqlite-backend/sqlite-backend.js';

export type JobStore = 'sqlite' | 'postgres' | 'mongodb';

/**
 * JOBS_STORE=auto follows the data: MongoDB when JOBS_MONGODB_URL is set, else the app's own database
 * (PostgreSQL when DATABASE_URL is set, otherwise the embedded SQLite file). An explicit store that cannot work
 * with the rest of the config is refused at start-up rather than failing on the first job.
 */
export function selectJobStore(config: Pick<Config, 'jobs' | 'database'>): JobStore {
  const { store, mongoUrl } = config.jobs;
  const database = config.database.client;
  if (store === 'auto') return mongoUrl ? 'mongodb' : database;
  if (store === 'mongodb' && !mongoUrl) throw new Error('JOBS_STORE=mongodb needs JOBS_MONGODB_URL');
  if (store === 'postgres' && database !== 'postgres') throw new Error('JOBS_STORE=postgres needs DATABASE_URL (the jobs live in the app database)');
  if (store === 'sqlite' && database !== 'sqlite') throw new Error('JOBS_STORE=sqlite needs the embedded SQLite database (unset DATABASE_URL)');
  return store;
}

export interface JobBackendOptions {
  config: Pick<Config, 'jobs' | 'database'>;
  /** The app's knex instance; used directly by the SQLite store. */
  db: Knex;
  /** Table (PostgreSQL) or collection (MongoDB) name; tests use a throw-away one. */
  collection?: string;
  /** SQLite: share between schedulers in one process so they wake each other. */
  notificationBus?: EventEmitter;
}

export function createJobBackend(options: JobBackendOptions): AgendaBackend {
  const { config } = options;
  const store = selectJobStore(config);
  const collection = options.collection ?? 'agenda_jobs';
  if (store === 'mongodb') return new MongoBackend({ address: config.jobs.mongoUrl!, collection });
  if (store === 'postgres' && config.database.client === 'postgres') {
    // Its own small pool from the same URL: the backend needs pg's Pool (LISTEN/NOTIFY), not knex.
    return new PostgresBackend({ connectionString: config.database.url, tableName: collection, channelName: collection });
  }
  return new SqliteBackend({ db: options.db, ...(options.notificationBus ? { notificationBus: options.notificationBus } : {}) });
}
