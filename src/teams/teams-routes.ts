import type { Request, Response } from 'express';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { parseIdParam } from '../http/id-param.js';
import { formatMoney } from '../money/currency.js';
import { pageParam, pagination } from '../http/pagination.js';
import { POLICY_LABELS } from '../recordings/recording-policy.js';
import { limitsFormValues, type FieldErrors } from './team-forms.js';
import { LEDGER_WORDS, teamCallRow } from './team-money-view.js';
import type { TeamMoney } from './team-money.js';
import { refusal, ROLE_WORDS } from './team-roles.js';
import type { TeamMember } from './teams-repository.js';
import type { InvitationState, Outcome, TeamsService } from './teams-service.js';

const NO_TEAM = 'There is no such team among yours.';
const NO_MEMBER = 'There is no such member in this team.';
const NO_INVITATION = 'There is no such invitation in this team.';

const teamId = (req: Request) => parseIdParam(req.params.id, NO_TEAM);
const userId = (req: Request) => parseIdParam(req.params.userId, NO_MEMBER);
const day = (iso: string) => iso.slice(0, 10);

export const DEAD_LINK: Record<InvitationState, { title: string; message: string }> = {
  open: { title: '', message: '' },
  expired: { title: 'This invitation has expired', message: 'Invitation links work for 7 days. Ask the team’s owner or an admin to invite you again.' },
  used: { title: 'This invitation was already used', message: 'Each invitation link works once. If it was not you who accepted it, ask the team’s owner or an admin to invite you again.' },
  revoked: { title: 'This invitation was withdrawn', message: 'The team’s owner or an admin revoked it. Ask them to invite you again if you should be in the team.' },
};

