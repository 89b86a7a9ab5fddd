import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { idempotencyStore, type IdempotencyStore } from './idempotency.js';
import { DEFAULT_API_RATE_LIMIT, TokenRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { tokensRepository } from './tokens-repository.js';
import { tokensService, type TokensService } from './tokens-service.js';
import type { WebhookDeliveries } from './webhooks/webhook-deliveries.js';

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
  /** Refuse http:// webhook URLs (production). */
  httpsWebhooksOnly?: boolean;
  /** Shared with the delivery job, so built first by the composition root. */
  webhooks: WebhookDeliveries;
}

export function apiServices(deps: ApiServicesDeps): ApiServices {
  const tokens = tokensRepository(deps.db);
  return {
    tokens: tokensService({ tokens, clock: deps.clock, httpsWebhooksOnly: deps.httpsWebhooksOnly ?? false }),
    limiter: new TokenRateLimiter(deps.rateLimit ?? DEFAULT_API_RATE_LIMIT, () => deps.clock.now().getTime()),
    idempotency: idempotencyStore({ db: deps.db, clock: deps.clock }),
    webhooks: deps.webhooks,
  };
}
