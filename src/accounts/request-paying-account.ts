import type { Request } from 'express';
import type { PayingAccount, PayingAccounts } from './paying-account.js';

/** What routes and banners are handed: the account a signed-in request pays from, resolved once per request. */
export type PayingAccountOf = (req: Request) => Promise<{ accountId: number }>;

/**
 * The account a signed-in request pays from, resolved at most once per request: the dial page's recording outlook,
 * "Pay from" choice, price preview and address book all ask, and each ask used to read the membership again (the
 * address book read the users row too). The choice comes from User.payingAccountId, read with the session.
 */
export function payingAccountOfRequest(payers: Pick<PayingAccounts, 'chosen'>): (req: Request) => Promise<PayingAccount> {
  const resolved = new WeakMap<Request, Promise<PayingAccount>>();
  return (req) => {
    const user = req.user;
    if (!user) return Promise.reject(new Error('payingAccountOfRequest needs a signed-in request'));
    let chosen = resolved.get(req);
    if (!chosen) {
      chosen = payers.chosen(user.id, user.payingAccountId ?? null);
      resolved.set(req, chosen);
    }
    return chosen;
  };
}
