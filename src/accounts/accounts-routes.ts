import type { Request, Response } from 'express';
import { flash } from '../http/flash.js';
import { parseForm } from '../http/forms.js';
import { ACCOUNT_DISABLED, BAD_CREDENTIALS, changePasswordForm, logInForm, signUpForm, type AccountsService } from './accounts-service.js';

/** Only same-site paths are followed after log-in, so a crafted ?next= cannot send users elsewhere. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

async function logIn(req: Request, userId: number): Promise<void> {
  // A fresh session id at log-in defeats session fixation.
  await regenerate(req);
  req.session.userId = userId;
}

export function accountsRoutes(accounts: AccountsService) {
  return {
    showSignUp(_req: Request, res: Response) {
      res.render('pages/signup', { title: 'Create your account', values: {}, errors: {} });
    },

    async signUp(req: Request, res: Response) {
      const form = parseForm(signUpForm, req.body);
      if (!form.ok) return res.status(422).render('pages/signup', { title: 'Create your account', ...form });
      const outcome = await accounts.signUp(form.value);
      if (!outcome.ok) {
        return res.status(422).render('pages/signup', { title: 'Create your account', values: { name: form.value.name, email: form.value.email }, errors: outcome.errors });
      }
      await logIn(req, outcome.value.id);
      flash(req, 'success', `Welcome, ${outcome.value.name}. Your account is ready.`);
      res.redirect(303, '/');
    },

    showLogIn(req: Request, res: Response) {
      res.render('pages/login', { title: 'Log in', values: {}, errors: {}, next: safeNext(req.query.next) });
    },

    async logIn(req: Request, res: Response) {
      const next = safeNext(req.body?.next);
      const form = parseForm(logInForm, req.body);
      if (!form.ok) return res.status(422).render('pages/login', { title: 'Log in', ...form, next });
      const user = await accounts.authenticate(form.value.email, form.value.password);
      if (!user) {
        return res.status(401).render('pages/login', { title: 'Log in', values: { email: form.value.email }, errors: { form: BAD_CREDENTIALS }, next });
      }
      if (user.disabledAt) {
        return res.status(403).render('pages/login', { title: 'Log in', values: { email: form.value.email }, errors: { form: ACCOUNT_DISABLED }, next });
      }
      await logIn(req, user.id);
      res.redirect(303, next);
    },

    logOut(req: Request, res: Response) {
      req.session.destroy(() => {
        res.clearCookie('callbridge.sid');
        res.redirect(303, '/login');
      });
    },

    showAccount(_req: Request, res: Response) {
      res.render('pages/account', { title: 'Your account', values: {}, errors: {} });
    },

    async changePassword(req: Request, res: Response) {
      const form = parseForm(changePasswordForm, req.body);
      if (!form.ok) return res.status(422).render('pages/account', { title: 'Your account', ...form });
      const outcome = await accounts.changePassword(req.user!.id, form.value);
      if (!outcome.ok) return res.status(422).render('pages/account', { title: 'Your account', values: {}, errors: outcome.errors });
      flash(req, 'success', 'Your password has been changed.');
      res.redirect(303, '/account');
    },
  };
}
