import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { isRecordingPolicy, type RecordingPolicyName } from '../recordings/recording-policy.js';
import { isInviteRole, parseInviteEmail, parseMemberLimits, parseTeamName, type FieldErrors, type InviteRole } from './team-forms.js';
import { isManager, refusal, type TeamAction } from './team-roles.js';
import type { Invitation, Team, TeamMember, TeamRole, TeamsRepository } from './teams-repository.js';

export const INVITATION_DAYS = 7;
export const ADMIN_TEAMS_PER_PAGE = 25;

/** Why a change did not happen: no such object for this user (404), not allowed (403), or bad input (422). */
export type Outcome<T = void> = { ok: true; value: T } | { ok: false; reason: 'missing' } | { ok: false; reason: 'forbidden'; message: string } | { ok: false; reason: 'invalid'; errors: FieldErrors };

const missing = { ok: false, reason: 'missing' } as const;
const forbidden = (message: string) => ({ ok: false, reason: 'forbidden', message }) as const;
const invalid = (errors: FieldErrors) => ({ ok: false, reason: 'invalid', errors }) as const;
const ok = <T>(value: T) => ({ ok: true, value }) as const;

type Access = { me: TeamMember; target: TeamMember | undefined; outcome?: undefined } | { me?: undefined; target?: undefined; outcome: Outcome<never> };

export type InvitationState = 'open' | 'expired' | 'used' | 'revoked';

export interface InvitationEmail {
  to: string;
  teamName: string;
  inviterName: string;
  role: InviteRole;
  link: string;
  expiresAt: string;
}

export interface TeamsServiceDeps {
  repo: TeamsRepository;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  /** Looks a user up by id (name and email), for invitations and acceptances. */
  userById: (userId: number) => Promise<{ id: number; name: string; email: string } | undefined>;
  /** Queues the invitation email (through src/email); never throws. */
  sendInvitation: (email: InvitationEmail) => Promise<void>;
  /**
   * Ends the live calls a user placed on the team's account, when they are removed or leave.
   * TODO(integrator): wire to the calls service once calls carry account_id (branch `accounts`); until then the
   * composition root passes a no-op.
   */
  endMemberCalls?: (accountId: number, userId: number) => Promise<void>;
}

export const hashInvitationToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Teams: creating them, members and roles, invitations, per-member limits. Every method takes the acting user and
 * reaches each object through a team that user belongs to: another team's team, member or invitation ids answer
 * 'missing', exactly like ids that do not exist. Each change writes its audit row in its own transaction.
 */
