import { Router } from 'express';
import type { Request } from 'express';
import type { CallEngine } from './call-engine.js';
import { type CallLeg, type CallStore, type StatusEvent, type Webhook, callJson, isStatusEvent, isTerminal } from './call-store.js';
import { TwilioApiError, notFound } from './errors.js';
import { isE164 } from './formats.js';
import { MAGIC_INVALID_NUMBER } from './handsets.js';
import { field, fields } from './rest-common.js';

export interface CallsRouteDeps {
  accountSid: string;
  engine: CallEngine;
  store: CallStore;
  /** Numbers the account may call from (its Twilio numbers and verified caller IDs). */
  callerIds: Set<string>;
}

const CALL_STATUSES = new Set(['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** POST/GET /2010-04-01/Accounts/{AccountSid}/Calls[.json|/{Sid}.json] */
export function callsRouter(deps: CallsRouteDeps): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const base = `/2010-04-01/Accounts/:accountSid/Calls`;

  router.use('/2010-04-01/Accounts/:accountSid', (req, _res, next) => {
    // Credentials were checked already; another account's SID in the path is not this account's resource.
    if (req.params.accountSid !== deps.accountSid) throw new TwilioApiError(401, 20003, 'Authenticate');
    next();
  });

  router.post(`${base}.json`, (req, res) => {
    const leg = deps.engine.createCall(parseCreate(req, deps));
    res.status(201).json(callJson(leg));
  });

  router.get(`${base}.json`, (req, res) => {
    res.json(listCalls(req, deps));
  });

  router.get(`${base}/:sid.json`, (req, res) => {
    res.json(callJson(findCall(req, deps)));
  });

  router.post(`${base}/:sid.json`, (req, res) => {
    const leg = findCall(req, deps);
    updateCall(req, leg, deps.engine);
    res.json(callJson(leg));
  });

  router.delete(`${base}/:sid.json`, (req, res) => {
    const leg = findCall(req, deps);
    // Unverified: Twilio's answer to deleting a live call is undocumented; refusing it keeps the call observable.
    if (!isTerminal(leg)) throw new TwilioApiError(400, 21220, 'Invalid call state: Call is still active');
    deps.store.delete(leg.sid);
    res.status(204).end();
  });

  return router;
}

function findCall(req: Request, deps: CallsRouteDeps): CallLeg {
  const leg = deps.store.get(String(req.params.sid));
  if (!leg) throw notFound(req.path);
  return leg;
}

function webhookParam(body: Record<string, unknown>, urlName: string, methodName: string): Webhook | null {
  const url = field(body, urlName);
  if (url === undefined || url === '') return null;
  if (!isAbsoluteHttpUrl(url)) throw new TwilioApiError(400, 21205, `${urlName} is not a valid URL: ${url}`);
  const method = (field(body, methodName) ?? 'POST').toUpperCase();
  if (method !== 'GET' && method !== 'POST') throw new TwilioApiError(400, 21205, `${methodName} must be GET or POST`);
  return { url, method };
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    // Twilio rejects hostnames with underscores in callback URLs.
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.hostname.includes('_');
  } catch {
    return false;
  }
}

