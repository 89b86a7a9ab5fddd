import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { flash } from '../http/flash.js';
import { parseForm, type FieldErrors } from '../http/forms.js';
import { safeNext } from '../shared/safe-next.js';
import { changePasswordForm, logInForm, signUpForm, type AccountsService } from './accounts-service.js';
import { deviceName } from './device-name.js';
import type { SessionsRepository } from './sessions-repository.js';
import type { User } from './users-repository.js';


function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export async function logIn(req: Request, userId: number): Promise<void> {
  // A fresh session id at log-in defeats session fixation.
  await regenerate(req);
  req.session.userId = userId;
  req.session.userAgent = req.get('user-agent')?.slice(0, 300);
  // Created now, with the session row, so the first page after log-in does not write to the database.
  req.session.csrfToken = randomBytes(24).toString('base64url');
}

/**
 * How long a browser may reuse the log-in page it was sent without any cookie: an hour, so the form's token (valid
 * FORM_TOKEN_TTL_MS from when the page was made) leaves hours to fill it in, and a new release's page is seen soon.
 */
export const LOG_IN_PAGE_FRESH_S = 3600;

/** The client address the rate limits count (the proxy's view when TRUST_PROXY is set). */
export const addressOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

export interface AccountsRoutesDeps {
  accounts: AccountsService;
  /** Emails the new account its confirmation link (carrying `next`, a local path), or the owner of a taken address a warning. */
  afterSignUp: (email: string, created: User | undefined, next: string) => Promise<void>;
  sessions: SessionsRepository;
  clock: Clock;
  /** Revokes every live API token of the user and says how many (offered with a password change and "log out everywhere"). */
  revokeApiTokens?: (userId: number) => Promise<number>;
}

/** The checkbox "also revoke my API tokens" is ticked. */
const wantsTokensRevoked = (body: unknown) => typeof body === 'object' && body !== null && (body as Record<string, unknown>).revoke_tokens === 'yes';

const tokensSentence = (asked: boolean, revoked: number) =>
  !asked ? ' Your API tokens still work: revoke them below if someone else may have one.' : revoked === 0 ? ' You had no API tokens to revoke.' : revoked === 1 ? ' Your API token was revoked.' : ` Your ${revoked} API tokens were revoked.`;

