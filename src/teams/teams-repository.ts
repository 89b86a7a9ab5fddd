import type { Knex } from 'knex';
import { readRecordingPolicy, type RecordingPolicyName } from '../recordings/recording-policy.js';
import { isSqlite, type Db } from '../db/database.js';
import { escapeLike, whereLike } from '../db/like.js';
import type { MemberLimits } from './team-forms.js';

export type TeamRole = 'owner' | 'admin' | 'member';

export interface Team {
  id: number;
  name: string;
  createdAt: string;
  /** Whether team calls record: off, optional (the member decides) or always (src/recordings/recording-policy.ts). */
  recordingPolicy: RecordingPolicyName;
}

export interface TeamMember extends MemberLimits {
  userId: number;
  name: string;
  email: string;
  role: TeamRole;
  joinedAt: string;
}

export interface Invitation {
  id: number;
  accountId: number;
  email: string;
  role: 'admin' | 'member';
  invitedByUserId: number | null;
  invitedByName: string | null;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

interface MemberRow {
  user_id: number;
  name: string;
  email: string;
  role: TeamRole;
  created_at: string;
  spend_per_day_micros: number | string | null;
  spend_per_month_micros: number | string | null;
  max_concurrent_calls: number | null;
  allowed_countries: string | null;
}

// PostgreSQL returns bigint columns as strings.
const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toMember(row: MemberRow): TeamMember {
  return {
    userId: row.user_id, name: row.name, email: row.email, role: row.role, joinedAt: row.created_at,
    spendPerDayMicros: num(row.spend_per_day_micros), spendPerMonthMicros: num(row.spend_per_month_micros),
    maxConcurrentCalls: row.max_concurrent_calls, allowedCountries: row.allowed_countries ? row.allowed_countries.split(',') : null,
  };
}

const ROLE_ORDER = `case m.role when 'owner' then 0 when 'admin' then 1 else 2 end`;
const INVITATION_COLUMNS = ['i.id', 'i.account_id', 'i.email', 'i.role', 'i.invited_by_user_id', 'u.name as invited_by_name', 'i.expires_at', 'i.accepted_at', 'i.revoked_at', 'i.created_at'];

function toInvitation(row: Record<string, unknown>): Invitation {
  return {
    id: row.id as number, accountId: row.account_id as number, email: row.email as string, role: row.role as Invitation['role'],
    invitedByUserId: (row.invited_by_user_id as number | null) ?? null, invitedByName: (row.invited_by_name as string | null) ?? null,
    expiresAt: row.expires_at as string, acceptedAt: (row.accepted_at as string | null) ?? null, revokedAt: (row.revoked_at as string | null) ?? null, createdAt: row.created_at as string,
  };
}

/**
 * Teams (accounts of kind team), their members and invitations. Reads that a user's request makes go through a
 * membership: member(teamId, userId) answers undefined for a team the user is not in, and the service asks it first.
 */
export function teamsRepository(db: Db) {
  const q = (trx?: Knex) => trx ?? db;
  return {
    transaction: <T>(work: (trx: Knex.Transaction) => Promise<T>) => db.transaction(work),

    async createTeam(name: string, ownerId: number, now: string, trx: Knex): Promise<number> {
      const [row] = await trx('accounts').insert({ kind: 'team', name, created_at: now, updated_at: now }, ['id']);
      const id = Number(typeof row === 'object' ? row.id : row);
      await trx('account_members').insert({ account_id: id, user_id: ownerId, role: 'owner', created_at: now, updated_at: now });
      return id;
    },

    /** The teams a user belongs to, with their role and the member count. */
    async teamsOf(userId: number): Promise<Array<Omit<Team, 'recordingPolicy'> & { role: TeamRole; members: number }>> {
      const rows = await db('account_members as m')
        .join('accounts as a', 'a.id', 'm.account_id')
        .where({ 'm.user_id': userId, 'a.kind': 'team' })
        .select('a.id', 'a.name', 'a.created_at', 'm.role', db.raw('(select count(*) from account_members c where c.account_id = a.id) as members'))
        .orderBy([{ column: 'a.name' }, { column: 'a.id' }]);
      return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, role: r.role, members: Number(r.members) }));
    },

    /** Names by user id (members past and present, for a team's calls and ledger). */
    async userNames(ids: readonly number[]): Promise<Map<number, string>> {
      if (ids.length === 0) return new Map();
      const rows: { id: number; name: string }[] = await db('users').whereIn('id', ids).select('id', 'name');
      return new Map(rows.map((r) => [Number(r.id), r.name]));
    },

    async team(teamId: number, trx?: Knex): Promise<Team | undefined> {
      const row = await q(trx)('accounts').where({ id: teamId, kind: 'team' }).first('id', 'name', 'created_at', 'recording_policy');
      return row && { id: row.id, name: row.name, createdAt: row.created_at, recordingPolicy: readRecordingPolicy(row.recording_policy) };
    },

    async setRecordingPolicy(teamId: number, policy: RecordingPolicyName, now: string, trx: Knex): Promise<void> {
      await trx('accounts').where({ id: teamId, kind: 'team' }).update({ recording_policy: policy, updated_at: now });
    },

    /** One member of a team (with the user's name and email), or undefined when the user is not in it. */
    async member(teamId: number, userId: number, trx?: Knex): Promise<TeamMember | undefined> {
      const row = await q(trx)('account_members as m').join('accounts as a', 'a.id', 'm.account_id').join('users as u', 'u.id', 'm.user_id')
        .where({ 'm.account_id': teamId, 'm.user_id': userId, 'a.kind': 'team' })
        .first('m.user_id', 'u.name', 'u.email', 'm.role', 'm.created_at', 'm.spend_per_day_micros', 'm.spend_per_month_micros', 'm.max_concurrent_calls', 'm.allowed_countries');
      return row ? toMember(row as MemberRow) : undefined;
    },

    async members(teamId: number, trx?: Knex): Promise<TeamMember[]> {
      const rows = await q(trx)('account_members as m').join('users as u', 'u.id', 'm.user_id').where('m.account_id', teamId)
        .select('m.user_id', 'u.name', 'u.email', 'm.role', 'm.created_at', 'm.spend_per_day_micros', 'm.spend_per_month_micros', 'm.max_concurrent_calls', 'm.allowed_countries')
        .orderByRaw(`${ROLE_ORDER}, lower(u.name), m.user_id`);
      return (rows as MemberRow[]).map(toMember);
    },

    async addMember(teamId: number, userId: number, role: TeamRole, now: string, trx: Knex): Promise<void> {
      await trx('account_members').insert({ account_id: teamId, user_id: userId, role, created_at: now, updated_at: now });
    },

    async setRole(teamId: number, userId: number, role: TeamRole, now: string, trx: Knex): Promise<void> {
      await trx('account_members').where({ account_id: teamId, user_id: userId }).update({ role, updated_at: now });
    },

    async setLimits(teamId: number, userId: number, limits: MemberLimits, now: string, trx: Knex): Promise<void> {
      await trx('account_members').where({ account_id: teamId, user_id: userId }).update({
        spend_per_day_micros: limits.spendPerDayMicros, spend_per_month_micros: limits.spendPerMonthMicros,
        max_concurrent_calls: limits.maxConcurrentCalls, allowed_countries: limits.allowedCountries ? limits.allowedCountries.join(',') : null, updated_at: now,
      });
    },

    async removeMember(teamId: number, userId: number, trx: Knex): Promise<boolean> {
      return (await trx('account_members').where({ account_id: teamId, user_id: userId }).delete()) > 0;
    },

    /** Locks the team's row for the change (PostgreSQL): two role changes at once cannot leave it without its owner. */
    async lockTeam(teamId: number, trx: Knex): Promise<void> {
      // SQLite runs one write transaction at a time already (and has no FOR UPDATE).
      if (!isSqlite(trx as Db)) await trx('accounts').where({ id: teamId }).forUpdate().first('id');
    },

    async createInvitation(input: { teamId: number; email: string; role: 'admin' | 'member'; tokenHash: string; invitedBy: number; expiresAt: string }, now: string, trx: Knex): Promise<number> {
      const [row] = await trx('team_invitations').insert({
        account_id: input.teamId, email: input.email, role: input.role, token_hash: input.tokenHash, invited_by_user_id: input.invitedBy, expires_at: input.expiresAt, created_at: now, updated_at: now,
      }, ['id']);
      return Number(typeof row === 'object' ? row.id : row);
    },

    /** Revokes the team's open invitations to an address (a new one replaces them). */
    async revokeOpenFor(teamId: number, email: string, now: string, trx: Knex): Promise<void> {
      await trx('team_invitations').where({ account_id: teamId, email }).whereNull('accepted_at').whereNull('revoked_at').update({ revoked_at: now, updated_at: now });
    },

    /** The team's invitations still waiting (not accepted, revoked or expired). */
    async openInvitations(teamId: number, now: string): Promise<Invitation[]> {
      const rows = await db('team_invitations as i').leftJoin('users as u', 'u.id', 'i.invited_by_user_id')
        .where('i.account_id', teamId).whereNull('i.accepted_at').whereNull('i.revoked_at').where('i.expires_at', '>', now)
        .select(INVITATION_COLUMNS).orderBy('i.id', 'desc');
      return rows.map(toInvitation);
    },

    async invitation(teamId: number, invitationId: number, trx?: Knex): Promise<Invitation | undefined> {
      const row = await q(trx)('team_invitations as i').leftJoin('users as u', 'u.id', 'i.invited_by_user_id').where({ 'i.account_id': teamId, 'i.id': invitationId }).first(INVITATION_COLUMNS);
      return row ? toInvitation(row) : undefined;
    },

    async invitationByHash(tokenHash: string, trx?: Knex): Promise<Invitation | undefined> {
      const row = await q(trx)('team_invitations as i').leftJoin('users as u', 'u.id', 'i.invited_by_user_id').where('i.token_hash', tokenHash).first(INVITATION_COLUMNS);
      return row ? toInvitation(row) : undefined;
    },

    async revokeInvitation(invitationId: number, now: string, trx: Knex): Promise<boolean> {
      return (await trx('team_invitations').where({ id: invitationId }).whereNull('accepted_at').whereNull('revoked_at').update({ revoked_at: now, updated_at: now })) > 0;
    },

    /** Marks the invitation used; false when another request used or revoked it first (single use under races). */
    async takeInvitation(invitationId: number, userId: number, now: string, trx: Knex): Promise<boolean> {
      return (await trx('team_invitations').where({ id: invitationId }).whereNull('accepted_at').whereNull('revoked_at').where('expires_at', '>', now).update({ accepted_at: now, accepted_by_user_id: userId, updated_at: now })) > 0;
    },

    /** Admin: teams by name, with member counts. */
    async adminPage(search: string, page: number, perPage: number): Promise<{ total: number; rows: Array<Omit<Team, 'recordingPolicy'> & { members: number; owner: string | null }> }> {
      const base = () => {
        const query = db('accounts as a').where('a.kind', 'team');
        if (search) whereLike(query, 'a.name', `%${escapeLike(search)}%`);
        return query;
      };
      const [{ count }] = (await base().count({ count: '*' })) as [{ count: number | string }];
      const rows = await base()
        .select('a.id', 'a.name', 'a.created_at',
          db.raw('(select count(*) from account_members c where c.account_id = a.id) as members'),
          db.raw(`(select u.email from account_members o join users u on u.id = o.user_id where o.account_id = a.id and o.role = 'owner' order by o.user_id limit 1) as owner`))
        .orderBy([{ column: 'a.name' }, { column: 'a.id' }]).limit(perPage).offset((page - 1) * perPage);
      return { total: Number(count), rows: rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, members: Number(r.members), owner: r.owner ?? null })) };
    },
  };
}

export type TeamsRepository = ReturnType<typeof teamsRepository>;

/** The few user fields the teams feature shows: kept here so the feature needs no other feature's repository. */
export async function teamUser(db: Db, userId: number): Promise<{ id: number; name: string; email: string } | undefined> {
  return db('users').where({ id: userId }).first('id', 'name', 'email');
}
