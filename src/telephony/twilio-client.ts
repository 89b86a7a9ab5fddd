import type twilio from 'twilio';
import type { Twilio } from 'twilio';
import { loadOnDemand } from '../shared/load-on-demand.js';

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Base URL of a Twilio-compatible server (the simulator); when absent the SDK talks to Twilio itself. */
  apiBase?: string | undefined;
  /** Replaces the SDK's HTTP client (metrics time every request through it). */
  httpClient?: InstanceType<typeof twilio.RequestClient> | undefined;
}

/**
 * The app's only way to get a Twilio client: always the real SDK. With apiBase, the api, pricing and verify domains
 * (the ones callbridge uses) are pointed at it; the SDK builds every URL, including next-page URLs, from these bases.
 */
export function createTwilioClient(opts: TwilioClientOptions): Twilio {
  const client = (loadOnDemand('twilio') as typeof twilio)(opts.accountSid, opts.authToken, opts.httpClient ? { httpClient: opts.httpClient } : {});
  if (opts.apiBase) {
    const base = opts.apiBase.replace(/\/+$/, '');
    client.api.baseUrl = base;
    client.pricing.baseUrl = base;
    client.verify.baseUrl = base;
  }
  return client;
}
