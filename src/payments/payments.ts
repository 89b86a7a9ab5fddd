import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { StripeSetup } from '../sim/stripe/embedded.js';
import type { Ledger } from '../ledger/ledger.js';
import { loadOnDemand } from '../shared/load-on-demand.js';
import { paymentsRepository } from './payments-repository.js';
import { PaymentsService, type PaymentNotices, type PaymentsServiceDeps } from './payments-service.js';
import { stripeEventInbox, type StripeEventInbox } from './stripe-event-inbox.js';
import { autoTopUps, type AutoTopUps } from './auto-top-up.js';

export interface Payments {
  service: PaymentsService;
  /** Verified webhook events, stored once and applied by the stripe.event job. */
  inbox: StripeEventInbox;
  /** The saved card and automatic top-up. */
  autoTopUps: AutoTopUps;
  stripe: Stripe;
  setup: StripeSetup;
}

/** The SDK pointed at Stripe, or at the simulator through its host/port options (stripe-behavior.md §1.8). */
export function createStripeClient(setup: StripeSetup): Stripe {
  const StripeSdk = loadOnDemand('stripe') as typeof Stripe;
  return new StripeSdk(setup.secretKey, { maxNetworkRetries: 2, timeout: 20_000, telemetry: false, ...(setup.api ?? {}) });
}

/** The one factory for the payments feature (composeServices calls it). */
export function createPayments(deps: { config: Config; db: Db; clock: Clock; logger: Logger; ledger: Ledger; setup: StripeSetup; notices?: PaymentNotices; membership?: PaymentsServiceDeps['membership']; scheduleEvent?: ((eventRowId: number) => Promise<void>) | undefined; scheduleAutoTopUp?: ((userId: number, crossing: number) => Promise<void>) | undefined }): Payments {
  // The SDK is loaded when Stripe is first asked something (a top-up, a refund, a webhook), not at start-up.
  let client: Stripe | undefined;
  const sdk = () => (client ??= createStripeClient(deps.setup));
  const repo = paymentsRepository(deps.db);
  const auto = autoTopUps({ db: deps.db, clock: deps.clock, logger: deps.logger.child({ component: 'auto-top-up' }), get stripe() {
    return sdk();
  }, repo, ledger: deps.ledger, currency: deps.config.money.currency, limits: deps.config.payments, notices: deps.notices, schedule: deps.scheduleAutoTopUp, afterCredit: (userId, publicId) => service.repayOwed(userId, publicId) });
  const service = new PaymentsService({
    autoTopUps: auto,
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'payments' }),
    get stripe() {
      return sdk();
    },
    repo,
    ledger: deps.ledger,
    currency: deps.config.money.currency,
    publicUrl: deps.config.publicUrl,
    limits: deps.config.payments,
    notices: deps.notices,
    membership: deps.membership,
  });
  const inbox = stripeEventInbox({ db: deps.db, clock: deps.clock, logger: deps.logger.child({ component: 'stripe-events' }), payments: service, schedule: deps.scheduleEvent });
  return {
    service, inbox, autoTopUps: auto, setup: deps.setup,
    get stripe() {
      return sdk();
    },
  };
}
