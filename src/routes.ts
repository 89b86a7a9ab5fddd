import type { Express, Request, RequestHandler } from 'express';
import { accountsRoutes } from './accounts/accounts-routes.js';
import { auditRoutes } from './audit/audit-routes.js';
import { requireAdmin, requireConfirmedEmail, requireUser } from './accounts/auth-middleware.js';
import { accountEmailRoutes } from './accounts/account-email-routes.js';
import { emailRoutes } from './email/email-routes.js';
import { ADMIN_LINKS, adminRoutes, JOBS_LINK, PAYMENTS_LINK } from './admin/admin-routes.js';
import { adminCallsRoutes } from './admin/calls/admin-calls-routes.js';
import { usersAdminRoutes } from './admin/users/users-admin-routes.js';
import type { Services } from './services.js';
import { apiDocsPage } from './api/api-docs-page.js';
import { tokensRoutes } from './api/tokens-routes.js';
import { dialRoutes } from './dial/dial-routes.js';
import type { PayingAccount } from './accounts/paying-account.js';
import { contactsRoutes } from './contacts/contacts-routes.js';
import { contactsFileRoutes } from './contacts/contacts-file-routes.js';
import { contactCard } from './contacts/contact-view.js';
import { limitByAddress } from './http/security.js';
import { callsRoutes } from './calls/calls-routes.js';
import { recordingRowExtras, recordingsRoutes } from './recordings/recordings-routes.js';
import { historyRoutes } from './calls/history-routes.js';
import { homeRoutes } from './home/home-routes.js';
import { jobsDashboardRouter } from './jobs/dashboard.js';
import { phoneRoutes } from './phone/phone-routes.js';
import { geoRoutes } from './rates/admin/geo-routes.js';
import { rateImportRoutes } from './rates/admin/rate-import-routes.js';
import { ratesAdminRoutes } from './rates/admin/rates-admin-routes.js';
import { metricsEndpoint } from './metrics/metrics-routes.js';
import { ratesRoutes } from './rates/rates-routes.js';
import { voucherAdminRoutes } from './wallet/voucher-admin-routes.js';
import { walletRoutes } from './wallet/wallet-routes.js';
import { paymentsRoutes, topUpSection } from './payments/payments-routes.js';
import { paymentsAdminRoutes } from './payments/payments-admin-routes.js';
import { autoTopUpRoutes } from './payments/auto-top-up-routes.js';
import { teamsRoutes } from './teams/teams-routes.js';
import { teamsAdminRoutes } from './teams/teams-admin-routes.js';

/** The route table: one line per route; handlers live with their feature. */
export interface RouteWiring {
  payingAccountOf: (req: Request) => Promise<PayingAccount>;
  /** The middleware that gives a page its user, banners and nav (src/app.ts), run again for a page a log-in answers with. */
  userPageLocals: RequestHandler[];
}