export function teamsService(deps: TeamsServiceDeps) {
  const { repo, clock } = deps;
  const now = () => clock.now().toISOString();
  const endMemberCalls = deps.endMemberCalls ?? (async () => undefined);

  function invitationState(invitation: Invitation, at = now()): InvitationState {
    if (invitation.acceptedAt) return 'used';
    if (invitation.revokedAt) return 'revoked';
    return invitation.expiresAt <= at ? 'expired' : 'open';
  }

  /** The acting user's membership and the target's, in one team; refused or missing as the rules say. */
  async function authorise(actorId: number, teamId: number, action: TeamAction, targetId: number | undefined, trx?: Parameters<TeamsRepository['member']>[2]): Promise<Access> {
    const me = await repo.member(teamId, actorId, trx);
    if (!me) return { outcome: missing };
    let target: TeamMember | undefined;
    if (targetId !== undefined) {
      target = await repo.member(teamId, targetId, trx);
      if (!target) return { outcome: missing };
    }
    const why = refusal(action, me, target);
    if (why) return { outcome: forbidden(why) };
    return { me, target };
  }

  async function afterLeaving(teamId: number, userId: number) {
    try {
      await endMemberCalls(teamId, userId);
    } catch (err) {
      // The membership is gone already; the call's own limits still end it. Logged, not shown as a failure.
      deps.logger.error({ err, teamId, userId }, 'could not end the live calls of a member who left a team');
    }
  }

  return {
    invitationState,

    list: (userId: number) => repo.teamsOf(userId),

    async create(userId: number, rawName: unknown): Promise<Outcome<number>> {
      const name = parseTeamName(rawName);
      if (!name.ok) return invalid(name.errors);
      const id = await repo.transaction(async (trx) => {
        const teamId = await repo.createTeam(name.value, userId, now(), trx);
        await recordAudit(trx, clock, { actorId: userId, action: 'team.create', subject: `team ${teamId}`, summary: `Created team ${name.value}`, newValue: { name: name.value } });
        return teamId;
      });
      return ok(id);
    },

    /** The team page: the team, my membership, its members, and (for owners and admins) open invitations. */
    async view(userId: number, teamId: number) {
      const me = await repo.member(teamId, userId);
      const team = me && (await repo.team(teamId));
      if (!me || !team) return undefined;
      const [members, invitations] = await Promise.all([repo.members(teamId), isManager(me.role) ? repo.openInvitations(teamId, now()) : Promise.resolve([])]);
      return { team, me, members, invitations };
    },

    /** One member as seen by a member of the same team (undefined otherwise). */
    async member(userId: number, teamId: number, targetId: number) {
      const me = await repo.member(teamId, userId);
      const target = me && (await repo.member(teamId, targetId));
      const team = target && (await repo.team(teamId));
      if (!me || !target || !team) return undefined;
      return { team, me, target };
    },

    async invite(userId: number, teamId: number, input: { email: unknown; role: unknown }): Promise<Outcome<{ invitationId: number; email: string }>> {
      const access = await authorise(userId, teamId, 'invite', undefined);
      if (!access.me) return access.outcome;
      const errors: FieldErrors = {};
      const email = parseInviteEmail(input.email);
      if (!email) errors.email = 'Enter an email address such as name@example.com.';
      if (!isInviteRole(input.role)) errors.role = 'Choose Admin or Member.';
      if (!email || !isInviteRole(input.role)) return invalid(errors);
      const role = input.role;
      const members = await repo.members(teamId);
      if (members.some((m) => m.email.toLowerCase() === email)) return invalid({ email: `${email} is already a member of this team.` });
      const token = randomBytes(24).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + INVITATION_DAYS * 86_400_000).toISOString();
      const team = (await repo.team(teamId))!;
      const invitationId = await repo.transaction(async (trx) => {
        // A new invitation replaces the address's earlier ones: only the newest link works.
        await repo.revokeOpenFor(teamId, email, now(), trx);
        const id = await repo.createInvitation({ teamId, email, role, tokenHash: hashInvitationToken(token), invitedBy: userId, expiresAt }, now(), trx);
        await recordAudit(trx, clock, { actorId: userId, action: 'team.invite', subject: `team ${teamId}`, summary: `Invited ${email} as ${role}`, newValue: { invitationId: id, email, role } });
        return id;
      });
      await deps.sendInvitation({ to: email, teamName: team.name, inviterName: access.me.name, role, link: `${deps.publicUrl}/teams/invitations/${token}`, expiresAt });
      return ok({ invitationId, email });
    },

    async revokeInvitation(userId: number, teamId: number, invitationId: number): Promise<Outcome<Invitation>> {
      const access = await authorise(userId, teamId, 'revoke', undefined);
      if (!access.me) return access.outcome;
      return repo.transaction(async (trx) => {
        const invitation = await repo.invitation(teamId, invitationId, trx);
        if (!invitation) return missing;
        if (!(await repo.revokeInvitation(invitationId, now(), trx))) return forbidden('This invitation was already accepted or revoked.');
        await recordAudit(trx, clock, { actorId: userId, action: 'team.invitation.revoke', subject: `team ${teamId}`, summary: `Revoked the invitation of ${invitation.email}`, oldValue: { invitationId } });
        return ok(invitation);
      });
    },

    /** What the link's page shows: the invitation, its team and its state; undefined for a token that never existed. */
    async byToken(token: string): Promise<{ invitation: Invitation; team: Team; state: InvitationState } | undefined> {
      if (typeof token !== 'string' || token.length > 100) return undefined;
      const invitation = await repo.invitationByHash(hashInvitationToken(token));
      const team = invitation && (await repo.team(invitation.accountId));
      if (!invitation || !team) return undefined;
      return { invitation, team, state: invitationState(invitation) };
    },

    /** Accepts once: the user's email must be the invited one; the membership gets the invited role. */
    async accept(userId: number, token: string): Promise<Outcome<Team> | { ok: false; reason: 'dead'; state: InvitationState } | { ok: false; reason: 'mismatch'; invited: string }> {
      const found = await this.byToken(token);
      if (!found) return missing;
      if (found.state !== 'open') return { ok: false, reason: 'dead', state: found.state };
      const user = await deps.userById(userId);
      if (!user) return missing;
      if (user.email.toLowerCase() !== found.invitation.email.toLowerCase()) return { ok: false, reason: 'mismatch', invited: found.invitation.email };
      const { invitation, team } = found;
      try {
        return await repo.transaction(async (trx) => {
          if (await repo.member(team.id, userId, trx)) return forbidden(`You are already a member of ${team.name}.`);
          // The conditional update is the single-use guard: of two acceptances at once, one changes the row.
          if (!(await repo.takeInvitation(invitation.id, userId, now(), trx))) return { ok: false, reason: 'dead', state: 'used' } as const;
          await repo.addMember(team.id, userId, invitation.role, now(), trx);
          await recordAudit(trx, clock, { actorId: userId, action: 'team.join', subject: `team ${team.id}`, summary: `Joined as ${invitation.role} (invited as ${invitation.email})`, newValue: { invitationId: invitation.id, role: invitation.role } });
          return ok(team);
        });
      } catch (err) {
        if (isUniqueViolation(err)) return forbidden(`You are already a member of ${team.name}.`);
        throw err;
      }
    },

    async changeRole(userId: number, teamId: number, targetId: number, role: unknown): Promise<Outcome<TeamMember>> {
      if (!isInviteRole(role)) {
        // Checked after membership so another team's ids still answer missing, whatever the body says.
        if (!(await repo.member(teamId, userId)) || !(await repo.member(teamId, targetId))) return missing;
        return invalid({ role: 'Choose Admin or Member (ownership moves by transfer).' });
      }
      return repo.transaction(async (trx) => {
        await repo.lockTeam(teamId, trx);
        const access = await authorise(userId, teamId, 'role', targetId, trx);
        if (!access.me) return access.outcome;
        const target = access.target!;
        if (target.role !== role) {
          await repo.setRole(teamId, targetId, role, now(), trx);
          await recordAudit(trx, clock, { actorId: userId, action: 'team.role', subject: `team ${teamId}`, summary: `${target.email}: ${target.role} → ${role}`, oldValue: { userId: targetId, role: target.role }, newValue: { userId: targetId, role } });
        }
        return ok({ ...target, role: role as TeamRole });
      });
    },

    /** The owner or an admin sets whether team calls record (off, optional, always), with its audit row. */
    async setRecordingPolicy(userId: number, teamId: number, raw: unknown): Promise<Outcome<RecordingPolicyName>> {
      return repo.transaction(async (trx) => {
        const me = await repo.member(teamId, userId, trx);
        const team = me && (await repo.team(teamId, trx));
        if (!me || !team) return missing;
        if (!isManager(me.role)) return forbidden('Only the team’s owner and admins can set the recording policy.');
        if (!isRecordingPolicy(raw)) return invalid({ recordingPolicy: 'Choose off, optional or always for recording.' });
        if (raw === team.recordingPolicy) return ok(raw);
        await repo.setRecordingPolicy(teamId, raw, now(), trx);
        await recordAudit(trx, clock, { actorId: userId, action: 'team.recording_policy', subject: `team ${teamId}`, summary: `Recording policy ${team.recordingPolicy} → ${raw}`, oldValue: { recordingPolicy: team.recordingPolicy }, newValue: { recordingPolicy: raw } });
        return ok(raw);
      });
    },

    async setLimits(userId: number, teamId: number, targetId: number, body: Record<string, unknown>): Promise<Outcome<TeamMember>> {
      return repo.transaction(async (trx) => {
        const access = await authorise(userId, teamId, 'limits', targetId, trx);
        if (!access.me) return access.outcome;
        const parsed = parseMemberLimits(body);
        if (!parsed.ok) return invalid(parsed.errors);
        const target = access.target!;
        const { spendPerDayMicros, spendPerMonthMicros, maxConcurrentCalls, allowedCountries } = target;
        await repo.setLimits(teamId, targetId, parsed.value, now(), trx);
        await recordAudit(trx, clock, { actorId: userId, action: 'team.limits', subject: `team ${teamId}`, summary: `Limits of ${target.email}`, oldValue: { userId: targetId, spendPerDayMicros, spendPerMonthMicros, maxConcurrentCalls, allowedCountries }, newValue: { userId: targetId, ...parsed.value } });
        return ok({ ...target, ...parsed.value });
      });
    },

    async remove(userId: number, teamId: number, targetId: number): Promise<Outcome<TeamMember>> {
      const outcome = await repo.transaction(async (trx): Promise<Outcome<TeamMember>> => {
        await repo.lockTeam(teamId, trx);
        const access = await authorise(userId, teamId, 'remove', targetId, trx);
        if (!access.me) return access.outcome;
        const target = access.target!;
        await repo.removeMember(teamId, targetId, trx);
        await recordAudit(trx, clock, { actorId: userId, action: 'team.remove', subject: `team ${teamId}`, summary: `Removed ${target.email} (${target.role})`, oldValue: { userId: targetId, role: target.role } });
        return ok(target);
      });
      if (outcome.ok) await afterLeaving(teamId, targetId);
      return outcome;
    },

    async transfer(userId: number, teamId: number, targetId: number): Promise<Outcome<TeamMember>> {
      return repo.transaction(async (trx) => {
        await repo.lockTeam(teamId, trx);
        const access = await authorise(userId, teamId, 'transfer', targetId, trx);
        if (!access.me) return access.outcome;
        const target = access.target!;
        await repo.setRole(teamId, targetId, 'owner', now(), trx);
        await repo.setRole(teamId, userId, 'admin', now(), trx);
        await recordAudit(trx, clock, { actorId: userId, action: 'team.transfer', subject: `team ${teamId}`, summary: `Ownership passed to ${target.email}`, oldValue: { owner: userId }, newValue: { owner: targetId } });
        return ok(target);
      });
    },

    async leave(userId: number, teamId: number): Promise<Outcome<Team>> {
      const outcome = await repo.transaction(async (trx): Promise<Outcome<Team>> => {
        await repo.lockTeam(teamId, trx);
        const access = await authorise(userId, teamId, 'leave', undefined, trx);
        if (!access.me) return access.outcome;
        const team = (await repo.team(teamId, trx))!;
        await repo.removeMember(teamId, userId, trx);
        await recordAudit(trx, clock, { actorId: userId, action: 'team.leave', subject: `team ${teamId}`, summary: `Left ${team.name} (${access.me.role})`, oldValue: { userId, role: access.me.role } });
        return ok(team);
      });
      if (outcome.ok) await afterLeaving(teamId, userId);
      return outcome;
    },

    /** Admin console reads (the routes are behind requireAdmin). */
    admin: {
      page: (search: string, page: number) => repo.adminPage(search, page, ADMIN_TEAMS_PER_PAGE),
      async team(teamId: number) {
        const team = await repo.team(teamId);
        if (!team) return undefined;
        const [members, invitations] = await Promise.all([repo.members(teamId), repo.openInvitations(teamId, now())]);
        return { team, members, invitations };
      },
      teamsOf: (userId: number) => repo.teamsOf(userId),
    },
  };
}

export type TeamsService = ReturnType<typeof teamsService>;
