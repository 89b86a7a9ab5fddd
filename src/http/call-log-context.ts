import type { IncomingMessage } from 'node:http';

/** Our call ids (cl_ + 20 base32 letters), wherever they appear in a path: /calls/:id, /calls/:id/hangup, webhooks. */
const CALL_ID = /\/calls\/(cl_[a-z2-7]{20})(?=[/?]|$)/;

export function callIdInUrl(url: string | undefined): string | undefined {
  return url ? CALL_ID.exec(url)?.[1] : undefined;
}

/**
 * pino-http's customProps: every log line of a request about a call (the request log, and whatever the handlers
 * log through req.log) carries its callId, so one `grep cl_…` finds a call's whole story across instances.
 */
export function callLogProps(req: IncomingMessage): { callId?: string } {
  const callId = callIdInUrl(req.url);
  return callId ? { callId } : {};
}
