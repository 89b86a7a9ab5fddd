import type twilio from 'twilio';
import { loadOnDemand } from '../shared/load-on-demand.js';

type RequestOptions<T> = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & { data?: T };

/** One Twilio REST request as metrics see it. */
export interface TwilioRequestSample {
  /** "POST /Calls", "GET /Calls/:sid": SIDs and the account path removed so the label set stays small. */
  operation: string;
  /** HTTP status, or "error" when no response came (timeout, connection refused). */
  status: string;
  seconds: number;
}

export interface TwilioRequestObserver {
  /** As the request leaves (before Twilio has answered). */
  leaving?(operation: string): void;
  /** Once it has been answered, or has failed. */
  done(sample: TwilioRequestSample): void;
}

/**
 * The twilio SDK's own HTTP client, timing every request: passed to the SDK as `httpClient`, so calls, hangups,
 * reconciliation fetches and Verify all report without any call site changing.
 */
export function timedTwilioHttpClient(observe: TwilioRequestObserver): InstanceType<typeof twilio.RequestClient> {
  const client = new (loadOnDemand('twilio') as typeof twilio).RequestClient();
  const request = client.request.bind(client);
  client.request = async <T>(opts: RequestOptions<T>) => {
    const started = performance.now();
    const operation = twilioOperation(opts.method, opts.uri);
    observe.leaving?.(operation);
    try {
      const response = await request<T>(opts);
      observe.done({ operation, status: String(response.statusCode), seconds: (performance.now() - started) / 1000 });
      return response;
    } catch (err) {
      observe.done({ operation, status: 'error', seconds: (performance.now() - started) / 1000 });
      throw err;
    }
  };
  return client;
}

const SID = /\/[A-Z]{2}[0-9a-f]{32}(?=\/|\.json|$)/g;
/** Pricing looks numbers up by path: one label per number would grow without bound. */
const PHONE_NUMBER = /\/(?:\+|%2B)?\d{6,15}(?=\/|$)/gi;

/** "POST https://api.twilio.com/2010-04-01/Accounts/AC…/Calls/CA….json" → "POST /Calls/:sid". */
export function twilioOperation(method: string, uri: string): string {
  let path: string;
  try {
    path = new URL(uri).pathname;
  } catch {
    path = uri;
  }
  const normalised = path
    .replace(/^\/2010-04-01\/Accounts\/AC[0-9a-f]{32}/, '')
    .replace(/^\/v\d+/, '')
    .replace(SID, '/:sid')
    .replace(PHONE_NUMBER, '/:number')
    .replace(/\.json$/, '');
  return `${method.toUpperCase()} ${normalised || '/'}`;
}
