import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Router } from 'express';
import { checkoutPageRouter } from './checkout-page.js';
import { stripeControlRouter, type StripeFaultSettings } from './control.js';
import { EventBus, type DeliveryAttempt, type StripeEvent } from './events.js';
import { restRouter, type RestFaults, type RestLogEntry } from './rest.js';
import { StripeState } from './state.js';

/** The simulator's fixed test credentials (a real key never reaches it). */
export const SIM_STRIPE_SECRET_KEY = 'sk_test_callbridgeStripeSimulator';
export const SIM_STRIPE_WEBHOOK_SECRET = 'whsec_callbridgeStripeSimulatorSigningSecret';

/** Where the app mounts the hosted checkout page in simulation mode (like /phones). */
export const STRIPE_CHECKOUT_PATH = '/stripe-sim/checkout';

export interface StripeSimulatorOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Simulated seconds per real second: webhook retry back-off shrinks by this factor. */
  speed?: number;
  /** Where events are POSTed (the app's /webhooks/stripe); settable later through the control API. */
  webhookUrl?: string;
  /** Absolute URL prefix of the hosted checkout page (the app's own origin + STRIPE_CHECKOUT_PATH). */
  checkoutBaseUrl?: string;
  webhookSecret?: string;
  /** Retry delays in simulated seconds (default: three retries over hours, like Stripe's sandbox). */
  retrySeconds?: number[];
}

export interface RunningStripeSimulator {
  url: string;
  host: string;
  port: number;
  secretKey: string;
  webhookSecret: string;
  state: StripeState;
  bus: EventBus;
  /** Every REST request and response (for schema tests). */
  requests: RestLogEntry[];
  /** The hosted checkout page, to mount in the app at STRIPE_CHECKOUT_PATH. */
  checkoutPage: Router;
  setWebhookUrl(url: string): void;
  setCheckoutBaseUrl(url: string): void;
  setFaults(faults: StripeFaultSettings): void;
  events(type?: string): StripeEvent[];
  attempts(eventId: string): DeliveryAttempt[];
  /** Resolves when no webhook delivery is waiting or running. */
  waitForDeliveries(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the Stripe simulator: REST on its own port (with /control/stripe), the checkout page as a router for the app. */
export async function startStripeSimulator(options: StripeSimulatorOptions): Promise<RunningStripeSimulator> {
  const webhookSecret = options.webhookSecret ?? SIM_STRIPE_WEBHOOK_SECRET;
  const bus = new EventBus({ secret: webhookSecret, speed: options.speed ?? 1, ...(options.retrySeconds ? { retrySeconds: options.retrySeconds } : {}) });
  bus.endpointUrl = options.webhookUrl;
  let checkoutBase = options.checkoutBaseUrl ?? '';
  const state = new StripeState(bus, (id) => `${checkoutBase}/${id}`);
  const restFaults: RestFaults = {};
  const requests: RestLogEntry[] = [];
  const app = express();
  app.disable('x-powered-by');
  // Stripe's GET parameters nest like its form bodies (expand[0]=line_items).
  app.set('query parser', 'extended');
  app.use(stripeControlRouter({ bus, state, restFaults, restLog: requests }));
  app.use(restRouter(state, restFaults, requests));
  const checkoutPage = checkoutPageRouter(state, STRIPE_CHECKOUT_PATH);
  const server: Server = createServer(app);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    secretKey: SIM_STRIPE_SECRET_KEY,
    webhookSecret,
    state,
    bus,
    requests,
    checkoutPage,
    setWebhookUrl: (url) => void (bus.endpointUrl = url),
    setCheckoutBaseUrl: (url) => void (checkoutBase = url),
    setFaults: (faults) => {
      const { restFailure, ...events } = faults;
      bus.faults = events;
      if (restFailure) restFaults.failure = { ...restFailure };
      else delete restFaults.failure;
    },
    events: (type) => bus.events.filter((e) => !type || e.type === type),
    attempts: (id) => bus.attemptsOf(id),
    waitForDeliveries: (timeoutMs) => bus.idle(timeoutMs),
    async close() {
      bus.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
