import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { signTwilioRequest, twilioSignedUrl } from './signing.js';
import type { Faults } from './faults.js';
import type { SimClock, WorkTracker } from './timeline.js';

export type WebhookKind = 'twiml' | 'redirect' | 'action' | 'fallback' | 'status-callback' | 'whisper' | 'recording-callback';

export interface LogEntry {
  id: number;
  /** Real wall-clock time the entry was written. */
  loggedAt: string;
  direction: 'inbound' | 'outbound';
  kind: 'rest' | WebhookKind;
  method: string;
  url: string;
  params: Record<string, string | string[]>;
  callSid?: string | undefined;
  status?: number | undefined;
  error?: string | undefined;
  /** Outbound only: what happened to it under fault injection. */
  delivery?: 'sent' | 'dropped' | 'duplicate' | undefined;
}

/** Every REST request received and every webhook sent, in order. */
export class RequestLog {
  private readonly entries: LogEntry[] = [];
  private nextId = 1;
  add(entry: Omit<LogEntry, 'id' | 'loggedAt'>): LogEntry {
    const full = { id: this.nextId++, loggedAt: new Date().toISOString(), ...entry };
    this.entries.push(full);
    if (this.entries.length > 5000) this.entries.shift();
    return full;
  }
  list(filter?: { callSid?: string; kind?: LogEntry['kind'] }): LogEntry[] {
    return this.entries.filter((e) => (!filter?.callSid || e.callSid === filter.callSid) && (!filter?.kind || e.kind === filter.kind));
  }
  clear(): void {
    this.entries.length = 0;
  }
}

export interface WebhookResult {
  ok: boolean;
  status: number;
  contentType: string;
  body: string;
  error?: string;
}

/** Twilio's hard cap on every call-related HTTP request. */
const WEBHOOK_TIMEOUT_MS = 15_000;

/** Sends webhooks exactly as Twilio signs them. */
export class WebhookSender {
  private readonly heldForShuffle = new Map<string, Array<() => void>>();
  /** Told when a status callback gets a 4xx/5xx or no answer (Twilio's debugger warning 15003). */
  onStatusCallbackFailure: (callSid: string, message: string) => void = () => undefined;

  constructor(
    private readonly authToken: string,
    private readonly log: RequestLog,
    private readonly faults: Faults,
    private readonly clock: SimClock,
    private readonly tracker: WorkTracker,
    private readonly logger: Logger | undefined,
  ) {}

  /** A request whose answer the call waits for (TwiML fetch, Dial action, Redirect). */
  async request(kind: WebhookKind, method: 'GET' | 'POST', url: string, params: Record<string, string>, callSid: string): Promise<WebhookResult> {
    return this.tracker.track(this.send(kind, method, url, params, callSid, 'sent'));
  }

  /** A status callback: fire and forget, in the order the call produced it unless a fault says otherwise. */
  statusCallback(method: 'GET' | 'POST', url: string, params: Record<string, string>, callSid: string, number: string, kind: 'status-callback' | 'recording-callback' = 'status-callback'): void {
    const faults = this.faults.webhookFaults(number);
    if (faults.dropStatusCallbacks) {
      this.log.add({ direction: 'outbound', kind, method, url, params, callSid, delivery: 'dropped' });
      return;
    }
    const deliver = () => {
      const send = async () => {
        if (faults.delayWebhooksMs) await new Promise((r) => setTimeout(r, this.clock.realDelay(faults.delayWebhooksMs!)));
        const result = await this.send(kind, method, url, params, callSid, 'sent');
        if (!result.ok) this.onStatusCallbackFailure(callSid, `${kind} ${url} answered ${result.status || result.error}`);
        if (faults.duplicateWebhooks) await this.send(kind, method, url, params, callSid, 'duplicate');
      };
      void this.tracker.track(send());
    };
    if (!faults.shuffleWebhooks) return deliver();
    const held = this.heldForShuffle.get(callSid) ?? [];
    held.push(deliver);
    this.heldForShuffle.set(callSid, held);
  }

  /** The leg is over: a batch held for shuffling goes out now, in shuffled order. */
  legEnded(callSid: string): void {
    const held = this.heldForShuffle.get(callSid);
    this.heldForShuffle.delete(callSid);
    for (const release of shuffled(held ?? [])) release();
  }

  private async send(kind: WebhookKind, method: 'GET' | 'POST', rawUrl: string, params: Record<string, string>, callSid: string, delivery: 'sent' | 'duplicate'): Promise<WebhookResult> {
    const target = new URL(rawUrl);
    target.hash = '';
    let body: string | undefined;
    let signature: string;
    if (method === 'GET') {
      for (const [name, value] of Object.entries(params)) target.searchParams.append(name, value);
      signature = signTwilioRequest(this.authToken, twilioSignedUrl(target.toString()), {});
    } else {
      body = new URLSearchParams(params).toString();
      signature = signTwilioRequest(this.authToken, twilioSignedUrl(rawUrl), params);
    }
    const headers: Record<string, string> = {
      'X-Twilio-Signature': signature,
      'I-Twilio-Idempotency-Token': randomUUID(),
      // Unverified: the User-Agent commonly seen on Twilio webhooks; the reference could not confirm it.
      'User-Agent': 'TwilioProxy/1.1',
      Accept: '*/*',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
    // One deadline for the request and its retry: Twilio caps every call-related HTTP request at 15 s in total.
    const deadline = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS);
    for (let attempt = 1; ; attempt++) {
      const entry = this.log.add({ direction: 'outbound', kind, method, url: rawUrl, params, callSid, delivery });
      try {
        const response = await fetch(target, { method, headers, body, redirect: 'follow', signal: deadline });
        const text = await response.text();
        entry.status = response.status;
        return { ok: response.ok, status: response.status, contentType: response.headers.get('content-type') ?? '', body: text };
      } catch (error) {
        entry.error = describeFailure(error);
        // Twilio's default connection override is rc=1, rp=ct: one retry, only when the connection failed.
        if (attempt === 1 && isConnectFailure(error) && !deadline.aborted) continue;
        this.logger?.warn({ url: rawUrl, kind, err: entry.error }, 'simulator webhook failed');
        return { ok: false, status: 0, contentType: '', body: '', error: entry.error };
      }
    }
  }
}

function isConnectFailure(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
}

function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return cause ? `${message} (${cause})` : message;
}

/** Fisher-Yates, forced to differ from the original order when there is more than one item. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  if (copy.length > 1 && copy.every((item, i) => item === items[i])) copy.reverse();
  return copy;
}
