import type { Logger } from 'pino';
import { auditRepository, type AuditRepository } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { ratesAdminRepository } from '../rates/admin/rates-admin-repository.js';
import { RatesAdminService } from '../rates/admin/rates-admin-service.js';
import { RateImportService } from '../rates/admin/rate-import-service.js';
import type { MoneyServices } from '../wallet/money-services.js';
import { adminCallsRepository, type AdminCallsRepository } from './calls/admin-calls-repository.js';
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
  calls: AdminCallsRepository;
}

export function adminServices(deps: { db: Db; clock: Clock; money: MoneyServices; endLiveCall?: EndLiveCall | undefined; logger?: Logger }): AdminServices {
  return {
    rates: new RatesAdminService({ repo: ratesAdminRepository(deps.db), rates: deps.money.rates, clock: deps.clock }),
    imports: new RateImportService({ db: deps.db, rates: deps.money.rates, clock: deps.clock }),
    audit: auditRepository(deps.db),
    users: new UserAdminService({ db: deps.db, clock: deps.clock, wallet: deps.money.wallet.ctx, endLiveCall: deps.endLiveCall, ...(deps.logger ? { logger: deps.logger } : {}) }),
    usersRepo: usersAdminRepository(deps.db),
    calls: adminCallsRepository(deps.db),
  };
}

/** Disabling an account ends its live call, if any, through the calls feature's own hangup. */
export async function endLiveCallOf(calls: { liveCallFor(userId: number): Promise<{ id: string } | null>; hangup(userId: number, callId: string, by?: 'you' | 'admin'): Promise<unknown> }, userId: number): Promise<void> {
  const live = await calls.liveCallFor(userId);
  if (live) await calls.hangup(userId, live.id, 'admin');
}
