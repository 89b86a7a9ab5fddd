import type { TeamRole } from './teams-repository.js';

/**
 * Who may do what in a team: pure, so the whole matrix is tested without a database. A message says why not;
 * undefined means allowed. Owners and admins manage; admins cannot touch owners; there is exactly one owner, so
 * ownership moves only by transfer, and the owner cannot leave or be removed.
 */
export type TeamAction = 'invite' | 'revoke' | 'role' | 'limits' | 'remove' | 'transfer' | 'leave';

export const isManager = (role: TeamRole): boolean => role === 'owner' || role === 'admin';

export function refusal(action: TeamAction, me: { userId: number; role: TeamRole }, target?: { userId: number; role: TeamRole }): string | undefined {
  const self = target !== undefined && target.userId === me.userId;
  switch (action) {
    case 'invite':
    case 'revoke':
      return isManager(me.role) ? undefined : 'Only the team’s owner and admins can invite people.';
    case 'role':
      if (!isManager(me.role)) return 'Only the team’s owner and admins can change roles.';
      if (self) return 'You cannot change your own role: ask the owner or another admin.';
      if (target?.role === 'owner') return 'The owner’s role changes only when they transfer ownership.';
      return undefined;
    case 'limits':
      if (!isManager(me.role)) return 'Only the team’s owner and admins can set limits.';
      if (target?.role === 'owner' && me.role !== 'owner') return 'Admins cannot change the owner’s limits.';
      if (self && me.role !== 'owner') return 'Admins cannot change their own limits: ask the owner.';
      return undefined;
    case 'remove':
      if (!isManager(me.role)) return 'Only the team’s owner and admins can remove members.';
      if (self) return 'To leave the team, use Leave team.';
      if (target?.role === 'owner') return 'The owner cannot be removed: they can transfer ownership, then leave.';
      return undefined;
    case 'transfer':
      if (me.role !== 'owner') return 'Only the owner can transfer ownership.';
      if (self) return 'You are the owner already.';
      return undefined;
    case 'leave':
      return me.role === 'owner' ? 'Transfer ownership to another member before you leave: a team always has an owner.' : undefined;
  }
}

export const ROLE_WORDS: Record<TeamRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
