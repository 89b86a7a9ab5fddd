import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { creditAdjustmentForm } from '../admin/users/user-admin-forms.js';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { formatMoney } from '../money/currency.js';
import { LEDGER_WORDS } from './team-money-view.js';
import type { TeamMoney } from './team-money.js';
import { parseIdParam } from '../http/id-param.js';
import { pageParam, pagination } from '../http/pagination.js';
import { ROLE_WORDS } from './team-roles.js';
import { limitsSummary } from './teams-routes.js';
import { ADMIN_TEAMS_PER_PAGE, type TeamsService } from './teams-service.js';

const NO_TEAM = 'There is no team with that number.';

/** The admin console's teams: a paged list searchable by name, and one team's members, roles and limits. */
export function teamsAdminRoutes(deps: { teams: TeamsService; money: TeamMoney; currency: string }) {
  const { teams, currency } = deps;
  const money = (micros: number) => formatMoney(micros, currency);
  const text = (value: unknown, max: number) => (typeof value === 'string' ? value.trim().slice(0, max) : '');
  // A fresh id per adjustment form: the same form sent twice is applied once (as on the admin user page).
  const newSubmission = () => randomBytes(16).toString('base64url');

  async function renderTeam(req: Request, res: Response, status = 200, form: { values?: Record<string, string>; errors?: Record<string, string> } = {}) {
    const id = parseIdParam(req.params.id, NO_TEAM);
    const [found, wallet] = await Promise.all([teams.admin.team(id), deps.money.admin.wallet(id, pageParam(req.query.page))]);
    if (!found || !wallet) throw new HttpError(404, NO_TEAM);
    res.status(status).render('pages/teams-admin-show', {
      title: found.team.name,
      team: found.team,
      members: found.members.map((m) => ({ ...m, roleWord: ROLE_WORDS[m.role], limits: limitsSummary(m, currency), joined: m.joinedAt.slice(0, 10) })),
      invitations: found.invitations.map((i) => ({ ...i, roleWord: ROLE_WORDS[i.role], expires: i.expiresAt.slice(0, 10) })),
      wallet: { balance: money(wallet.wallet.balanceMicros), held: money(wallet.wallet.heldMicros), available: money(wallet.wallet.availableMicros) },
      ledger: wallet.ledger.entries.map((e) => ({ ...e, when: e.createdAt.replace('T', ' ').slice(0, 16), kindWords: LEDGER_WORDS[e.kind], amount: money(e.amountMicros), balanceAfter: money(e.balanceAfterMicros) })),
      ledgerPager: pagination(`/admin/teams/${id}`, (p) => (p > 1 ? `page=${p}` : ''), wallet.ledger.page, wallet.ledger.pages),
      values: form.values ?? { amount: '', reason: '', submission: newSubmission() },
      errors: form.errors ?? {},
    });
  }

  return {
    /** GET /admin/teams?q=&page= */
    async list(req: Request, res: Response) {
      const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 80) : '';
      const page = pageParam(req.query.page);
      const found = await teams.admin.page(q, page);
      const pages = Math.max(1, Math.ceil(found.total / ADMIN_TEAMS_PER_PAGE));
      res.render('pages/teams-admin-list', {
        title: 'Teams',
        q,
        total: found.total,
        rows: found.rows.map((r) => ({ ...r, created: r.createdAt.slice(0, 10) })),
        pager: pagination('/admin/teams', (p) => new URLSearchParams({ ...(q ? { q } : {}), ...(p > 1 ? { page: String(p) } : {}) }).toString(), Math.min(page, pages), pages),
      });
    },

    /** GET /admin/teams/:id: members, invitations, the team wallet (balance, held, ledger) and the credit form. */
    show: (req: Request, res: Response) => renderTeam(req, res),

    /** POST /admin/teams/:id/credit: an adjustment of the team wallet, audited in the ledger's transaction. */
    async adjustCredit(req: Request, res: Response) {
      const id = parseIdParam(req.params.id, NO_TEAM);
      const form = creditAdjustmentForm(req.body);
      // A form sent again after a validation error keeps its submission id: it was never applied.
      const submission = typeof req.body?.submission === 'string' && /^[A-Za-z0-9_-]{22,64}$/.test(req.body.submission) ? req.body.submission : newSubmission();
      const values = { amount: text(req.body?.amount, 20), reason: text(req.body?.reason, 150), submission };
      if (!form.ok) return renderTeam(req, res, 422, { errors: form.errors, values });
      const outcome = await deps.money.admin.adjust(req.user!.id, id, form.value.amountMicros, form.value.reason, form.value.submission);
      if (!outcome.ok && outcome.status === 422) return renderTeam(req, res, 422, { errors: { amount: outcome.message }, values });
      if (!outcome.ok) throw new HttpError(outcome.status, outcome.message);
      flash(req, 'success', outcome.message);
      res.redirect(303, `/admin/teams/${id}`);
    },

    /** The user's teams for the admin user page. */
    teamsOf: async (userId: number) => (await teams.admin.teamsOf(userId)).map((t) => ({ id: t.id, name: t.name, role: ROLE_WORDS[t.role], members: t.members })),
  };
}
