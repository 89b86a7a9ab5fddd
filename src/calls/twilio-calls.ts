import type { Twilio } from 'twilio';

/** Twilio's answer when a call is no longer in progress, and when a SID is unknown: both mean "nothing to end". */
const NOTHING_TO_END = new Set([21220, 20404]);
const CALL_SID = /^CA[0-9a-f]{32}$/;

export function isCallSid(value: string): boolean {
  return CALL_SID.test(value);
}

/** Ends a live call; safe to repeat (a crashed worker's hangup job runs again). */
export async function hangUpCall(client: Twilio, callSid: string): Promise<'ended' | 'already-over'> {
  try {
    await client.calls(callSid).update({ status: 'completed' });
    return 'ended';
  } catch (err) {
    if (NOTHING_TO_END.has((err as { code?: number }).code ?? 0)) return 'already-over';
    throw err;
  }
}

export type CallOutcome =
  | { state: 'live' }
  | { state: 'unknown' }
  /** Both legs' answered seconds; bridgedSeconds 0 when the destination never answered. */
  | { state: 'over'; firstLegSeconds: number; bridgedSeconds: number };

const LIVE = new Set(['queued', 'initiated', 'ringing', 'in-progress']);

/**
 * What Twilio knows of a callback call: the parent leg (the user's own phone) and its bridged child leg.
 * Used when our final status callback never arrived.
 */
export async function fetchCallOutcome(client: Twilio, callSid: string): Promise<CallOutcome> {
  let parent;
  try {
    parent = await client.calls(callSid).fetch();
  } catch (err) {
    if ((err as { code?: number }).code === 20404) return { state: 'unknown' };
    throw err;
  }
  if (LIVE.has(parent.status)) return { state: 'live' };
  const children = await client.calls.list({ parentCallSid: callSid, limit: 20 });
  if (children.some((child) => LIVE.has(child.status))) return { state: 'live' };
  const bridgedSeconds = children.filter((c) => c.status === 'completed').reduce((sum, c) => sum + Number(c.duration ?? 0), 0);
  const firstLegSeconds = parent.status === 'completed' ? Number(parent.duration ?? 0) : 0;
  return { state: 'over', firstLegSeconds, bridgedSeconds };
}
