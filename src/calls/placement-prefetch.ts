import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import type { Clock } from '../clock.js';
import type { SessionReadAlong } from '../http/session-store.js';
import { startOfUtcDay } from './daily-spend.js';
import { liveCallSql, PLACEMENT_WALLET_FIELDS, spentSinceSql, type PlacementStateRow } from './call-placement.js';

/** What a click's session read brought along, for the placement to decide from instead of reading again. */
export interface EarlierPlacementRead {
  row: PlacementStateRow;
  /** The start of the day the spending was summed from (see CallsService.start's daily cap). */
  spentSince: string;
}

interface Slot {
  spentSince: string;
  row?: Record<string, unknown> | undefined;
}

/** A click: the request that places a call (POST /calls). */
export const isClick = (req: { method: string; path: string }): boolean => req.method === 'POST' && req.path === '/calls';

const PREFIX = 'placement_';
const ALONG_JOINS = `left join wallets as ${PREFIX}wallet on ${PREFIX}wallet.user_id = sessions.user_id`;
const ALONG_COLUMNS =
  `sessions.user_id as ${PREFIX}session_user_id, ` +
  PLACEMENT_WALLET_FIELDS.map((field) => `${PREFIX}wallet.${field} as ${PREFIX}${field}`).join(', ') +
  `, ${liveCallSql('sessions.user_id')} as ${PREFIX}live_call_id` +
  // Summed only for a user with a daily cap: nobody else's placement looks at it.
  `, case when users.daily_spend_cap_micros is null then 0 else ${spentSinceSql('sessions.user_id')} end as ${PREFIX}spent_micros`;

/**
 * On PostgreSQL each round trip between the click and Twilio's create waits for a database backend and then for the
 * instance to be scheduled again. A click's session read is one of them anyway, so it also reads what placing the
 * call is decided from (the wallet, the live call, today's spending): one round trip fewer per click.
 *
 * Reading it a few milliseconds before the placement is as safe as reading it at the placement: the placement's write
 * applies only if the wallet is still as read, and the unique live-call index refuses a second live call; a
 * placement that loses either race reads again. SQLite has no round trips to save (and reads inside its write
 * transaction), so it is used on PostgreSQL only.
 */
export class PlacementPrefetch {
  private readonly context = new AsyncLocalStorage<Slot>();

  constructor(private readonly clock: Clock) {}

  /** Mount before sessions: marks a click (POST /calls) so that its session read brings the placement's state. */
  middleware(): RequestHandler {
    return (req, _res, next) => {
      if (!isClick(req)) return next();
      this.context.run({ spentSince: startOfUtcDay(this.clock.now()) }, next);
    };
  }

  /** The session store's read-along (SessionReadExtension): only a click's own session read brings anything. */
  readonly sessionRead = (): SessionReadAlong | undefined => {
    const slot = this.context.getStore();
    if (!slot) return undefined;
    return {
      columns: ALONG_COLUMNS,
      joins: ALONG_JOINS,
      params: [slot.spentSince],
      receive: (row) => void (slot.row = row),
    };
  };

  /**
   * What this click's session read brought for user `userId`, or undefined (another user's session, no read, or not
   * a click). Taken once: a placement that has to try again reads afresh.
   */
  take(userId: number): EarlierPlacementRead | undefined {
    const slot = this.context.getStore();
    const row = slot?.row;
    if (!slot || !row) return undefined;
    slot.row = undefined;
    if (Number(row[`${PREFIX}session_user_id`]) !== userId) return undefined;
    const state = Object.fromEntries([...PLACEMENT_WALLET_FIELDS, 'live_call_id', 'spent_micros'].map((column) => [column, row[`${PREFIX}${column}`] ?? null]));
    return { row: state as unknown as PlacementStateRow, spentSince: slot.spentSince };
  }
}
