import { isFinal, type CallStatus } from '../calls/call-state.js';
import type { CallChangeFeed, CallWaiter } from '../calls/call-changes.js';
import type { CallRecord } from '../calls/calls-repository.js';
import { ApiError } from './api-errors.js';

/** The longest `?wait=` the API honours, in seconds: the status page's long poll waits as long. */
export const MAX_API_WAIT_SECONDS = 25;

export interface CallWaitQuery {
  waitMs: number;
  /** The status the client already knows (`?status=`); absent: the status the call has when the request arrives. */
  knownStatus: CallStatus | undefined;
}

/** `?wait=0..25` and `?status=<a call status>`, named in a 400 when wrong. Undefined without `wait` (a plain read). */
export function parseCallWaitQuery(query: Record<string, unknown>, statuses: readonly string[]): CallWaitQuery | undefined {
  for (const name of Object.keys(query)) {
    if (name !== 'wait' && name !== 'status') throw new ApiError('invalid_request', `Unknown parameter "${name}": use wait and, with it, status.`);
  }
  if (query.wait === undefined) {
    if (query.status !== undefined) throw new ApiError('invalid_request', '"status" only makes sense with "wait", e.g. ?wait=25&status=ringing.');
    return undefined;
  }
  if (typeof query.wait !== 'string' || !/^\d{1,2}$/.test(query.wait) || Number(query.wait) > MAX_API_WAIT_SECONDS) {
    throw new ApiError('invalid_request', `"wait" must be a whole number of seconds from 0 to ${MAX_API_WAIT_SECONDS}.`);
  }
  if (query.status !== undefined && (typeof query.status !== 'string' || !statuses.includes(query.status))) {
    throw new ApiError('invalid_request', `"status" must be one of ${statuses.join(', ')}.`);
  }
  return { waitMs: Number(query.wait) * 1000, knownStatus: query.status as CallStatus | undefined };
}

/** What an API client sees change: the status, and the cost appearing once the call is settled. */
function shownState(call: CallRecord): string {
  return call.settledAt ? `${call.status}+settled` : call.status;
}

/**
 * The API's long poll: the call as soon as its status differs from the known one (or its cost is set), else as it is
 * after the wait. Like the status page's poll it reads the call once, then only after this instance hears that the
 * call changed (CallChangeFeed), never while waiting. Undefined when the caller has no such call.
 */
export async function waitForCallChange(
  changes: CallChangeFeed,
  callId: string,
  query: CallWaitQuery,
  read: () => Promise<CallRecord | undefined>,
  gone: () => boolean,
): Promise<CallRecord | undefined> {
  const deadline = Date.now() + query.waitMs;
  // Subscribed before the read: a change committed after it wakes us, one committed before it is in what we read.
  let waiter: CallWaiter = changes.wait(callId, Math.max(1, query.waitMs));
  try {
    await waiter.ready;
    let call = await read();
    if (!call) return undefined;
    const known = query.knownStatus ?? shownState(call);
    const settledFinal = (c: CallRecord) => isFinal(c.status) && c.settledAt !== null;
    while (query.waitMs > 0 && shownState(call) === known && !settledFinal(call)) {
      const outcome = await waiter.outcome;
      if (outcome !== 'changed' || gone()) break;
      waiter = changes.wait(callId, Math.max(1, deadline - Date.now()));
      call = (await read()) ?? call;
    }
    return call;
  } finally {
    waiter.cancel();
  }
}
