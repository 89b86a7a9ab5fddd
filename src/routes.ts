import type { Express } from 'express';
import { accountsRoutes } from './accounts/accounts-routes.js';
import { requireAdmin, requireUser } from './accounts/auth-middleware.js';
import { ADMIN_LINKS, adminRoutes, JOBS_LINK } from './admin/admin-routes.js';
import type { Services } from './app.js';
import { apiDocsPage } from './api/api-docs-page.js';
import { tokensRoutes } from './api/tokens-routes.js';
import { dialRoutes } from './dial/dial-routes.js';
import { limitByAddress } from './http/security.js';
import { callsRoutes } from './calls/calls-routes.js';
import { callsHistory } from './calls/history-repository.js';
import { historyRoutes } from './calls/history-routes.js';
import { homeRoutes } from './home/home-routes.js';
import { jobsDashboardRouter } from './jobs/dashboard.js';
import { phoneRoutes } from './phone/phone-routes.js';
import { ratesRoutes } from './rates/rates-routes.js';
import { voucherAdminRoutes } from './wallet/voucher-admin-routes.js';
import { walletRoutes } from './wallet/wallet-routes.js';

/** The route table: one line per route; handlers live with their feature. */
export function registerRoutes(app: Express, services: Services): void {
  const accounts = accountsRoutes({ accounts: services.accounts, sessions: services.sessions, clock: services.clock });
  const phone = phoneRoutes(services.phones);
  const home = homeRoutes();
  const admin = adminRoutes(services.jobs ? [...ADMIN_LINKS, JOBS_LINK] : ADMIN_LINKS);
  const { money: m, config } = services;
  const wallet = walletRoutes({ wallet: m.wallet, vouchers: m.vouchers, currency: config.money.currency, lowBalanceThresholdMicros: config.money.lowBalanceThresholdMicros, freeMinutesPerMonth: config.money.freeMinutesPerMonth });
  const dial = dialRoutes({ rates: m.rates, wallet: m.wallet, currency: config.money.currency, liveCall: (userId) => services.calls.liveCallFor(userId), lastCountry: (userId) => services.calls.lastDestinationCountry(userId) });
  const rates = ratesRoutes({ rates: m.rates, wallet: m.wallet, currency: config.money.currency });
  const voucherAdmin = voucherAdminRoutes({ db: services.db, vouchers: m.vouchers, currency: config.money.currency });
  const apiTokens = tokensRoutes({ tokens: services.api.tokens, deliveries: services.api.webhooks, now: () => services.clock.now() });
  const history = historyRoutes({ history: callsHistory(services.db), currency: config.money.currency });
  const calls = callsRoutes({ calls: services.calls, clock: services.clock, currency: config.money.currency, logger: services.logger });
  // Guessing voucher codes is as sensitive as guessing passwords.
  const redeemLimit = limitByAddress(services.counters, { name: 'voucher-redeem', limit: 20, windowMs: 15 * 60_000 });

  app.get('/', dial.show, home.show);
  app.get('/dial/preview', requireUser, dial.preview);
  app.get('/dial/countries', requireUser, dial.countryPicker);
  app.get('/signup', accounts.showSignUp);
  app.post('/signup', accounts.signUp);
  app.get('/login', accounts.showLogIn);
  app.post('/login', accounts.logIn);
  app.post('/logout', accounts.logOut);
  app.get('/account', requireUser, apiTokens.exposeOnAccountPage);
  app.get('/account', requireUser, accounts.showAccount);
  app.post('/account/tokens', requireUser, apiTokens.create);
  app.get('/account/tokens/:id/revoke', requireUser, apiTokens.confirmRevoke);
  app.post('/account/tokens/:id/revoke', requireUser, apiTokens.revoke);
  app.get('/api', apiDocsPage(config.publicUrl));
  app.post('/account/password', requireUser, accounts.changePassword);
  app.post('/account/sessions/end-others', requireUser, accounts.endOtherSessions);
  app.get('/account/phone', requireUser, phone.show);
  app.post('/account/phone', requireUser, phone.start);
  app.post('/account/phone/verify', requireUser, phone.verify);
  app.get('/admin', requireAdmin, admin.show);
  app.get('/wallet', requireUser, wallet.show);
  app.post('/wallet/redeem', requireUser, redeemLimit, wallet.redeem);
  app.get('/wallet/ledger.csv', requireUser, wallet.exportCsv);
  app.get('/rates', rates.show);
  app.get('/rates/countries', rates.countryTable);
  app.get('/rates/preview', rates.costPreview);
  app.get('/admin/vouchers', requireAdmin, voucherAdmin.show);
  app.post('/admin/vouchers', requireAdmin, voucherAdmin.create);
  app.get('/admin/vouchers/:id/codes.csv', requireAdmin, voucherAdmin.exportCodes);
  // GET /calls/:id/status and /twilio/* are mounted in app.ts, before sessions: see status-poll.ts and webhook-routes.ts.
  app.get('/calls', requireUser, history.show);
  app.get('/calls.csv', requireUser, history.exportCsv);
  app.get('/calls/totals', requireUser, history.totals);
  app.post('/calls', requireUser, calls.start);
  app.post('/calls/:id/hangup', requireUser, calls.hangup);
  app.get('/calls/:id', requireUser, calls.show);
  if (services.jobs) app.use('/admin/jobs', jobsDashboardRouter({ agenda: services.jobs.agenda, requireAdmin }));
}
