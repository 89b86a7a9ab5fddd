import type { Request, Response } from 'express';
import { flash } from '../http/flash.js';
import { parseForm } from '../http/forms.js';
import { addressOf, logIn } from './accounts-routes.js';
import { changeEmailForm, changeNameForm, forgotPasswordForm, resetPasswordForm, type AccountEmailService } from './account-email-service.js';

const DEAD_LINK = 'This link has expired or was already used.';
const tokenOf = (req: Request) => (typeof req.query.token === 'string' ? req.query.token : '');

/** Confirming addresses, recovering passwords, changing name and email, email preferences. */
export function accountEmailRoutes({ service }: { service: AccountEmailService }) {
  const renderForgot = (res: Response, status: number, form: { values: Record<string, string>; errors: Record<string, string> }) =>
    res.status(status).render('pages/forgot-password', { title: 'Forgot your password?', ...form });

  return {
    showCheckEmail(_req: Request, res: Response) {
      res.render('pages/check-email', { title: 'Check your email', reason: 'signup' });
    },

    async confirm(req: Request, res: Response) {
      const user = await service.confirm(tokenOf(req));
      if (!user) return res.status(410).render('pages/link-dead', { title: 'Link expired', message: `${DEAD_LINK} Log in and send yourself a new one from your account page.`, action: { href: '/login', label: 'Log in' } });
      await logIn(req, user.id);
      flash(req, 'success', 'Your email address is confirmed. Welcome to callbridge!');
      res.redirect(303, user.phoneVerifiedAt ? '/' : '/account/phone');
    },

    async resendConfirmation(req: Request, res: Response) {
      const outcome = await service.resendConfirmation(req.user!);
      flash(req, outcome.ok ? 'success' : 'error', outcome.ok ? `We sent a new confirmation link to ${req.user!.email}.` : outcome.message);
      res.redirect(303, '/account');
    },

    showForgot(req: Request, res: Response) {
      renderForgot(res, 200, { values: { email: typeof req.query.email === 'string' ? req.query.email : '' }, errors: {} });
    },

    async forgot(req: Request, res: Response) {
      const form = parseForm(forgotPasswordForm, req.body);
      if (!form.ok) return renderForgot(res, 422, form);
      const outcome = await service.requestReset(form.value.email, addressOf(req));
      if (outcome.limited) return renderForgot(res, 429, { values: { email: form.value.email }, errors: { form: 'Too many reset requests for this address or from your connection. Check your inbox (and spam folder) for the links already sent, or try again in an hour.' } });
      // The same page whether or not the address has an account.
      res.render('pages/check-email', { title: 'Check your email', reason: 'reset', email: form.value.email });
    },

    async showReset(req: Request, res: Response) {
      const token = tokenOf(req);
      if (!(await service.resetLinkValid(token))) return res.status(410).render('pages/link-dead', { title: 'Link expired', message: `${DEAD_LINK} Reset links work once, for 30 minutes.`, action: { href: '/forgot-password', label: 'Send a new link' } });
      res.render('pages/reset-password', { title: 'Choose a new password', token, values: {}, errors: {} });
    },

    async reset(req: Request, res: Response) {
      const form = parseForm(resetPasswordForm, req.body);
      const token = typeof req.body?.token === 'string' ? req.body.token : '';
      if (!form.ok) return res.status(422).render('pages/reset-password', { title: 'Choose a new password', token, ...form });
      const outcome = await service.resetPassword(form.value);
      if (!outcome) return res.status(410).render('pages/link-dead', { title: 'Link expired', message: `${DEAD_LINK} Reset links work once, for 30 minutes.`, action: { href: '/forgot-password', label: 'Send a new link' } });
      // Every session ended, this browser's too: a fresh one carries the message to the log-in page.
      await new Promise<void>((resolve) => req.session.regenerate(() => resolve()));
      const tokens = outcome.tokensRevoked === undefined ? 'Your API tokens still work.' : outcome.tokensRevoked === 0 ? 'You had no API tokens to revoke.' : `${outcome.tokensRevoked} API token${outcome.tokensRevoked === 1 ? ' was' : 's were'} revoked.`;
      flash(req, 'success', `Your password has been changed and every session was logged out. ${tokens} Log in with your new password.`);
      res.redirect(303, '/login');
    },

    async changeName(req: Request, res: Response) {
      const form = parseForm(changeNameForm, req.body);
      if (!form.ok) {
        flash(req, 'error', form.errors.name ?? 'Enter your name');
        return res.redirect(303, '/account#profile');
      }
      await service.changeName(req.user!.id, form.value.name);
      flash(req, 'success', 'Your name has been changed.');
      res.redirect(303, '/account#profile');
    },

    async changeEmail(req: Request, res: Response) {
      const form = parseForm(changeEmailForm, req.body);
      const outcome = form.ok ? await service.requestEmailChange(req.user!, form.value) : { ok: false as const, errors: form.errors };
      if (!outcome.ok) {
        flash(req, 'error', Object.values(outcome.errors).join(' '));
        return res.redirect(303, '/account#profile');
      }
      flash(req, 'info', `We sent a link to ${form.ok ? form.value.new_email : 'the new address'}. Your address changes when you follow it (within 24 hours).`);
      res.redirect(303, '/account#profile');
    },

    async confirmEmailChange(req: Request, res: Response) {
      const outcome = await service.confirmEmailChange(tokenOf(req));
      if (!outcome.ok) return res.status(410).render('pages/link-dead', { title: 'Link expired', message: outcome.message, action: { href: '/account', label: 'Your account' } });
      if (req.session) flash(req, 'success', `Your email address is now ${outcome.email}.`);
      res.redirect(303, req.user ? '/account#profile' : '/login');
    },

  };
}
