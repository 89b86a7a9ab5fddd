import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import { isClick } from '../calls/click.js';

interface CallStartContext {
  arrivedAt: number;
  observed: boolean;
}

/**
 * Click-to-create latency, our own share of it: from a `POST /calls` request reaching this process to the
 * Twilio "create call" request leaving it (session, CSRF, rating, credit hold, scheduling: everything but
 * Twilio). The request's async context carries its arrival time to the Twilio HTTP client, which reports the
 * moment the create request is sent.
 */
export class CallStartTiming {
  private readonly context = new AsyncLocalStorage<CallStartContext>();

  constructor(private readonly observe: (seconds: number) => void) {}

  /** Mount early (before sessions) so the measured time includes everything the app does. */
  middleware(): RequestHandler {
    return (req, _res, next) => {
      if (!isClick(req)) return next();
      this.context.run({ arrivedAt: performance.now(), observed: false }, next);
    };
  }

  /** Called by the Twilio HTTP client as a request leaves; only the first call creation per click counts. */
  requestLeaving(operation: string): void {
    const current = this.context.getStore();
    if (!current || current.observed || operation !== 'POST /Calls') return;
    current.observed = true;
    this.observe((performance.now() - current.arrivedAt) / 1000);
  }
}
