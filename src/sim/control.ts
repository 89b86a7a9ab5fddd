import { Router, json } from 'express';
import { z } from 'zod';
import type { CallEngine, Notice } from './call-engine.js';
import { type CallStore, callJson } from './call-store.js';
import { TwilioApiError } from './errors.js';
import { DTMF_DIGITS } from './gather.js';
import type { FaultSettings, Faults } from './faults.js';
import { type HandsetBehaviour, type Handsets, MAGIC_NUMBERS } from './handsets.js';
import type { WorkTracker } from './timeline.js';
import type { LogEntry, RequestLog } from './webhooks.js';

/** The in-process handle tests (and the JSON control API) use to steer and observe a simulator. */
export interface SimulatorControl {
  setBehaviour(number: string, behaviour: HandsetBehaviour): void;
  resetBehaviour(number: string): void;
  /** Presses a handset button; false when there is nothing ringing / connected on that number. */
  press(number: string, button: 'answer' | 'decline' | 'hangup'): boolean;
  /**
   * Presses keys (0-9 * #, at most 32) on the phone's live call, all at once. null when the number is in no call;
   * otherwise whether a <Gather> was listening (keys pressed while none listens are lost). Throws on bad digits.
   */
  pressDigits(number: string, digits: string): { heard: boolean } | null;
  lastVerifyCode(number: string): string | undefined;
  log(filter?: { callSid?: string; kind?: LogEntry['kind'] }): LogEntry[];
  clearLog(): void;
  calls(): Array<ReturnType<typeof callJson>>;
  notices(): Notice[];
  setFaults(settings: FaultSettings, number?: string): void;
  clearFaults(): void;
  /** Holds new REST calls in "queued" until called again with false (to exercise cancel-while-queued). */
  holdQueue(hold: boolean): void;
  /** Lets the account call from this number (a purchased number or verified caller ID). */
  addCallerId(number: string): void;
  /** Resolves when no call is active and no webhook is in flight. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Polls a condition (every few ms) until it holds or the real-time bound passes. */
  waitFor(condition: () => boolean, timeoutMs?: number): Promise<void>;
  /**
   * Hands the app's email outbox to the simulator (simulation mode, no SMTP), served at GET /control/emails. The
   * simulator plays Twilio only; the emails stay in the app's database and are read through this source.
   */
  attachEmails(source: EmailSource): void;
}

/** The app's outbox, newest first (optionally for one address): to, subject, text, html, links, sentAt. */
export type EmailSource = (to?: string) => Promise<unknown[]>;

export interface ControlDeps {
  engine: CallEngine;
  store: CallStore;
  handsets: Handsets;
  faults: Faults;
  log: RequestLog;
  tracker: WorkTracker;
  callerIds: Set<string>;
  emails?: { source: EmailSource | undefined };
}

export function createControl(deps: ControlDeps): SimulatorControl {
  return {
    setBehaviour: (number, behaviour) => deps.handsets.setBehaviour(number, behaviour),
    resetBehaviour: (number) => deps.handsets.resetBehaviour(number),
    press: (number, button) => deps.handsets.press(number, button),
    pressDigits: (number, digits) => {
      if (!DTMF_DIGITS.test(digits)) throw new Error(`digits must be 1 to 32 of 0-9 * #, got ${JSON.stringify(digits)}`);
      return deps.handsets.pressKeys(number, digits);
    },
    lastVerifyCode: (number) => deps.handsets.lastVerifyCode(number),
    log: (filter) => deps.log.list(filter),
    clearLog: () => deps.log.clear(),
    calls: () => deps.store.all().map(callJson),
    notices: () => [...deps.engine.notices],
    setFaults: (settings, number) => deps.faults.set(settings, number),
    clearFaults: () => deps.faults.clear(),
    holdQueue: (hold) => deps.engine.holdQueue(hold),
    addCallerId: (number) => void deps.callerIds.add(number),
    attachEmails: (source) => void ((deps.emails ??= { source: undefined }).source = source),
    waitForIdle: (timeoutMs = 10_000) => deps.tracker.idle(timeoutMs),
    async waitFor(condition, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
  };
}

const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/);
const seconds = z.number().nonnegative();
const behaviourSchema: z.ZodType<HandsetBehaviour> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('answer'), answerAfterS: seconds, hangupAfterS: seconds.optional(), digits: z.string().regex(DTMF_DIGITS, 'digits must be 1 to 32 of 0-9 * #').optional() }),
  z.object({ kind: z.literal('voicemail'), answerAfterS: seconds }),
  z.object({ kind: z.literal('busy') }),
  z.object({ kind: z.literal('no-answer') }),
  z.object({ kind: z.literal('reject'), rejectAfterS: seconds }),
  z.object({ kind: z.literal('unreachable') }),
  z.object({ kind: z.literal('manual') }),
]);
const faultSchema = z.object({
  number: e164.optional(),
  duplicateWebhooks: z.boolean().optional(),
  shuffleWebhooks: z.boolean().optional(),
  delayWebhooksMs: seconds.optional(),
  dropStatusCallbacks: z.boolean().optional(),
  restFailure: z.object({ status: z.union([z.literal(500), z.literal(503), z.literal(429)]), count: z.number().int().positive() }).optional(),
  slowRestMs: seconds.optional(),
  failRecordings: z.boolean().optional(),
});

