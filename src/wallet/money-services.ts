import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import { RateDeckService } from '../rates/rate-deck-service.js';
import { CallCredit } from '../calls/call-credit.js';
import { VoucherService } from './vouchers.js';
import { WalletService } from './wallet-service.js';

export interface MoneyServices {
  /** Rate deck: lookup, quotes, imports; call `await rates.ready()` (or reload()) before the first lookup. */
  rates: RateDeckService;
  wallet: WalletService;
  /** Credit holds and settlement for the calls feature. */
  callCredit: CallCredit;
  vouchers: VoucherService;
  /** Display currency (config.money.currency). */
  currency: string;
}

/** Builds the money feature's services, sharing one wallet context and rating policy. */
export function moneyServices(deps: { db: Db; clock: Clock; money: Config['money'] }): MoneyServices {
  const rates = new RateDeckService({ db: deps.db, clock: deps.clock });
  const wallet = new WalletService({ db: deps.db, clock: deps.clock, freeMinutesPerMonth: deps.money.freeMinutesPerMonth });
  return { rates, wallet, callCredit: new CallCredit(wallet.ctx, rates.policy), vouchers: new VoucherService(wallet.ctx), currency: deps.money.currency };
}
