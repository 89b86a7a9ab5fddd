import { recordAudit } from '../audit/audit-log.js';
import type { CallRecord } from '../calls/call-rows.js';
import type { Clock } from '../clock.js';
import { formatMoney } from '../money/currency.js';
import { formatMicros } from '../money/micros.js';
import { ReferenceInUseError, type Ledger } from '../ledger/ledger.js';
import { InsufficientCreditError, type LedgerEntry } from '../ledger/wallet-rows.js';
import { isManager } from './team-roles.js';
import type { TeamsRepository } from './teams-repository.js';

export const TEAM_CALLS_SHOWN = 20;
export const TEAM_LEDGER_PER_PAGE = 25;

export interface TeamMoneyDeps {
  repo: TeamsRepository;
  ledger: Pick<Ledger, 'peek' | 'ledger' | 'spendByMember' | 'apply'>;
  recentCalls: (accountId: number, limit: number) => Promise<CallRecord[]>;
  /** Contact names for the numbers the account's calls went to, looked up in the team's address book. */
  contactNames: (accountId: number, calls: readonly CallRecord[]) => Promise<Map<string, string>>;
  clock: Clock;
  currency: string;
}

export type TeamCall = CallRecord & { callerName: string; contactName: string | null };
export type NamedEntry = LedgerEntry & { memberName: string };

/** Start of the current UTC month, ISO: "spend this month" runs from here. */
export const monthStart = (now: Date): string => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();

/**
 * A team's money as its members see it: every member reads the balance; owners and admins also the team's calls,
 * spend per member this month and the ledger. Another team's id is `missing` like an unknown one. The admin side
 * (balance, held, ledger, credit adjustment with its audit row in the ledger's transaction) is here too, so the team
 * wallet is reached through one module.
 */
export function teamMoney(deps: TeamMoneyDeps) {
  const { repo, ledger } = deps;

  /** Names of users by id (members who left still name their old entries and calls). */
  async function namesOf(ids: Iterable<number>): Promise<Map<number, string>> {
    return repo.userNames([...new Set(ids)]);
  }

  async function callsWithNames(teamId: number): Promise<TeamCall[]> {
    const calls = await deps.recentCalls(teamId, TEAM_CALLS_SHOWN);
    const [names, contacts] = await Promise.all([namesOf(calls.map((c) => c.userId)), deps.contactNames(teamId, calls)]);
    return calls.map((c) => ({ ...c, callerName: names.get(c.userId) ?? `User ${c.userId}`, contactName: contacts.get(c.toE164) ?? null }));
  }

  async function namedEntries(entries: LedgerEntry[]): Promise<NamedEntry[]> {
    const names = await namesOf(entries.map((e) => e.userId));
    return entries.map((e) => ({ ...e, memberName: names.get(e.userId) ?? `User ${e.userId}` }));
  }

  return {
    /** The team page's money: the balance for every member; calls and spend per member for owners and admins. */
    async overview(userId: number, teamId: number) {
      const me = await repo.member(teamId, userId);
      if (!me) return undefined;
      const wallet = await ledger.peek({ accountId: teamId });
      if (!isManager(me.role)) return { wallet, manager: false as const };
      const [calls, spend, members] = await Promise.all([callsWithNames(teamId), ledger.spendByMember(teamId, monthStart(deps.clock.now())), repo.members(teamId)]);
      const names = await namesOf(spend.keys());
      const spendRows = members.map((m) => ({ userId: m.userId, name: m.name, spentMicros: spend.get(m.userId) ?? 0 }));
      // Former members who spent this month stay in the list, named, so the total adds up.
      for (const [id, micros] of spend) if (!members.some((m) => m.userId === id)) spendRows.push({ userId: id, name: `${names.get(id) ?? `User ${id}`} (left)`, spentMicros: micros });
      return { wallet, manager: true as const, calls, spend: spendRows };
    },

    /** The team ledger, paged: 'missing' for non-members, 'forbidden' for members who are not owner or admin. */
    async ledgerPage(userId: number, teamId: number, page: number) {
      const me = await repo.member(teamId, userId);
      const team = me && (await repo.team(teamId));
      if (!me || !team) return { ok: false as const, reason: 'missing' as const };
      if (!isManager(me.role)) return { ok: false as const, reason: 'forbidden' as const, message: 'Only the team’s owner and admins see the team’s ledger. Ask them if you need it.' };
      const found = await ledger.ledger({ accountId: teamId }, page, TEAM_LEDGER_PER_PAGE);
      return { ok: true as const, team, page: { ...found, entries: await namedEntries(found.entries) } };
    },

    admin: {
      /** The admin team page's wallet and recent ledger (undefined for an id that is not a team). */
      async wallet(teamId: number, page: number) {
        const team = await repo.team(teamId);
        if (!team) return undefined;
        const [wallet, found] = await Promise.all([ledger.peek({ accountId: teamId }), ledger.ledger({ accountId: teamId }, page, TEAM_LEDGER_PER_PAGE)]);
        return { wallet, ledger: { ...found, entries: await namedEntries(found.entries) } };
      },

      /**
       * Adds or removes team credit as an 'adjustment', with its audit row in the ledger's transaction; the admin is
       * the entry's member. Never below what is held. `submission` makes a resent form apply once.
       */
      async adjust(actorId: number, teamId: number, amountMicros: number, reason: string, submission: string): Promise<{ ok: true; message: string } | { ok: false; status: 404 | 422; message: string }> {
        const money = (micros: number) => formatMoney(micros, deps.currency);
        const team = await repo.team(teamId);
        if (!team) return { ok: false, status: 404, message: 'There is no team with that number.' };
        try {
          const applied = await ledger.apply(
            { accountId: teamId, userId: actorId },
            { kind: 'adjustment', amountMicros, description: `Adjustment: ${reason}`, reference: `admin:${actorId}`, idempotencyKey: `adjustment:${submission}` },
            {
              after: async (trx, { entry, balanceBeforeMicros }) => {
                await recordAudit(trx, deps.clock, {
                  actorId,
                  action: 'team.credit',
                  subject: `team ${teamId}`,
                  summary: `${amountMicros > 0 ? 'Added' : 'Removed'} ${money(Math.abs(amountMicros))} ${amountMicros > 0 ? 'to' : 'from'} team ${team.name}: ${reason}`,
                  oldValue: { balance: formatMicros(balanceBeforeMicros) },
                  newValue: { balance: formatMicros(entry.balanceAfterMicros) },
                });
              },
            },
          );
          if (applied.repeated) return { ok: true, message: 'That adjustment was already made (the form was sent twice); it was applied once.' };
          return { ok: true, message: `Balance of ${team.name} is now ${money(applied.entry.balanceAfterMicros)}.` };
        } catch (err) {
          if (err instanceof ReferenceInUseError) return { ok: false, status: 404, message: 'That form was used for another wallet: reload the page.' };
          if (!(err instanceof InsufficientCreditError)) throw err;
          return { ok: false, status: 422, message: `That would take the balance below zero (or below credit held for calls in progress): at most ${money(err.availableMicros)} can be removed.` };
        }
      },
    },
  };
}

export type TeamMoney = ReturnType<typeof teamMoney>;
