import type { Logger } from 'pino';
import { auditRepository, type AuditRepository } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { ratesAdminRepository } from '../rates/admin/rates-admin-repository.js';
import { RatesAdminService } from '../rates/admin/rates-admin-service.js';
import { RateImportService } from '../rates/admin/rate-import-service.js';
import type { MoneyServices } from '../calls/money-services.js';
import { voucherAdminStore, type VoucherAdminStore } from '../wallet/voucher-admin-store.js';
import type { CallsService } from '../calls/calls-service.js';
import { adminCallsRepository } from './calls/admin-calls-repository.js';
import { adminCallsService, type AdminCallsService } from './calls/admin-calls-service.js';
import { adminDashboard, type AdminDashboard } from './dashboard.js';
import { UserAdminService } from './users/user-admin-service.js';
import { usersAdminRepository, type UsersAdminRepository } from './users/users-admin-repository.js';

/** Ends a user's live call (wired by the composition root to the calls feature); absent, disabling ends nothing. */
export type EndLiveCall = (userId: number) => Promise<void>;

export interface AdminServices {
  rates: RatesAdminService;
  imports: RateImportService;
  audit: AuditRepository;
  users: UserAdminService;
  usersRepo: UsersAdminRepository;
  /** Calls across every user, and ending a live one with its audit row. */
  calls: AdminCallsService;
  /** Voucher batches: reads, creating and voiding with their audit rows. */
  vouchers: VoucherAdminStore;
  /** The figures on /admin. */
  dashboard: AdminDashboard;
}

export function adminServices(deps: { db: Db; clock: Clock; money: MoneyServices; calls: Pick<CallsService, 'hangup'>; endLiveCall?: EndLiveCall | undefined; logger?: Logger }): AdminServices {
  const callsRepo = adminCallsRepository(deps.db);
  return {
    rates: new RatesAdminService({ repo: ratesAdminRepository(deps.db), rates: deps.money.rates, clock: deps.clock, currency: deps.money.currency }),
    imports: new RateImportService({ db: deps.db, rates: deps.money.rates, clock: deps.clock }),
    audit: auditRepository(deps.db),
    users: new UserAdminService({ db: deps.db, clock: deps.clock, ledger: deps.money.ledger, currency: deps.money.currency, endLiveCall: deps.endLiveCall, ...(deps.logger ? { logger: deps.logger } : {}) }),
    usersRepo: usersAdminRepository(deps.db),
    calls: adminCallsService({ db: deps.db, clock: deps.clock, repo: callsRepo, calls: deps.calls }),
    vouchers: voucherAdminStore(deps.db, deps.clock, deps.money.vouchers, deps.money.currency),
    dashboard: adminDashboard({ db: deps.db, clock: deps.clock, calls: callsRepo }),
  };
}

/** Disabling an account ends its live call, if any, through the calls feature's own hangup. */
export async function endLiveCallOf(calls: { liveCallFor(userId: number): Promise<{ id: string } | null>; hangup(userId: number, callId: string, by?: 'you' | 'admin'): Promise<unknown> }, userId: number): Promise<void> {
  const live = await calls.liveCallFor(userId);
  if (live) await calls.hangup(userId, live.id, 'admin');
}
