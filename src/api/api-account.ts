import type { Request } from 'express';

/**
 * A token acts for one account (api_tokens.account_id): its balance, the calls it places and the calls, recordings
 * and contacts it may read. These helpers say which, from the caller the bearer check set.
 */

/**
 * The wallet the token reads: its account's, with the token's user acting. The account is already known (the bearer
 * check read it), so a personal token needs no lookup of the user's personal account either.
 */
export function walletRefOf(req: Request): { accountId: number; userId: number } {
  const { user, account } = req.apiCaller!;
  return { accountId: account.id, userId: user.id };
}

/** The account a call placed with this token is paid from. */
export function accountIdOf(req: Request): number {
  return req.apiCaller!.account.id;
}

/**
 * Whether the token reads every member's calls on its account: a team token of an owner or admin (the role is the
 * user's role now, read with the token). A member's team token, and a personal one, reads the user's own calls.
 */
export function seesEveryMembersCalls(req: Request): boolean {
  const { account } = req.apiCaller!;
  return account.kind === 'team' && (account.role === 'owner' || account.role === 'admin');
}

/** Whether a call (already known to be the token user's) belongs to the token's account; else it answers 404. */
export function callInAccount(req: Request, call: { accountId?: number | null }): boolean {
  const { account } = req.apiCaller!;
  return call.accountId == null ? account.kind === 'personal' : call.accountId === account.id;
}