/** Limits in words for the members table: "20.00 a day · GB, FR", or "No limits". */
export function limitsSummary(m: TeamMember, currency: string): string {
  const parts = [
    m.spendPerDayMicros !== null ? `${formatMoney(m.spendPerDayMicros, currency)} a day` : '',
    m.spendPerMonthMicros !== null ? `${formatMoney(m.spendPerMonthMicros, currency)} a month` : '',
    m.maxConcurrentCalls !== null ? `${m.maxConcurrentCalls} call${m.maxConcurrentCalls === 1 ? '' : 's'} at once` : '',
    m.allowedCountries !== null ? `only ${m.allowedCountries.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'No limits';
}

/** Turns a refused or missing outcome into the web's answer: 404 for objects outside the user's teams, 403 with why. */
function refused(outcome: Exclude<Outcome<unknown>, { ok: true }>, missingMessage: string): never {
  if (outcome.reason === 'missing') throw new HttpError(404, missingMessage);
  if (outcome.reason === 'forbidden') throw new HttpError(403, outcome.message);
  throw new HttpError(422, Object.values(outcome.errors).join(' '));
}

export function teamsRoutes(deps: { teams: TeamsService; money: TeamMoney; currency: string }) {
  const { teams, currency } = deps;
  const money = (micros: number) => formatMoney(micros, currency);

  /** The "Balance and calls" card: the balance for all, calls and spend this month for owners and admins. */
  async function moneyView(userId: number, id: number) {
    const found = await deps.money.overview(userId, id);
    if (!found) return undefined;
    const wallet = { balance: money(found.wallet.balanceMicros), held: found.wallet.heldMicros ? money(found.wallet.heldMicros) : '', available: money(found.wallet.availableMicros) };
    if (!found.manager) return { wallet, manager: false };
    return {
      wallet, manager: true,
      calls: found.calls.map((c) => teamCallRow(c, currency)),
      spend: found.spend.map((s) => ({ ...s, spent: money(s.spentMicros) })),
      spendTotal: money(found.spend.reduce((sum, s) => sum + s.spentMicros, 0)),
    };
  }

  async function renderList(req: Request, res: Response, status = 200, form: { values?: Record<string, string>; errors?: FieldErrors } = {}) {
    const list = await teams.list(req.user!.id);
    res.status(status).render('pages/teams-list', { title: 'Teams', teams: list.map((t) => ({ ...t, roleWord: ROLE_WORDS[t.role] })), values: form.values ?? { name: '' }, errors: form.errors ?? {} });
  }

  async function renderTeam(req: Request, res: Response, status = 200, form: { values?: Record<string, string>; errors?: FieldErrors } = {}) {
    const id = teamId(req);
    const view = await teams.view(req.user!.id, id);
    if (!view) throw new HttpError(404, NO_TEAM);
    const { me } = view;
    res.status(status).render('pages/teams-show', {
      title: view.team.name,
      team: view.team,
      recording: { policy: form.values?.recordingPolicy ?? view.team.recordingPolicy, labels: POLICY_LABELS, error: form.errors?.recordingPolicy },
      me: { ...me, roleWord: ROLE_WORDS[me.role], canInvite: !refusal('invite', me), canLeave: !refusal('leave', me), limits: limitsSummary(me, currency) },
      members: view.members.map((m) => ({
        ...m, roleWord: ROLE_WORDS[m.role], self: m.userId === me.userId, limits: limitsSummary(m, currency), joined: day(m.joinedAt),
      })),
      invitations: view.invitations.map((i) => ({ ...i, roleWord: ROLE_WORDS[i.role], expires: day(i.expiresAt) })),
      values: form.values ?? { email: '', role: 'member' },
      errors: form.errors ?? {},
      money: await moneyView(req.user!.id, id),
    });
  }

  async function renderMember(req: Request, res: Response, status = 200, form: { values?: Record<string, string>; errors?: FieldErrors } = {}) {
    const found = await teams.member(req.user!.id, teamId(req), userId(req));
    if (!found) throw new HttpError(404, NO_MEMBER);
    const { team, me, target } = found;
    res.status(status).render('pages/teams-member', {
      title: `${target.name} · ${team.name}`,
      team,
      member: { ...target, roleWord: ROLE_WORDS[target.role], limits: limitsSummary(target, currency), self: target.userId === me.userId },
      can: { role: !refusal('role', me, target), limits: !refusal('limits', me, target), remove: !refusal('remove', me, target), transfer: !refusal('transfer', me, target) },
      currency,
      values: form.values ?? { ...limitsFormValues(target), role: target.role },
      errors: form.errors ?? {},
    });
  }

  async function memberFor(req: Request) {
    const found = await teams.member(req.user!.id, teamId(req), userId(req));
    if (!found) throw new HttpError(404, NO_MEMBER);
    return found;
  }

  const text = (value: unknown, max = 300) => (typeof value === 'string' ? value.slice(0, max) : '');

  return {
    /** GET /teams: my teams and the form to create one. */
    list: (req: Request, res: Response) => renderList(req, res),

    /** POST /teams */
    async create(req: Request, res: Response) {
      const outcome = await teams.create(req.user!.id, req.body?.name);
      if (!outcome.ok) return renderList(req, res, 422, { values: { name: text(req.body?.name, 200) }, errors: outcome.reason === 'invalid' ? outcome.errors : {} });
      flash(req, 'success', 'Your team is ready: invite people by email.');
      res.redirect(303, `/teams/${outcome.value}`);
    },

    /** GET /teams/:id */
    show: (req: Request, res: Response) => renderTeam(req, res),

    /** GET /teams/:id/ledger?page=: the team's ledger with the member behind each entry (owners and admins). */
    async ledger(req: Request, res: Response) {
      const id = teamId(req);
      const found = await deps.money.ledgerPage(req.user!.id, id, pageParam(req.query.page));
      if (!found.ok && found.reason === 'missing') throw new HttpError(404, NO_TEAM);
      if (!found.ok) throw new HttpError(403, found.message);
      const { team, page } = found;
      res.render('pages/teams-ledger', {
        title: `Ledger · ${team.name}`,
        team,
        total: page.total,
        entries: page.entries.map((e) => ({ ...e, when: e.createdAt.replace('T', ' ').slice(0, 16), kindWords: LEDGER_WORDS[e.kind], amount: money(e.amountMicros), balanceAfter: money(e.balanceAfterMicros) })),
        pager: pagination(`/teams/${id}/ledger`, (p) => (p > 1 ? `page=${p}` : ''), page.page, page.pages),
      });
    },

    /** POST /teams/:id/invitations */
    /** POST /teams/:id/recording: the team's recording policy (owner and admins). */
    async setRecordingPolicy(req: Request, res: Response) {
      const outcome = await teams.setRecordingPolicy(req.user!.id, teamId(req), req.body?.recordingPolicy);
      if (!outcome.ok) {
        if (outcome.reason === 'invalid') return renderTeam(req, res, 422, { values: { email: '', role: 'member', recordingPolicy: '' }, errors: outcome.errors });
        refused(outcome, NO_TEAM);
      }
      flash(req, 'success', outcome.value === 'off' ? 'Team calls will not be recorded.' : outcome.value === 'always' ? 'Every team call will be recorded; both parties hear a notice first.' : 'Each member’s own setting decides whether their team calls are recorded.');
      res.redirect(303, `/teams/${teamId(req)}#recording`);
    },

    async invite(req: Request, res: Response) {
      const outcome = await teams.invite(req.user!.id, teamId(req), { email: req.body?.email, role: req.body?.role });
      if (!outcome.ok && outcome.reason === 'invalid') return renderTeam(req, res, 422, { values: { email: text(req.body?.email, 254), role: text(req.body?.role, 10) }, errors: outcome.errors });
      if (!outcome.ok) refused(outcome, NO_TEAM);
      flash(req, 'success', `Invitation sent to ${outcome.value.email}. The link works for 7 days.`);
      res.redirect(303, `/teams/${teamId(req)}`);
    },

    /** POST /teams/:id/invitations/:invitationId/revoke */
    async revokeInvitation(req: Request, res: Response) {
      const outcome = await teams.revokeInvitation(req.user!.id, teamId(req), parseIdParam(req.params.invitationId, NO_INVITATION));
      if (!outcome.ok) refused(outcome, NO_INVITATION);
      flash(req, 'success', `The invitation of ${outcome.value.email} is revoked: its link no longer works.`);
      res.redirect(303, `/teams/${teamId(req)}`);
    },

    /** GET /teams/:id/members/:userId: the member, and for owners and admins the role, limits and remove forms. */
    showMember: (req: Request, res: Response) => renderMember(req, res),

    /** POST /teams/:id/members/:userId/role */
    async changeRole(req: Request, res: Response) {
      const outcome = await teams.changeRole(req.user!.id, teamId(req), userId(req), req.body?.role);
      if (!outcome.ok && outcome.reason === 'invalid') return renderMember(req, res, 422, { errors: outcome.errors });
      if (!outcome.ok) refused(outcome, NO_MEMBER);
      flash(req, 'success', `${outcome.value.name} is now ${ROLE_WORDS[outcome.value.role].toLowerCase()}.`);
      res.redirect(303, `/teams/${teamId(req)}/members/${userId(req)}`);
    },

    /** POST /teams/:id/members/:userId/limits */
    async setLimits(req: Request, res: Response) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const outcome = await teams.setLimits(req.user!.id, teamId(req), userId(req), body);
      if (!outcome.ok && outcome.reason === 'invalid') {
        const current = await memberFor(req);
        const values = { role: current.target.role, spend_per_day: text(body.spend_per_day, 30), spend_per_month: text(body.spend_per_month, 30), max_concurrent_calls: text(body.max_concurrent_calls, 10), allowed_countries: text(body.allowed_countries, 800) };
        return renderMember(req, res, 422, { values, errors: outcome.errors });
      }
      if (!outcome.ok) refused(outcome, NO_MEMBER);
      flash(req, 'success', `Limits of ${outcome.value.name} saved: ${limitsSummary(outcome.value, currency)}.`);
      res.redirect(303, `/teams/${teamId(req)}/members/${userId(req)}`);
    },

    /** GET /teams/:id/members/:userId/remove: the confirmation page. */
    async confirmRemove(req: Request, res: Response) {
      const { team, me, target } = await memberFor(req);
      const why = refusal('remove', me, target);
      if (why) throw new HttpError(403, why);
      res.render('pages/teams-remove', { title: `Remove ${target.name}?`, team, member: target });
    },

    /** POST /teams/:id/members/:userId/remove */
    async remove(req: Request, res: Response) {
      const outcome = await teams.remove(req.user!.id, teamId(req), userId(req));
      if (!outcome.ok) refused(outcome, NO_MEMBER);
      flash(req, 'success', `${outcome.value.name} was removed from the team; their live calls on the team were ended.`);
      res.redirect(303, `/teams/${teamId(req)}`);
    },

    /** GET /teams/:id/members/:userId/transfer: the confirmation page. */
    async confirmTransfer(req: Request, res: Response) {
      const { team, me, target } = await memberFor(req);
      const why = refusal('transfer', me, target);
      if (why) throw new HttpError(403, why);
      res.render('pages/teams-transfer', { title: `Make ${target.name} the owner?`, team, member: target });
    },

    /** POST /teams/:id/members/:userId/transfer */
    async transfer(req: Request, res: Response) {
      const outcome = await teams.transfer(req.user!.id, teamId(req), userId(req));
      if (!outcome.ok) refused(outcome, NO_MEMBER);
      flash(req, 'success', `${outcome.value.name} is now the owner; you are an admin.`);
      res.redirect(303, `/teams/${teamId(req)}`);
    },

    /** GET /teams/:id/leave: the confirmation page (the owner is told to transfer first). */
    async confirmLeave(req: Request, res: Response) {
      const view = await teams.view(req.user!.id, teamId(req));
      if (!view) throw new HttpError(404, NO_TEAM);
      res.render('pages/teams-leave', { title: `Leave ${view.team.name}?`, team: view.team, refusal: refusal('leave', view.me) });
    },

    /** POST /teams/:id/leave */
    async leave(req: Request, res: Response) {
      const outcome = await teams.leave(req.user!.id, teamId(req));
      if (!outcome.ok) refused(outcome, NO_TEAM);
      flash(req, 'success', `You left ${outcome.value.name}.`);
      res.redirect(303, '/teams');
    },

    /**
     * GET /teams/invitations/:token: the team and who invited; logged out, links to log in (and back here) or sign
     * up; a dead link says why. The token is the capability: it is not an id of the user's, so it is not a 404 test.
     */
    async showInvitation(req: Request, res: Response) {
      const token = text(req.params.token, 100);
      const found = await teams.byToken(token);
      if (!found) return res.status(404).render('pages/link-dead', { title: 'This invitation link does not work', message: 'Check that you copied the whole link from the email, or ask for a new invitation.', action: { href: '/teams', label: 'Your teams' } });
      if (found.state !== 'open') return res.status(410).render('pages/link-dead', { ...DEAD_LINK[found.state], action: { href: '/teams', label: 'Your teams' } });
      const user = req.user;
      res.render('pages/teams-invitation', {
        title: `Join ${found.team.name}`,
        token,
        team: found.team,
        invitation: { ...found.invitation, roleWord: ROLE_WORDS[found.invitation.role].toLowerCase(), expires: day(found.invitation.expiresAt) },
        next: encodeURIComponent(req.originalUrl),
        mismatch: user && user.email.toLowerCase() !== found.invitation.email.toLowerCase(),
        alreadyMember: user ? Boolean(await teams.view(user.id, found.team.id)) : false,
      });
    },

    /** POST /teams/invitations/:token (needs a logged-in user: requireUser sends others to log in and back). */
    async acceptInvitation(req: Request, res: Response) {
      const outcome = await teams.accept(req.user!.id, text(req.params.token, 100));
      if (outcome.ok) {
        flash(req, 'success', `Welcome to ${outcome.value.name}.`);
        return res.redirect(303, `/teams/${outcome.value.id}`);
      }
      if (outcome.reason === 'dead') return res.status(410).render('pages/link-dead', { ...DEAD_LINK[outcome.state], action: { href: '/teams', label: 'Your teams' } });
      if (outcome.reason === 'mismatch') throw new HttpError(403, `This invitation is for ${outcome.invited}, and you are logged in as ${req.user!.email}. Log out and log in (or sign up) with ${outcome.invited}, or ask for an invitation to your own address.`);
      if (outcome.reason === 'missing') throw new HttpError(404, 'This invitation link does not work.');
      refused(outcome, NO_TEAM);
    },
  };
}