export function registerRoutes(app: Express, services: Services, { payingAccountOf, userPageLocals }: RouteWiring): void {
  const accounts = accountsRoutes({ accounts: services.accounts, sessions: services.sessions, clock: services.clock, revokeApiTokens: (userId) => services.api.tokens.revokeAll(userId), afterSignUp: (email, created, next) => services.email.accounts.afterSignUp(email, created, next) });

  const accountEmail = accountEmailRoutes({ service: services.email.accounts });
  const emails = emailRoutes({ store: services.email.store, transportName: services.email.transport.name, notices: services.email.notices });
  const phone = phoneRoutes(services.phones);
  const home = homeRoutes();
  const admin = adminRoutes([...ADMIN_LINKS, ...(services.payments ? [PAYMENTS_LINK] : []), ...(services.jobs ? [JOBS_LINK] : [])], { dashboard: services.admin.dashboard, currency: services.config.money.currency });
  const { money: m, config } = services;
  const wallet = walletRoutes({ wallet: m.wallet, vouchers: m.vouchers, currency: config.money.currency, lowBalanceThresholdMicros: config.money.lowBalanceThresholdMicros, freeMinutesPerMonth: config.money.freeMinutesPerMonth, payers: { chosenFor: payingAccountOf }, ...(services.payments ? { topUp: topUpSection(services.payments.service, services.payments.autoTopUps) } : {}) });
  const book = services.contacts;
  const dial = dialRoutes({
    rates: m.rates, wallet: m.wallet, currency: config.money.currency, liveCall: (userId) => services.calls.liveCallFor(userId), lastCountry: (userId) => services.calls.lastDestinationCountry(userId),
    contacts: {
      search: async (acting, q) => (await book.search(acting, q)).map(contactCard),
      favourites: async (acting) => (await book.favourites(acting)).map(contactCard),
      nameFor: async (acting, typed) => (await book.namesForNumbers(acting, [typed.trim()])).get(typed.trim())?.name,
    },
    payers: { ...services.payingAccounts, chosenFor: payingAccountOf },
  });
  const contacts = contactsRoutes({ contacts: book, payingAccountOf });
  const contactFiles = contactsFileRoutes({ contacts: book, payingAccountOf });
  // The names of called numbers, from the book of the account the request pays from.
  const contactNames = async (req: Request, numbers: readonly string[]) => book.namesForNumbers({ userId: req.user!.id, accountId: (await payingAccountOf(req)).accountId }, numbers);
  const rates = ratesRoutes({ rates: m.rates, wallet: m.wallet, currency: config.money.currency });
  const voucherAdmin = voucherAdminRoutes({ store: services.admin.vouchers, clock: services.clock, currency: config.money.currency });
  const ratesAdmin = ratesAdminRoutes({ admin: services.admin.rates, currency: config.money.currency });
  const rateImport = rateImportRoutes({ imports: services.admin.imports, repo: services.admin.rates.repo, currency: config.money.currency });
  const geo = geoRoutes({ admin: services.admin.rates });
  const audit = auditRoutes({ audit: services.admin.audit });
  const usersAdmin = usersAdminRoutes({ clock: services.clock, users: services.users, repo: services.admin.usersRepo, service: services.admin.users, wallet: m.wallet, sessions: services.sessions, calls: services.calls, currency: config.money.currency, callHold: services.payments ? (userId) => services.payments!.service.holdReason(userId) : undefined, teamsOf: (userId) => teamsAdmin.teamsOf(userId) });
  const apiTokens = tokensRoutes({ tokens: services.api.tokens, deliveries: services.api.webhooks, now: () => services.clock.now(), chosen: payingAccountOf });
  const history = historyRoutes({ history: services.history, currency: config.money.currency, contactNames, rowExtras: recordingRowExtras(services.recordings, config.money.currency), payerLabels: async (userId) => new Map((await services.payingAccounts.accountsOf(userId)).map((a) => [a.accountId, a.label])) });
  const calls = callsRoutes({ calls: services.calls, clock: services.clock, currency: config.money.currency, logger: services.logger, contactNames });
  const callsAdmin = adminCallsRoutes({ calls: services.admin.calls, currency: config.money.currency });
  // Guessing voucher codes is as sensitive as guessing passwords.
  const redeemLimit = limitByAddress(services.counters, { name: 'voucher-redeem', limit: 20, windowMs: 15 * 60_000 });

  const teams = teamsRoutes({ teams: services.teams, money: services.teamMoney, currency: config.money.currency });
  const teamsAdmin = teamsAdminRoutes({ teams: services.teams, money: services.teamMoney, currency: config.money.currency });
  const recordings = recordingsRoutes({ recordings: services.recordings, currency: config.money.currency, payingAccountOf });
  const homePage = [recordings.exposeOutlook, dial.show, home.show];
  app.get('/', ...homePage);
  app.get('/dial/preview', requireUser, dial.preview);
  app.get('/dial/countries', requireUser, dial.countryPicker);
  app.post('/dial/pay-from', requireUser, dial.choosePayer);
  app.get('/signup', accounts.showSignUp);
  app.post('/signup', accounts.signUp);
  app.get('/signup/check-email', accountEmail.showCheckEmail);
  app.get('/confirm-email', accountEmail.showConfirm);
  app.post('/confirm-email', accountEmail.confirm);
  app.post('/account/confirm-email/resend', requireUser, accountEmail.resendConfirmation);
  app.get('/forgot-password', accountEmail.showForgot);
  app.post('/forgot-password', accountEmail.forgot);
  app.get('/reset-password', accountEmail.showReset);
  app.post('/reset-password', accountEmail.reset);
  app.post('/account/name', requireUser, accountEmail.changeName);
  app.post('/account/email', requireUser, accountEmail.changeEmail);
  app.get('/account/email/confirm', accountEmail.showConfirmEmailChange);
  app.post('/account/email/confirm', accountEmail.confirmEmailChange);
  app.get('/account/notices', requireUser, emails.showNotices);
  app.post('/account/notices', requireUser, emails.saveNotices);
  app.get('/notices/unsubscribe', emails.showUnsubscribe);
  app.post('/notices/unsubscribe', emails.unsubscribe);
  // The embedded outbox's page, only in simulation mode (it shows every user's email, links that log in included).
  if (config.simulate && services.email.usesOutbox) {
    app.get('/outbox', emails.outbox);
    app.get('/outbox/:id/html', emails.outboxHtml);
  }
  app.get('/admin/emails', requireAdmin, emails.admin);
  app.post('/admin/users/:id/reset-link', requireAdmin, accountEmail.adminSendReset);
  app.get('/login', accounts.showLogIn);
  // A browser logging in to the dial page gets that page in the answer (see accounts.logIn), so what follows the
  // log-in is the home page's own chain, with the signed-in user's page locals made again.
  const logInToHomePage = [accounts.logIn, ...userPageLocals, ...homePage];
  app.post('/login', ...logInToHomePage);
  // The log-in form posts here, not to /login: a POST to a URL drops the browser's cached copy of that page.
  app.post('/sessions', ...logInToHomePage);
  app.get('/sessions', (_req, res) => res.redirect(303, '/login'));
  app.post('/logout', accounts.logOut);
  app.get('/account', requireUser, apiTokens.exposeOnAccountPage);
  app.get('/account', requireUser, recordings.exposePersonalOutlook);
  app.post('/account/recording', requireUser, recordings.setPreference);
  app.get('/account', requireUser, accounts.showAccount);
  app.post('/account/tokens', requireUser, apiTokens.create);
  app.get('/account/tokens/:id/revoke', requireUser, apiTokens.confirmRevoke);
  app.post('/account/tokens/:id/revoke', requireUser, apiTokens.revoke);
  app.get('/api', apiDocsPage(config.publicUrl));
  app.post('/account/password', requireUser, accounts.changePassword);
  app.post('/account/sessions/end-others', requireUser, accounts.endOtherSessions);
  app.get('/account/phone', requireUser, phone.show);
  app.post('/account/phone', requireConfirmedEmail, phone.start);
  app.post('/account/phone/verify', requireConfirmedEmail, phone.verify);
  app.get('/admin', requireAdmin, admin.show);
  app.get('/wallet', requireUser, wallet.show);
  app.post('/wallet/redeem', requireConfirmedEmail, redeemLimit, wallet.redeem);
  app.get('/wallet/ledger.csv', requireUser, wallet.exportCsv);
  if (services.payments) {
    const topUps = paymentsRoutes(services.payments.service, payingAccountOf);
    const paymentsAdmin = paymentsAdminRoutes(services.payments.service);
    // An unconfirmed account may look at the wallet but not pay (issue 28).
    app.post('/wallet/top-up', requireConfirmedEmail, topUps.start);
    const autoTopUp = autoTopUpRoutes(services.payments.autoTopUps);
    app.post('/wallet/auto-top-up', requireConfirmedEmail, autoTopUp.configure);
    app.get('/wallet/card/remove', requireUser, autoTopUp.confirmRemove);
    app.post('/wallet/card/remove', requireUser, autoTopUp.remove);
    app.get('/wallet/top-up/return', requireUser, topUps.returned);
    app.get('/wallet/top-up/:id/status', requireUser, topUps.status);
    app.get('/wallet/top-up/:id/cancel', requireUser, topUps.cancelled);
    app.get('/wallet/top-ups/:id', requireUser, topUps.receipt);
    app.get('/admin/payments', requireAdmin, paymentsAdmin.list);
    app.get('/admin/payments/:id', requireAdmin, paymentsAdmin.show);
    app.post('/admin/payments/:id/refund', requireAdmin, paymentsAdmin.refund);
  }
  app.get('/rates', rates.show);
  app.get('/rates/countries', rates.countryTable);
  app.get('/rates/preview', rates.costPreview);
  app.get('/metrics', metricsEndpoint(services.metrics, config.metricsToken));
  app.get('/admin/vouchers', requireAdmin, voucherAdmin.show);
  app.post('/admin/vouchers', requireAdmin, voucherAdmin.create);
  app.get('/admin/vouchers/:id', requireAdmin, voucherAdmin.showBatch);
  app.get('/admin/vouchers/:id/codes.csv', requireAdmin, voucherAdmin.exportCodes);
  app.get('/admin/vouchers/:id/void', requireAdmin, voucherAdmin.confirmVoid);
  app.post('/admin/vouchers/:id/void', requireAdmin, voucherAdmin.voidUnused);
  app.get('/admin/audit', requireAdmin, audit.list);
  app.get('/admin/calls', requireAdmin, callsAdmin.list);
  app.get('/admin/calls/:id', requireAdmin, callsAdmin.show);
  app.post('/admin/calls/:id/hangup', requireAdmin, callsAdmin.hangup);
  app.get('/admin/users', requireAdmin, usersAdmin.list);
  app.get('/admin/users/:id', requireAdmin, usersAdmin.show);
  app.post('/admin/users/:id/credit', requireAdmin, usersAdmin.adjustCredit);
  app.post('/admin/users/:id/limits', requireAdmin, usersAdmin.setLimits);
  app.post('/admin/users/:id/disabled', requireAdmin, usersAdmin.setDisabled);
  app.post('/admin/users/:id/hold/lift', requireAdmin, usersAdmin.liftHold);
  app.post('/admin/users/:id/admin', requireAdmin, usersAdmin.setAdmin);
  app.get('/admin/rates', requireAdmin, ratesAdmin.list);
  app.post('/admin/rates', requireAdmin, ratesAdmin.create);
  app.get('/admin/rates/new', requireAdmin, ratesAdmin.showNew);
  app.get('/admin/rates/export.csv', requireAdmin, rateImport.export);
  app.get('/admin/rates/import', requireAdmin, rateImport.showForm);
  app.post('/admin/rates/import', requireAdmin, rateImport.upload);
  app.get('/admin/rates/import/:token', requireAdmin, rateImport.showPreview);
  app.post('/admin/rates/import/:token', requireAdmin, rateImport.apply);
  app.get('/admin/rates/geo', requireAdmin, geo.show);
  app.post('/admin/rates/geo', requireAdmin, geo.update);
  app.get('/admin/rates/markup', requireAdmin, ratesAdmin.showMarkup);
  app.post('/admin/rates/markup', requireAdmin, ratesAdmin.applyMarkup);
  app.get('/admin/rates/:id/edit', requireAdmin, ratesAdmin.showEdit);
  app.get('/admin/rates/:id/row', requireAdmin, ratesAdmin.showRow);
  app.post('/admin/rates/:id', requireAdmin, ratesAdmin.update);
  app.get('/admin/rates/:id/delete', requireAdmin, ratesAdmin.confirmDelete);
  app.post('/admin/rates/:id/delete', requireAdmin, ratesAdmin.delete);
  app.get('/contacts', requireUser, contacts.list);
  app.get('/contacts/search', requireUser, contacts.search);
  app.get('/contacts/new', requireUser, contacts.showNew);
  app.post('/contacts', requireUser, contacts.create);
  app.get('/contacts/import', requireUser, contactFiles.showImport);
  app.post('/contacts/import', requireUser, contactFiles.upload);
  app.get('/contacts/import/:token', requireUser, contactFiles.showPreview);
  app.post('/contacts/import/:token', requireUser, contactFiles.apply);
  app.get('/contacts/export.csv', requireUser, contactFiles.exportCsv);
  app.get('/contacts/export.vcf', requireUser, contactFiles.exportVcard);
  app.get('/contacts/:id', requireUser, contacts.show);
  app.post('/contacts/:id', requireUser, contacts.update);
  app.get('/contacts/:id/edit', requireUser, contacts.showEdit);
  app.post('/contacts/:id/favourite', requireUser, contacts.favourite);
  app.get('/contacts/:id/delete', requireUser, contacts.confirmDelete);
  app.post('/contacts/:id/delete', requireUser, contacts.remove);
  // The invitation link comes before /teams/:id; it is a capability (the token), open to logged-out visitors.
  app.get('/teams/invitations/:token', teams.showInvitation);
  app.post('/teams/invitations/:token', requireUser, teams.acceptInvitation);
  app.get('/teams', requireUser, teams.list);
  app.post('/teams', requireUser, teams.create);
  app.get('/teams/:id', requireUser, teams.show);
  app.post('/teams/:id/invitations', requireUser, teams.invite);
  app.post('/teams/:id/recording', requireUser, teams.setRecordingPolicy);
  app.get('/teams/:id/recordings', requireUser, recordings.teamRecordings);
  app.post('/teams/:id/invitations/:invitationId/revoke', requireUser, teams.revokeInvitation);
  app.get('/teams/:id/ledger', requireUser, teams.ledger);
  app.get('/teams/:id/leave', requireUser, teams.confirmLeave);
  app.post('/teams/:id/leave', requireUser, teams.leave);
  app.get('/teams/:id/members/:userId', requireUser, teams.showMember);
  app.post('/teams/:id/members/:userId/role', requireUser, teams.changeRole);
  app.post('/teams/:id/members/:userId/limits', requireUser, teams.setLimits);
  app.get('/teams/:id/members/:userId/remove', requireUser, teams.confirmRemove);
  app.post('/teams/:id/members/:userId/remove', requireUser, teams.remove);
  app.get('/teams/:id/members/:userId/transfer', requireUser, teams.confirmTransfer);
  app.post('/teams/:id/members/:userId/transfer', requireUser, teams.transfer);
  app.get('/admin/teams', requireAdmin, teamsAdmin.list);
  app.get('/admin/teams/:id', requireAdmin, teamsAdmin.show);
  app.post('/admin/teams/:id/credit', requireAdmin, teamsAdmin.adjustCredit);
  // GET /calls/:id/status and /twilio/* are mounted in app.ts, before sessions: see status-poll.ts and webhook-routes.ts.
  app.get('/calls', requireUser, history.show);
  app.get('/calls.csv', requireUser, history.exportCsv);
  app.get('/calls/totals', requireUser, history.totals);
  app.post('/calls', requireUser, calls.start);
  app.post('/calls/:id/hangup', requireUser, calls.hangup);
  app.get('/calls/:id/recording', requireUser, recordings.media);
  app.get('/calls/:id/recording/panel', requireUser, recordings.panel);
  app.get('/calls/:id/recording/delete', requireUser, recordings.confirmDelete);
  app.post('/calls/:id/recording/delete', requireUser, recordings.delete);
  app.get('/calls/:id', requireUser, recordings.exposePanel, calls.show);
  app.get('/admin/recordings', requireAdmin, recordings.showSettings);
  app.post('/admin/recordings', requireAdmin, recordings.saveSettings);
  if (services.jobs) app.use('/admin/jobs', jobsDashboardRouter({ agenda: services.jobs.agenda, requireAdmin }));
}
