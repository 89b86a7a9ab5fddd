import type { Twilio } from 'twilio';
import type { TwilioSetup } from '../sim/embedded.js';
import { timedTwilioHttpClient, type TwilioRequestObserver } from './twilio-timing.js';
import { createTwilioClient, type TwilioClientOptions } from './twilio-client.js';

/** What features need to place calls and check webhooks, whether Twilio is real or simulated. */
export interface Telephony {
  client: Twilio;
  /** Signs and verifies X-Twilio-Signature on our webhook routes. */
  authToken: string;
  callerId: string | undefined;
  verifyServiceSid: string | undefined;
  simulated: boolean;
}

export function createTelephony(
  setup: Pick<TwilioSetup, 'accountSid' | 'authToken' | 'apiBase' | 'callerId' | 'verifyServiceSid' | 'simulator'>,
  options: { observeRequest?: TwilioRequestObserver; httpClient?: TwilioClientOptions['httpClient'] } = {},
): Telephony {
  // The SDK (its REST client, axios, JWT) is loaded when the first request goes to Twilio, not at start-up: a
  // process that only serves pages and webhooks never needs it.
  let client: Twilio | undefined;
  return {
    get client() {
      const httpClient = options.httpClient ?? (options.observeRequest ? timedTwilioHttpClient(options.observeRequest) : undefined);
      return (client ??= createTwilioClient({ ...setup, httpClient }));
    },
    authToken: setup.authToken,
    callerId: setup.callerId,
    verifyServiceSid: setup.verifyServiceSid,
    simulated: setup.simulator !== undefined || setup.apiBase !== undefined,
  };
}