function parseCreate(req: Request, deps: CallsRouteDeps) {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const to = field(body, 'To');
  const from = field(body, 'From');
  if (!to) throw new TwilioApiError(400, 21201, 'No \'To\' number is specified');
  if (!from) throw new TwilioApiError(400, 21213, 'No \'From\' number is specified');
  if (!isE164(to) || to === MAGIC_INVALID_NUMBER) throw new TwilioApiError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  if (!isE164(from)) throw new TwilioApiError(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
  if (!deps.callerIds.has(from)) {
    throw new TwilioApiError(400, 21210, `The source phone number provided, ${from}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`);
  }
  const twiml = webhookParam(body, 'Url', 'Method');
  const inlineTwiml = field(body, 'Twiml') ?? null;
  // Unverified: Twilio's code for "no Url/Twiml/ApplicationSid" is reported as 21205 by third parties only.
  if (!twiml && !inlineTwiml) throw new TwilioApiError(400, 21205, 'Url parameter is required.');
  if (inlineTwiml && inlineTwiml.length > 4000) throw new TwilioApiError(400, 21205, 'Twiml must be at most 4000 characters');
  const timeoutS = optionalInt(field(body, 'Timeout'), 60);
  if (timeoutS === null || timeoutS < 1 || timeoutS > 600) throw new TwilioApiError(400, 21208, 'Timeout must be an integer between 1 and 600');
  // Invalid TimeLimit values fall back to the 4-hour default (simulator assumption: the error code is undocumented).
  const requestedLimit = optionalInt(field(body, 'TimeLimit'), 14_400);
  const timeLimitS = requestedLimit !== null && requestedLimit > 0 ? Math.min(requestedLimit, 86_400) : 14_400;
  const statusCallback = webhookParam(body, 'StatusCallback', 'StatusCallbackMethod');
  // One form field per event. A single space-joined value is not understood by Twilio (observed), so it is
  // ignored here too rather than silently fixed: the product's request must be right.
  const events = fields(body, 'StatusCallbackEvent').filter(isStatusEvent);
  return {
    accountSid: deps.accountSid, to, from, twiml: twiml ?? null,
    // Twiml is ignored when Url is given.
    inlineTwiml: twiml ? null : inlineTwiml,
    fallback: webhookParam(body, 'FallbackUrl', 'FallbackMethod'),
    statusCallback,
    // With a StatusCallback but no events, only "completed" is sent.
    statusEvents: events.length ? events : (['completed'] as StatusEvent[]),
    timeoutS,
    timeLimitS,
  };
}

function optionalInt(value: string | undefined, fallback: number): number | null {
  if (value === undefined || value === '') return fallback;
  return /^-?\d+$/.test(value) ? Number(value) : null;
}

function updateCall(req: Request, leg: CallLeg, engine: CallEngine): void {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const status = field(body, 'Status');
  const timeLimit = field(body, 'TimeLimit');
  const url = webhookParam(body, 'Url', 'Method');
  const twiml = url ? undefined : field(body, 'Twiml');
  if (status !== undefined && status !== 'canceled' && status !== 'completed') {
    throw new TwilioApiError(400, 20001, `Invalid Status: ${status}. Must be canceled or completed`);
  }
  if (url || twiml !== undefined) {
    if (leg.status !== 'in-progress') throw new TwilioApiError(400, 21220, 'Unable to update record. Call is not in-progress. Cannot redirect.');
    // Only a parent runs TwiML here; redirecting a <Dial> child is not simulated.
    if (leg.direction !== 'outbound-api') throw new TwilioApiError(400, 21220, 'Redirecting a dialed (child) call is not simulated');
  }
  if (timeLimit !== undefined) {
    const seconds = optionalInt(timeLimit, leg.timeLimitS);
    if (seconds === null || seconds < 1) throw new TwilioApiError(400, 20001, 'TimeLimit must be a positive integer');
    leg.timeLimitS = seconds;
    if (leg.answeredAt !== null && !isTerminal(leg)) leg.timeLimitChanged();
  }
  // canceled hangs up only calls not yet answered; completed ends a call in any state. Updating a finished call
  // returns it unchanged (simulator assumption; the reference leaves it open).
  if (url) engine.redirect(leg, { webhook: url });
  else if (twiml !== undefined) engine.redirect(leg, { twiml });
  if (status === 'completed') engine.hangUp(leg, 'api-completed', true);
  if (status === 'canceled' && leg.answeredAt === null) engine.hangUp(leg, 'api-canceled', true);
}

function listCalls(req: Request, deps: CallsRouteDeps) {
  const q = req.query as Record<string, string | undefined>;
  const pageSize = Math.min(1000, Math.max(1, Number.parseInt(q.PageSize ?? '50', 10) || 50));
  const page = Math.max(0, Number.parseInt(q.Page ?? '0', 10) || 0);
  if (q.Status !== undefined && !CALL_STATUSES.has(q.Status)) throw new TwilioApiError(400, 20001, `Invalid Status: ${q.Status}`);
  const matches = deps.store.all()
    .filter((leg) => leg.accountSid === deps.accountSid)
    .filter((leg) => (q.To === undefined || leg.to === q.To) && (q.From === undefined || leg.from === q.From))
    .filter((leg) => q.ParentCallSid === undefined || leg.parentCallSid === q.ParentCallSid)
    .filter((leg) => q.Status === undefined || leg.status === q.Status)
    .filter((leg) => matchesDate(leg.startTime, q.StartTime, q['StartTime>'], q['StartTime<']))
    .filter((leg) => matchesDate(leg.endTime, q.EndTime, q['EndTime>'], q['EndTime<']))
    // Newest first (simulator assumption).
    .reverse();
  const start = page * pageSize;
  const calls = matches.slice(start, start + pageSize);
  const filters = new URLSearchParams();
  for (const name of ['To', 'From', 'ParentCallSid', 'Status', 'StartTime', 'StartTime>', 'StartTime<', 'EndTime', 'EndTime>', 'EndTime<']) {
    if (q[name] !== undefined) filters.set(name, q[name]!);
  }
  const pageUri = (n: number, token?: string) => {
    const params = new URLSearchParams(filters);
    params.set('PageSize', String(pageSize));
    params.set('Page', String(n));
    if (token) params.set('PageToken', token);
    return `/2010-04-01/Accounts/${deps.accountSid}/Calls.json?${params.toString()}`;
  };
  const last = calls[calls.length - 1];
  const hasNext = start + pageSize < matches.length;
  return {
    calls: calls.map(callJson),
    end: start + Math.max(0, calls.length - 1),
    first_page_uri: pageUri(0),
    next_page_uri: hasNext && last ? pageUri(page + 1, `PA${last.sid}`) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? pageUri(page - 1, calls[0] ? `PB${calls[0].sid}` : undefined) : null,
    start,
    uri: pageUri(page),
  };
}

/**
 * Date filters accept Twilio's documented YYYY-MM-DD (a whole UTC day; '>' on or after, '<' on or before) and the
 * full ISO datetimes twilio-node sends (compared as instants).
 */
function matchesDate(value: number | null, on: string | undefined, after: string | undefined, before: string | undefined): boolean {
  if (on === undefined && after === undefined && before === undefined) return true;
  if (value === null) return false;
  const range = (text: string) => {
    const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
    const startMs = Date.parse(dayOnly ? `${text}T00:00:00Z` : text);
    if (Number.isNaN(startMs)) throw new TwilioApiError(400, 20001, `Invalid date: ${text}`);
    return { startMs, endMs: dayOnly ? startMs + 86_400_000 - 1 : startMs };
  };
  if (on !== undefined) {
    const r = range(on);
    if (value < r.startMs || value > r.endMs) return false;
  }
  if (after !== undefined && value < range(after).startMs) return false;
  if (before !== undefined && value > range(before).endMs) return false;
  return true;
}
