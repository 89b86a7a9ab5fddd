import { formatDuration, formatMoney } from '../money/currency.js';
import { flagEmoji } from '../rating/phone.js';
import { callOutcome } from './call-outcome.js';
import { isFinal, type CallStatus } from './call-state.js';
import type { CallRecord } from './calls-repository.js';
import type { HistoryTotals } from './history-repository.js';

/** How each status reads in the history (the status filter lists the same words). */
export const STATUS_LABELS: Record<string, string> = {
  live: 'In progress',
  completed: 'Completed',
  'not-answered': 'Your phone did not answer',
  voicemail: 'Voicemail answered',
  'destination-unanswered': 'No answer',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

export interface HistoryRowView {
  id: string;
  startedAt: string;
  to: string;
  country: string;
  flag: string;
  status: string;
  /** The outcome's sentence (what happened, what it cost). */
  outcome: string;
  talk: string;
  cost: string;
  /** Finished calls can be placed again: the dial page with the number filled in (and its price shown). */
  callAgain: string | null;
  /** The address book's name for the number, with its page; else the link that saves the number as a contact. */
  contact: { name: string; href: string } | undefined;
  saveAsContactHref: string;
}

/** The address book's entry for a called number, as the contacts feature finds it (one lookup per page). */
export interface CalledContact {
  contactId: number;
  name: string;
}

export function historyRowView(call: CallRecord, currency: string, contact?: CalledContact): HistoryRowView {
  const final = isFinal(call.status as CallStatus);
  const outcome = final ? callOutcome(call) : undefined;
  return {
    id: call.id,
    startedAt: `${call.createdAt.slice(0, 16).replace('T', ' ')}`,
    to: call.toE164,
    country: call.toCountry ?? '',
    flag: call.toCountry ? flagEmoji(call.toCountry) : '',
    status: final ? (outcome?.label ?? STATUS_LABELS[call.status] ?? call.status) : STATUS_LABELS.live!,
    outcome: outcome?.sentence ?? '',
    talk: call.bridgedSeconds ? formatDuration(call.bridgedSeconds) : '—',
    cost: call.settledAt && call.costMicros !== null ? formatMoney(call.costMicros, currency) : '—',
    callAgain: final ? callAgainHref(call) : null,
    contact: contact ? { name: contact.name, href: `/contacts/${contact.contactId}` } : undefined,
    saveAsContactHref: `/contacts/new?${new URLSearchParams({ number: call.toE164 }).toString()}`,
  };
}

export function totalsView(totals: HistoryTotals, currency: string) {
  return {
    calls: totals.calls,
    callsLabel: totals.calls === 1 ? '1 call' : `${totals.calls.toLocaleString('en-US')} calls`,
    cost: formatMoney(totals.costMicros, currency),
    talk: formatDuration(totals.talkSeconds),
  };
}

/** The dial page with this call's number (and country) filled in: the price shows before anything rings. */
export function callAgainHref(call: Pick<CallRecord, 'toE164' | 'toCountry'>): string {
  const query = new URLSearchParams({ to: call.toE164, ...(call.toCountry ? { country: call.toCountry } : {}) });
  return `/?${query.toString()}`;
}