export function accountsRoutes({ accounts, sessions, clock, revokeApiTokens, afterSignUp }: AccountsRoutesDeps) {
  const revokeTokensIfAsked = async (req: Request) => {
    const asked = Boolean(revokeApiTokens) && wantsTokensRevoked(req.body);
    return tokensSentence(asked, asked ? await revokeApiTokens!(req.user!.id) : 0);
  };

  async function renderAccount(req: Request, res: Response, status: number, form: { values: Record<string, string>; errors: FieldErrors }) {
    const active = await sessions.listActive(req.user!.id, clock.now());
    const list = active.map((s) => ({ device: deviceName(s.userAgent), lastSeen: s.lastSeenAt?.toISOString() ?? '', lastSeenText: lastSeenText(s.lastSeenAt, clock.now()), current: s.sid === req.sessionID }));
    res.status(status).render('pages/account', { title: 'Your account', sessions: list, othersCount: list.filter((s) => !s.current).length, offerTokenRevoke: Boolean(revokeApiTokens), ...form });
  }

  return {
    /** GET /signup[?next=/local/path]: `next` (a team invitation, say) is carried through the confirmation email. */
    showSignUp(req: Request, res: Response) {
      const next = safeNext(req.query.next);
      if (req.user) return res.redirect(303, next);
      res.render('pages/signup', { title: 'Create your account', values: {}, errors: {}, next });
    },

    async signUp(req: Request, res: Response) {
      const next = safeNext(req.body?.next);
      const form = parseForm(signUpForm, req.body);
      if (!form.ok) return res.status(422).render('pages/signup', { title: 'Create your account', ...form, next });
      const outcome = await accounts.signUp(form.value, addressOf(req));
      if (outcome.limited) {
        return res.status(429).render('pages/signup', { title: 'Create your account', values: { name: form.value.name, email: form.value.email }, errors: { form: outcome.message }, next });
      }
      await afterSignUp(form.value.email, outcome.created, next);
      // The same answer whether or not the email already had an account, so the form reveals nothing.
      res.redirect(303, '/signup/check-email');
    },

    showLogIn(req: Request, res: Response) {
      // Already logged in (a bookmark, the back button): straight to where they were going.
      if (req.user) return res.redirect(303, safeNext(req.query.next));
      // A visitor with no cookie at all gets the same page as any other (no flash, no session, a public-form token valid
      // for FORM_TOKEN_TTL_MS): their browser may keep it a while, so logging in again skips a round trip on a slow
      // link. Vary: Cookie keeps it from being reused once there is a session (a flash, a logged-in user's redirect).
      res.vary('Cookie');
      if (!req.headers.cookie) res.set('Cache-Control', `private, max-age=${LOG_IN_PAGE_FRESH_S}`);
      // On a slow link (issue #25): the form needs only app.css and no script, so it is usable sooner; the script the
      // next page needs is fetched at idle priority while the person types, and comes from the cache after.
      res.render('pages/login', { title: 'Log in', values: {}, errors: {}, next: safeNext(req.query.next), lightPage: true, scriptLater: true });
    },

    /**
     * A browser's log-in that leads to the dial page is answered with that page (the route's next handlers make it),
     * not a redirect to it: on a slow link the redirect's round trip was a quarter of the way in (issue #25). The page
     * names its address (link rel=canonical), which the script puts in the address bar, so a reload asks for / and
     * does not send the form again. Without that script the address would stay /sessions, so a browser with scripting
     * off (the form's <noscript> field says so), a script or another client (no Sec-Fetch-Mode: navigate), or any
     * other destination gets the redirect as before.
     */
    async logIn(req: Request, res: Response, answerWithPage: NextFunction) {
      const next = safeNext(req.body?.next);
      const form = parseForm(logInForm, req.body);
      if (!form.ok) return res.status(422).render('pages/login', { title: 'Log in', ...form, next });
      const outcome = await accounts.logIn(form.value.email, form.value.password, addressOf(req));
      if (!outcome.ok) {
        const status = outcome.reason === 'limited' ? 429 : outcome.reason === 'demo-disabled' || outcome.reason === 'account-disabled' ? 403 : 401;
        return res.status(status).render('pages/login', { title: 'Log in', values: { email: form.value.email }, errors: { form: outcome.message }, next });
      }
      await logIn(req, outcome.user.id);
      const scriptsOff = (req.body as Record<string, unknown> | undefined)?.no_script !== undefined;
      if (next !== '/' || scriptsOff || req.get('sec-fetch-mode') !== 'navigate') return res.redirect(303, next);
      // The page's forms and htmx requests carry the new session's token; the locals before this were a visitor's.
      res.locals.csrfToken = req.session.csrfToken;
      res.locals.pageUrl = next;
      answerWithPage();
    },

    logOut(req: Request, res: Response) {
      req.session.destroy(() => {
        res.clearCookie('callbridge.sid');
        res.redirect(303, '/login');
      });
    },

    showAccount(req: Request, res: Response) {
      return renderAccount(req, res, 200, { values: {}, errors: {} });
    },

    async changePassword(req: Request, res: Response) {
      const form = parseForm(changePasswordForm, req.body);
      if (!form.ok) return renderAccount(req, res, 422, form);
      const outcome = await accounts.changePassword(req.user!.id, form.value, req.sessionID);
      if (!outcome.ok) return renderAccount(req, res, 422, { values: {}, errors: outcome.errors });
      flash(req, 'success', `Your password has been changed. Every other session has been logged out.${await revokeTokensIfAsked(req)}`);
      res.redirect(303, '/account');
    },

    async endOtherSessions(req: Request, res: Response) {
      const ended = await sessions.endOthers(req.user!.id, req.sessionID);
      const sessionsSentence = ended === 0 ? 'There were no other sessions.' : ended === 1 ? 'Logged out 1 other session.' : `Logged out ${ended} other sessions.`;
      flash(req, 'success', `${sessionsSentence}${await revokeTokensIfAsked(req)}`);
      res.redirect(303, '/account#sessions');
    },
  };
}

function lastSeenText(at: Date | null, now: Date): string {
  if (!at) return 'unknown';
  const minutes = Math.floor((now.getTime() - at.getTime()) / 60_000);
  if (minutes < 5) return 'just now';
  if (minutes < 60) return `${minutes} minutes ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
