import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { SIM_STRIPE_SECRET_KEY, SIM_STRIPE_WEBHOOK_SECRET, STRIPE_CHECKOUT_PATH, startStripeSimulator, type RunningStripeSimulator, type StripeSimulatorOptions } from './simulator.js';

/** Everything the payments feature needs to reach "Stripe", real or simulated. */
export interface StripeSetup {
  secretKey: string;
  webhookSecret: string;
  /** Where the SDK sends requests when not to api.stripe.com (the simulator). */
  api: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
  /** The in-process simulator, when this call started one (mount its checkout page; close it on shutdown). */
  simulator: RunningStripeSimulator | undefined;
}

/** What a caller may set on the in-process simulator (tests: port 0, fast retries); the rest comes from config. */
export type EmbeddedStripeSimulatorOptions = Partial<Pick<StripeSimulatorOptions, 'port' | 'speed' | 'retrySeconds'>>;

/** The URL the app receives Stripe's events at. */
export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';

/**
 * With STRIPE_SECRET_KEY: real Stripe, untouched. Without: the simulator's credentials and either a simulator at
 * STRIPE_API_BASE or one started in-process on STRIPE_SIM_PORT, posting events to this app's webhook.
 */
export async function resolveStripeSetup(config: Config, logger?: Logger, simulatorOptions: EmbeddedStripeSimulatorOptions = {}): Promise<StripeSetup> {
  const { secretKey, webhookSecret, apiBase } = config.payments;
  if (secretKey && webhookSecret) return { secretKey, webhookSecret, api: undefined, simulator: undefined };
  if (apiBase) {
    const url = new URL(apiBase);
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    return { secretKey: SIM_STRIPE_SECRET_KEY, webhookSecret: SIM_STRIPE_WEBHOOK_SECRET, api: { host: url.hostname, port: Number(url.port || (protocol === 'https' ? 443 : 80)), protocol }, simulator: undefined };
  }
  const simulator = await startStripeSimulator({
    port: simulatorOptions.port ?? config.payments.simPort,
    speed: simulatorOptions.speed ?? config.sim.speed,
    ...(simulatorOptions.retrySeconds ? { retrySeconds: simulatorOptions.retrySeconds } : {}),
    webhookUrl: `${config.publicUrl}${STRIPE_WEBHOOK_PATH}`,
    checkoutBaseUrl: `${config.publicUrl}${STRIPE_CHECKOUT_PATH}`,
  });
  logger?.info({ url: simulator.url }, 'No Stripe keys: simulating Stripe');
  return { secretKey: simulator.secretKey, webhookSecret: simulator.webhookSecret, api: { host: simulator.host, port: simulator.port, protocol: 'http' }, simulator };
}
