import type { Agenda } from 'agenda';
import type { Logger } from 'pino';

/** What every job module gets when it registers itself: no globals, everything passed in. */
export interface JobContext {
  agenda: Agenda;
  logger: Logger;
  /** Overrides every job's lock lifetime (tests shorten it to see crash recovery quickly). */
  lockLifetimeMs?: number | undefined;
}

/** A job module: registers its definition on the Agenda instance. */
export type DefineJob = (context: JobContext) => void;
