import type { Request, Response } from 'express';
import { safeNext } from '../shared/safe-next.js';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { parseIdParam } from '../http/id-param.js';
import { parseForm } from '../http/forms.js';
import { addressOf, logIn } from './accounts-routes.js';
import { changeEmailForm, changeNameForm, forgotPasswordForm, resetPasswordForm, type AccountEmailService } from './account-email-service.js';

const DEAD_LINK = 'This link has expired or was already used.';
const tokenOf = (req: Request) => (typeof req.query.token === 'string' ? req.query.token : '');
const postedTokenOf = (req: Request) => (typeof req.body?.token === 'string' ? (req.body.token as string) : '');

/** Confirming addresses, recovering passwords, changing name and email, email preferences. */
export function accountEmailRoutes({ service }: { service: AccountEmailService }) {
  const renderForgot = (res: Response, status: number, form: { values: Record<string, string>; errors: Record<string, string> }) =>
    res.status(status).render('pages/forgot-password', { title: 'Forgot your password?', ...form });

  return {
    showCheckEmail(_req: Request, res: Response) {
      res.render('pages/check-email', { title: 'Check your email', reason: 'signup' });
    },

    /**
     * GET of an emailed confirmation link only shows a button: mail scanners and link previews fetch GET links, and
     * must not use them up (or log anyone in). The button POSTs the token with the form's CSRF token.
     */
    async showConfirm(req: Request, res: Response) {
      const token = tokenOf(req);
      if (!(await service.linkValid(token, 'confirm'))) return res.status(410).render('pages/link-dead', { title: 'Link expired', message: `${DEAD_LINK} Log in and send yourself a new one from your account page.`, action: { href: '/login', label: 'Log in' } });
      res.render('pages/confirm-link', { title: 'Confirm your email address', message: 'One more step: confirm that this address is yours, and you will be logged in.', action: '/confirm-email', token, button: 'Confirm my email address', next: safeNext(req.query.next) });
    },

    async confirm(req: Request, res: Response) {
      const user = await service.confirm(postedTokenOf(req));
      if (!user) return res.status(410).render('pages/link-dead', { title: 'Link expired', message: `${DEAD_LINK} Log in and send yourself a new one from your account page.`, action: { href: '/login', label: 'Log in' } });
      await logIn(req, user.id);
      flash(req, 'success', 'Your email address is confirmed. Welcome to callbridge!');
      // Signed up from a link (a team invitation): back to it; otherwise on to verifying a phone.
      const next = safeNext(req.body?.next);
      res.redirect(303, next !== '/' ? next : user.phoneVerifiedAt ? '/' : '/account/phone');
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

    /** Like showConfirm: the GET shows a button; only its POST changes the address. */
    async showConfirmEmailChange(req: Request, res: Response) {
      const token = tokenOf(req);
      if (!(await service.linkValid(token, 'change-email'))) return res.status(410).render('pages/link-dead', { title: 'Link expired', message: 'This link has expired or was already used. Ask for a new one on your account page.', action: { href: '/account', label: 'Your account' } });
      res.render('pages/confirm-link', { title: 'Confirm your new email address', message: 'Confirm that this is the address you want your callbridge account to use.', action: '/account/email/confirm', token, button: 'Use this address' });
    },

    async confirmEmailChange(req: Request, res: Response) {
      const outcome = await service.confirmEmailChange(postedTokenOf(req));
      if (!outcome.ok) return res.status(410).render('pages/link-dead', { title: 'Link expired', message: outcome.message, action: { href: '/account', label: 'Your account' } });
      if (req.session) flash(req, 'success', `Your email address is now ${outcome.email}.`);
      res.redirect(303, req.user ? '/account#profile' : '/login');
    },

    /** Admin, from a user's page: email that user a reset link (audited). */
    async adminSendReset(req: Request, res: Response) {
      const user = await service.adminSendReset(req.user!.id, parseIdParam(req.params.id, 'There is no such user.'));
      if (!user) throw new HttpError(404, 'There is no such user.');
      flash(req, 'success', `A password reset link was emailed to ${user.email}. It works once, for 30 minutes.`);
      res.redirect(303, `/admin/users/${user.id}`);
    },
  };
}
