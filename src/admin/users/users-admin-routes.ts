import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { UsersRepository } from '../../accounts/users-repository.js';
import type { Clock } from '../../clock.js';
import { HttpError } from '../../http/errors.js';
import { parseIdParam } from '../../http/id-param.js';
import { flash } from '../../http/flash.js';
import { formatDuration, formatMoney } from '../../money/currency.js';
import { formatMicros } from '../../money/micros.js';
import { pageParam, pagination } from '../../http/pagination.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { AdminOutcome, UserAdminService } from './user-admin-service.js';
import { creditAdjustmentForm, limitsForm } from './user-admin-forms.js';
import { deviceName } from '../../accounts/device-name.js';
import type { SessionsRepository } from '../../accounts/sessions-repository.js';
import type { CallsService } from '../../calls/calls-service.js';
import type { UsersAdminRepository } from './users-admin-repository.js';
import { adminCallStatus, LEDGER_KIND_WORDS } from '../calls/admin-call-words.js';

export interface UsersAdminDeps {
  clock: Clock;
  users: UsersRepository;
  repo: UsersAdminRepository;
  service: UserAdminService;
  wallet: Ledger;
  sessions: SessionsRepository;
  calls: CallsService;
  currency: string;
  /** Why the user's calls are on hold (card payments), shown on the user's page; absent without payments. */
  callHold?: ((userId: number) => Promise<string | undefined>) | undefined;
  /** The user's teams (name, their role, members), listed on the user's page with links to the admin team pages. */
  teamsOf?: ((userId: number) => Promise<Array<{ id: number; name: string; role: string; members: number }>>) | undefined;
}

function userIdParam(value: unknown): number {
  return parseIdParam(value, 'There is no user with that number.');
}

/** A fresh id for one credit adjustment form: submitting the same form twice applies it once. */
function newSubmissionId(): string {
  return randomBytes(16).toString('base64url');
}

