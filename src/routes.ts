import type { Express } from 'express';
import { accountsRoutes } from './accounts/accounts-routes.js';
import { requireAdmin, requireUser } from './accounts/auth-middleware.js';
import { adminRoutes } from './admin/admin-routes.js';
import type { Services } from './app.js';
import { authRateLimit } from './http/security.js';
import { homeRoutes } from './home/home-routes.js';

/** The route table: one line per route; handlers live with their feature. */
export function registerRoutes(app: Express, services: Services): void {
  const accounts = accountsRoutes(services.accounts);
  const home = homeRoutes();
  const admin = adminRoutes();
  const authLimit = authRateLimit();

  app.get('/', home.show);
  app.get('/signup', accounts.showSignUp);
  app.post('/signup', authLimit, accounts.signUp);
  app.get('/login', accounts.showLogIn);
  app.post('/login', authLimit, accounts.logIn);
  app.post('/logout', accounts.logOut);
  app.get('/account', requireUser, accounts.showAccount);
  app.post('/account/password', requireUser, authLimit, accounts.changePassword);
  app.get('/admin', requireAdmin, admin.show);
}
