import type { Knex } from 'knex';
import { isUniqueViolation } from '../db/unique-violation.js';
import type { HoldLedger, HoldState } from '../ledger/holds.js';
import type { WalletOwner } from '../ledger/wallet-rows.js';
import { newHold, type HoldPlan, type HoldRequest } from './call-credit.js';
import type { CallsRepository, KeyedEvent, NewCall } from './calls-repository.js';

/**
 * Placing a call: its credit hold (the ledger's), the call row with its limits and the "calling your phone" event are
 * written in one transaction or not at all. The ledger locks the user's wallet and hands this module what the hold is
 * decided from; the calls feature decides (pure) and adds its rows in the same transaction. A second live call of
 * the user breaks the unique live-call index, which rolls the whole placement back.
 */

/** What a placement is decided from. */
export type PlacementState = HoldState;

export interface Placement {
  call: NewCall;
  hold: { request: HoldRequest; plan: HoldPlan };
  noted: KeyedEvent;
}

export type PlacementDecision<R> = { kind: 'place'; placement: Placement } | { kind: 'refuse'; refusal: R };

export type PlacementOutcome<R> =
  | { kind: 'placed'; placement: Placement }
  | { kind: 'refused'; refusal: R }
  /** The user already has a live call (its id, unless it ended in the meantime). */
  | { kind: 'call-live'; liveCallId: string | null };

export interface CallPlacementDeps {
  holds: HoldLedger;
  repo: Pick<CallsRepository, 'liveCallFor' | 'insertPlaced'>;
}

export type CallPlacement = ReturnType<typeof callPlacement>;

/** A refusal found inside the placement's transaction: thrown to roll the hold back, caught by `place`. */
class RefusedInside<R> extends Error {
  constructor(readonly refusal: R) {
    super('placement refused inside its transaction');
  }
}

export function callPlacement(deps: CallPlacementDeps) {
  return {
    /**
     * Places the user's call as `decide` (pure, no I/O) plans it from their locked wallet and, when `spentSince` is
     * given, their call charges since then, and with `countOpenHolds` their calls still holding credit (counted
     * under the wallet's lock, so parallel starts cannot both pass a limit); or returns its refusal, or that a call
     * is already live. `guard` runs in the same transaction before the call row is written (the account's disabled
     * and on-hold state, read there so that a change committed meanwhile cannot be missed); its refusal rolls all back.
     */
    async place<R>(payer: WalletOwner, spentSince: string | undefined, decide: (state: PlacementState) => PlacementDecision<R>, countOpenHolds = false, guard?: (trx: Knex.Transaction) => Promise<R | undefined>, member?: { dayStart: string; monthStart: string }): Promise<PlacementOutcome<R>> {
      // The payer is the user's personal account (a bare user id) or an account with the member calling from it.
      const userId = typeof payer === 'number' ? payer : payer.userId;
      const live = await deps.repo.liveCallFor(userId);
      if (live) return { kind: 'call-live', liveCallId: live.id };
      let placed: Placement | undefined;
      try {
        const outcome = await deps.holds.hold<R>(
          payer,
          (state) => {
            const decision = decide(state);
            if (decision.kind === 'refuse') return decision;
            const { placement } = decision;
            placed = placement;
            return {
              kind: 'hold',
              hold: newHold(placement.hold.request, placement.hold.plan),
              alongside: async (trx: Knex.Transaction) => {
                const refusal = await guard?.(trx);
                if (refusal !== undefined) throw new RefusedInside(refusal);
                await deps.repo.insertPlaced(trx, placement.call, placement.noted);
              },
            };
          },
          { ...(spentSince === undefined ? {} : { spentSince }), countOpenHolds, ...(member ? { member } : {}) },
        );
        if (outcome.kind === 'refused') {
          // A parallel start that took the wallet's lock first may have placed a call (its hold then leaves too little
          // credit for this one): that live call, not the credit, is the reason to give.
          const liveNow = await deps.repo.liveCallFor(userId);
          return liveNow ? { kind: 'call-live', liveCallId: liveNow.id } : outcome;
        }
        return { kind: 'placed', placement: placed! };
      } catch (err) {
        if (err instanceof RefusedInside) return { kind: 'refused', refusal: err.refusal as R };
        // The unique live-call index: another start for this user won between our read and our write.
        if (isUniqueViolation(err)) return { kind: 'call-live', liveCallId: (await deps.repo.liveCallFor(userId))?.id ?? null };
        throw err;
      }
    },
  };
}