function text(value: unknown, max = 100): string {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

export function usersAdminRoutes(deps: UsersAdminDeps) {
  const { repo, service, wallet, users, currency } = deps;
  const money = (micros: number) => formatMoney(micros, currency);

  async function renderUser(req: Request, res: Response, userId: number, status = 200, form: { errors?: Record<string, string>; values?: Record<string, string> } = {}) {
    const user = await users.findById(userId);
    if (!user) throw new HttpError(404, 'There is no user with that number.');
    const [summary, holds, ledger, sessions, calls, callHold, reviewHold, teams] = await Promise.all([
      wallet.peek(userId),
      repo.openHolds(userId),
      wallet.ledger(userId, pageParam(req.query.page), 20),
      deps.sessions.listActive(userId, deps.clock.now()),
      deps.calls.recent(userId, 10),
      deps.callHold?.(userId),
      service.reviewHold(userId),
      deps.teamsOf?.(userId) ?? Promise.resolve([]),
    ]);
    // Every account the user is in, with its wallet: the personal one first, then each team (its balance, not the user's share).
    const teamWallets = await Promise.all(teams.map((t) => wallet.peek({ accountId: t.id })));
    const paysFrom = user.payingAccountId ?? null;
    const accounts = [
      { label: 'Personal', href: undefined as string | undefined, role: 'Owner', members: undefined as number | undefined, balance: money(summary.balanceMicros), available: money(summary.availableMicros), paysFrom: paysFrom === null || !teams.some((t) => t.id === paysFrom) },
      ...teams.map((t, i) => ({ label: t.name, href: `/admin/teams/${t.id}`, role: t.role, members: t.members, balance: money(teamWallets[i]!.balanceMicros), available: money(teamWallets[i]!.availableMicros), paysFrom: t.id === paysFrom })),
    ];
    res.status(status).render('pages/admin-user', {
      accounts,
      title: user.email,
      subject: user,
      self: req.user!.id === user.id,
      callHold,
      teams,
      reviewHold: reviewHold && { since: reviewHold.heldAt.replace('T', ' ').slice(0, 16), reason: reviewHold.reason },
      balance: money(summary.balanceMicros),
      held: money(summary.heldMicros),
      available: money(summary.availableMicros),
      sessions: sessions.map((x) => ({ device: deviceName(x.userAgent), lastSeen: x.lastSeenAt ? x.lastSeenAt.toISOString().replace('T', ' ').slice(0, 16) : '' })),
      calls: calls.map((c) => ({ id: c.id, to: c.toE164, status: adminCallStatus(c), when: c.createdAt.replace('T', ' ').slice(0, 16), charged: c.settledAt ? money(c.costMicros ?? 0) : '' })),
      holds: holds.map((h) => ({ ...h, amount: money(h.amountMicros), longest: formatDuration(h.maxSeconds) })),
      ledger: ledger.entries.map((e) => ({ ...e, kindWords: LEDGER_KIND_WORDS[e.kind], amount: money(e.amountMicros), balanceAfter: money(e.balanceAfterMicros), when: e.createdAt.replace('T', ' ').slice(0, 16) })),
      ledgerPager: pagination(`/admin/users/${userId}`, (p) => (p > 1 ? `page=${p}` : ''), ledger.page, ledger.pages),
      limits: {
        daily_spend_cap: form.values?.daily_spend_cap ?? (user.dailySpendCapMicros == null ? '' : formatMicros(user.dailySpendCapMicros)),
        concurrent_call_limit: form.values?.concurrent_call_limit ?? (user.concurrentCallLimit == null ? '' : String(user.concurrentCallLimit)),
      },
      values: { submission: newSubmissionId(), ...form.values },
      errors: form.errors ?? {},
    });
  }

  function done(req: Request, res: Response, userId: number, outcome: AdminOutcome) {
    if (!outcome.ok && outcome.status === 404) throw new HttpError(404, outcome.message);
    flash(req, outcome.ok ? 'success' : 'error', outcome.message);
    res.redirect(303, `/admin/users/${userId}`);
  }

  return {
    async list(req: Request, res: Response) {
      const q = text(req.query.q, 60);
      const status = ['disabled', 'held', 'admin'].includes(text(req.query.status)) ? text(req.query.status) : '';
      const result = await repo.page(q, status, pageParam(req.query.page));
      const params = (page: number) => {
        const qs = new URLSearchParams();
        if (q) qs.set('q', q);
        if (status) qs.set('status', status);
        if (page > 1) qs.set('page', String(page));
        return qs.toString();
      };
      res.render('pages/admin-users', {
        title: 'Users',
        q,
        status,
        total: result.total,
        rows: result.rows.map((r) => ({ ...r, balance: money(r.balanceMicros), held: r.heldMicros ? money(r.heldMicros) : '' })),
        pager: pagination('/admin/users', params, result.page, result.pages),
      });
    },

    async show(req: Request, res: Response) {
      await renderUser(req, res, userIdParam(req.params.id));
    },

    async adjustCredit(req: Request, res: Response) {
      const userId = userIdParam(req.params.id);
      const form = creditAdjustmentForm(req.body);
      // A form sent again after a validation error keeps its submission id: it was never applied.
      const submission = typeof req.body?.submission === 'string' && /^[A-Za-z0-9_-]{22,64}$/.test(req.body.submission) ? req.body.submission : newSubmissionId();
      const values = { amount: text(req.body?.amount, 20), reason: text(req.body?.reason, 150), submission };
      if (!form.ok) return renderUser(req, res, userId, 422, { errors: form.errors, values });
      const outcome = await service.adjustCredit(req.user!.id, userId, form.value.amountMicros, form.value.reason, form.value.submission);
      if (!outcome.ok && outcome.status === 422) return renderUser(req, res, userId, 422, { errors: { [outcome.field ?? 'form']: outcome.message }, values });
      done(req, res, userId, outcome);
    },

    async setLimits(req: Request, res: Response) {
      const userId = userIdParam(req.params.id);
      const form = limitsForm(req.body);
      if (!form.ok) {
        const values = { daily_spend_cap: text(req.body?.daily_spend_cap, 20), concurrent_call_limit: text(req.body?.concurrent_call_limit, 20) };
        return renderUser(req, res, userId, 422, { errors: form.errors, values });
      }
      done(req, res, userId, await service.setLimits(req.user!.id, userId, form.value));
    },

    async setDisabled(req: Request, res: Response) {
      const userId = userIdParam(req.params.id);
      const disabled = req.body?.disabled === '1' ? true : req.body?.disabled === '0' ? false : undefined;
      if (disabled === undefined) throw new HttpError(400, 'Choose whether to disable or re-enable the account.');
      done(req, res, userId, await service.setDisabled(req.user!.id, userId, disabled));
    },

    async liftHold(req: Request, res: Response) {
      const userId = userIdParam(req.params.id);
      done(req, res, userId, await service.liftHold(req.user!.id, userId));
    },

    async setAdmin(req: Request, res: Response) {
      const userId = userIdParam(req.params.id);
      const admin = req.body?.admin === '1' ? true : req.body?.admin === '0' ? false : undefined;
      if (admin === undefined) throw new HttpError(400, 'Choose whether to grant or remove admin rights.');
      done(req, res, userId, await service.setAdmin(req.user!.id, userId, admin));
    },
  };
}
