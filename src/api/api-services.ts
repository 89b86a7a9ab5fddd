import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { idempotencyStore, type IdempotencyStore } from './idempotency.js';
import { DEFAULT_API_RATE_LIMIT, TokenRateLimiter, type RateLimitOptions } from './rate-limit.js';
import type { WebhookTargetPolicy } from './webhooks/webhook-target.js';
import { tokensRepository } from './tokens-repository.js';
import { tokensService, type TokensService } from './tokens-service.js';
import { webhookDeliveries, type WebhookDeliveries } from './webhooks/webhook-deliveries.js';

/** The API feature's services: tokens, the per-token rate limiter and outgoing webhooks. */
export interface ApiServices {
  tokens: TokensService;
  limiter: TokenRateLimiter;
  webhooks: WebhookDeliveries;
  idempotency: IdempotencyStore;
}

export interface ApiServicesDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  rateLimit?: RateLimitOptions | undefined;
  /** Where webhooks may go: checked when a URL is saved and before each delivery. */
  webhookTargets: WebhookTargetPolicy;
  /** Built by main.ts first when the job scheduler needs it; otherwise built here. */
  webhooks?: WebhookDeliveries | undefined;
  /** How a webhook delivery is queued when webhooks are built here (the scheduler's scheduleWebhookDelivery). */
  scheduleWebhook?: ((deliveryId: number) => Promise<void>) | undefined;
}

export function apiServices(deps: ApiServicesDeps): ApiServices {
  const tokens = tokensRepository(deps.db);
  return {
    tokens: tokensService({ tokens, clock: deps.clock, webhookTargets: deps.webhookTargets }),
    limiter: new TokenRateLimiter(deps.rateLimit ?? DEFAULT_API_RATE_LIMIT, () => deps.clock.now().getTime()),
    idempotency: idempotencyStore({ db: deps.db, clock: deps.clock }),
    webhooks: deps.webhooks ?? webhookDeliveries({ db: deps.db, tokens, clock: deps.clock, logger: deps.logger, schedule: deps.scheduleWebhook, targets: deps.webhookTargets }),
  };
}