const buttonPress = z.object({ button: z.enum(['answer', 'decline', 'hangup'], 'button must be "answer", "decline" or "hangup"') }).strict();
const keysPress = z.object({ digits: z.string('digits must be a string').regex(DTMF_DIGITS, 'digits must be 1 to 32 of 0-9 * #') }).strict();

/** Either a handset button or keys on the live call's keypad (a body with `digits` is a key press). */
function parsePress(body: unknown): z.infer<typeof buttonPress> | z.infer<typeof keysPress> {
  const isKeys = typeof body === 'object' && body !== null && 'digits' in body;
  return isKeys ? parse(keysPress, body) : parse(buttonPress, body);
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new TwilioApiError(400, 20001, `Invalid control request: ${result.error.issues[0]?.message ?? 'bad body'}`);
  return result.data;
}

/** JSON control API under /control (no auth: the simulator is a local development tool). */
export function controlRouter(control: SimulatorControl, deps: ControlDeps): Router {
  const router = Router();
  router.use(json());
  router.get('/control/magic-numbers', (_req, res) => void res.json(MAGIC_NUMBERS));
  router.get('/control/calls', (_req, res) => void res.json(control.calls()));
  router.get('/control/notices', (_req, res) => void res.json(control.notices()));
  router.get('/control/emails', async (req, res) => {
    const source = deps.emails?.source;
    if (!source) throw new TwilioApiError(404, 20404, 'No email outbox is attached: the app sends email through SMTP, or runs in another process');
    const to = typeof req.query.to === 'string' ? req.query.to : undefined;
    res.json(await source(to));
  });
  router.get('/control/log', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    res.json(control.log({ ...(q.callSid ? { callSid: q.callSid } : {}), ...(q.kind ? { kind: q.kind as LogEntry['kind'] } : {}) }));
  });
  router.delete('/control/log', (_req, res) => {
    control.clearLog();
    res.status(204).end();
  });
  router.get('/control/numbers/:number', (req, res) => {
    const number = parse(e164, req.params.number);
    res.json({ number, behaviour: deps.handsets.behaviourFor(number), lastVerifyCode: control.lastVerifyCode(number) ?? null });
  });
  router.put('/control/numbers/:number', (req, res) => {
    const number = parse(e164, req.params.number);
    control.setBehaviour(number, parse(behaviourSchema, req.body));
    res.json({ number, behaviour: deps.handsets.behaviourFor(number) });
  });
  router.delete('/control/numbers/:number', (req, res) => {
    control.resetBehaviour(parse(e164, req.params.number));
    res.status(204).end();
  });
  router.post('/control/numbers/:number/press', (req, res) => {
    const number = parse(e164, req.params.number);
    const press = parsePress(req.body);
    if ('button' in press) return void res.json({ pressed: control.press(number, press.button) });
    const result = control.pressDigits(number, press.digits);
    if (!result) throw new TwilioApiError(409, 21220, `No live call on ${number}: keys can only be pressed during a call`);
    res.json({ pressed: true, digits: press.digits, heard: result.heard });
  });
  router.get('/control/numbers/:number/verify-code', (req, res) => {
    const code = control.lastVerifyCode(parse(e164, req.params.number));
    if (!code) throw new TwilioApiError(404, 20404, 'No Verify code was sent to this number');
    res.json({ code });
  });
  router.get('/control/faults', (_req, res) => void res.json(deps.faults.snapshot()));
  router.put('/control/faults', (req, res) => {
    const { number, ...settings } = parse(faultSchema, req.body);
    control.setFaults(settings, number);
    res.json(deps.faults.snapshot());
  });
  router.delete('/control/faults', (_req, res) => {
    control.clearFaults();
    res.status(204).end();
  });
  router.put('/control/queue', (req, res) => {
    const { hold } = parse(z.object({ hold: z.boolean() }), req.body);
    control.holdQueue(hold);
    res.json({ hold });
  });
  router.post('/control/caller-ids', (req, res) => {
    const { number } = parse(z.object({ number: e164 }), req.body);
    control.addCallerId(number);
    res.status(201).json({ number });
  });
  return router;
}
