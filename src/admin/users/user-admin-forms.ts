/** Strict parsing for the admin's user forms: decimal text only (no 1e3, 0x10, Infinity), whole cents, sane bounds. */

const CENTS = /^(-)?(\d{1,7})(?:\.(\d{1,2}))?$/;
const MAX_ADJUSTMENT_MICROS = 10_000 * 1_000_000;
const MAX_DAILY_CAP_MICROS = 10_000 * 1_000_000;
const MAX_CONCURRENT_CALLS = 20;

/** "12.5" → 12,500,000; "-3" → -3,000,000; undefined for anything that is not a plain amount in whole cents. */
export function parseCents(text: string): number | undefined {
  const match = CENTS.exec(text.trim());
  if (!match) return undefined;
  const [, minus, whole, cents = ''] = match;
  const micros = Number(whole) * 1_000_000 + Number(cents.padEnd(2, '0')) * 10_000;
  return minus ? -micros : micros;
}

export type FormOutcome<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

const field = (body: unknown, name: string): string | undefined => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** The adjustment form's one-time submission id (see UserAdminService.adjustCredit): 22 to 64 URL-safe characters. */
const SUBMISSION = /^[A-Za-z0-9_-]{22,64}$/;

export function creditAdjustmentForm(body: unknown): FormOutcome<{ amountMicros: number; reason: string; submission: string }> {
  const errors: Record<string, string> = {};
  const amountText = field(body, 'amount') ?? '';
  const amount = parseCents(amountText);
  if (amount === undefined || amount === 0 || Math.abs(amount) > MAX_ADJUSTMENT_MICROS) {
    errors.amount = /\.\d{3,}/.test(amountText)
      ? 'Use whole cents: at most 2 decimals.'
      : 'Enter an amount such as 5.00 to add or -5.00 to remove (not 0, at most 10,000).';
  }
  const reason = (field(body, 'reason') ?? '').trim();
  if (reason.length < 3) errors.reason = 'Say why (at least 3 characters): it is kept in the ledger and the audit log.';
  else if (reason.length > 150) errors.reason = 'At most 150 characters.';
  const submission = field(body, 'submission') ?? '';
  if (!SUBMISSION.test(submission)) errors.form = 'This form is out of date: reload the page and enter the adjustment again.';
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: { amountMicros: amount!, reason, submission } };
}

export function limitsForm(body: unknown): FormOutcome<{ dailySpendCapMicros: number | null; concurrentCallLimit: number | null }> {
  const errors: Record<string, string> = {};
  const capText = (field(body, 'daily_spend_cap') ?? '').trim();
  let cap: number | null = null;
  if (capText !== '') {
    const parsed = parseCents(capText);
    if (parsed === undefined || parsed <= 0 || parsed > MAX_DAILY_CAP_MICROS) errors.daily_spend_cap = 'Enter a daily cap such as 20.00 (more than 0, at most 10,000, whole cents), or leave it empty for none.';
    else cap = parsed;
  }
  const callsText = (field(body, 'concurrent_call_limit') ?? '').trim();
  let calls: number | null = null;
  if (callsText !== '') {
    if (!/^\d{1,2}$/.test(callsText) || Number(callsText) < 1 || Number(callsText) > MAX_CONCURRENT_CALLS) {
      errors.concurrent_call_limit = `Enter a whole number of calls from 1 to ${MAX_CONCURRENT_CALLS}, or leave it empty for none.`;
    } else calls = Number(callsText);
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: { dailySpendCapMicros: cap, concurrentCallLimit: calls } };
}
