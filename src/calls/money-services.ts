import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import { Ledger } from '../ledger/ledger.js';
import { RateDeckService } from '../rates/rate-deck-service.js';
import type { AllowedNumberTypes } from '../rating/phone.js';
import { CallCredit } from './call-credit.js';
import { VoucherService } from '../wallet/vouchers.js';

export interface MoneyServices {
  /** Rate deck: lookup, quotes, imports; call `await rates.ready()` (or reload()) before the first lookup. */
  rates: RateDeckService;
  /** The only owner of balances, holds and ledger entries. */
  ledger: Ledger;
  /** The same ledger, under the name pages and the API have always used for balances and entries. */
  wallet: Ledger;
  /** Credit holds and settlement for the calls feature (it prices, the ledger applies). */
  callCredit: CallCredit;
  vouchers: VoucherService;
  /** Display currency (config.money.currency). */
  currency: string;
}

/** Builds the money feature's services, sharing one ledger and rating policy. */
export function moneyServices(deps: { db: Db; clock: Clock; money: Config['money']; allowedNumberTypes?: AllowedNumberTypes }): MoneyServices {
  const rates = new RateDeckService({ db: deps.db, clock: deps.clock, ...(deps.allowedNumberTypes ? { allowedNumberTypes: deps.allowedNumberTypes } : {}) });
  const ledger = new Ledger({ db: deps.db, clock: deps.clock, freeMinutesPerMonth: deps.money.freeMinutesPerMonth });
  return { rates, ledger, wallet: ledger, callCredit: new CallCredit(ledger, rates.policy), vouchers: new VoucherService(ledger), currency: deps.money.currency };
}
