import { historyRowView } from '../calls/history-view.js';
import type { LedgerKind } from '../ledger/wallet-rows.js';
import type { TeamCall } from './team-money.js';

/** Ledger kinds as a team's owner reads them. */
export const LEDGER_WORDS: Record<LedgerKind, string> = {
  grant: 'Credit granted',
  voucher: 'Voucher',
  purchase: 'Card top-up',
  call_charge: 'Call',
  refund: 'Refund',
  adjustment: 'Adjustment',
  free_minutes: 'Free minutes',
  recording_charge: 'Recording',
};

/** One row of the team's calls: who called, where (with the address book's name), when, what it cost. */
export function teamCallRow(call: TeamCall, currency: string) {
  const row = historyRowView(call, currency);
  return { ...row, callerName: call.callerName, contactName: call.contactName };
}
