/** Twilio REST failures, in words a caller understands. Nothing is charged for any of them. */

export class RestTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no answer from Twilio within ${ms} ms`);
    this.name = 'RestTimeoutError';
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RestTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Whether Twilio answered the request at all: its RestException carries the HTTP status. Without an answer (a reset
 * connection, a socket hang-up, our timeout) the call may have been placed anyway, so nothing may be released yet.
 */
export function twilioAnswered(err: unknown): boolean {
  return typeof (err as { status?: unknown } | null)?.status === 'number';
}

const BY_CODE: Record<number, string> = {
  21211: 'Our phone provider says your phone number is not valid.',
  21214: 'Our phone provider cannot reach your phone number.',
  21215: 'Our phone provider is not allowed to call your country.',
  21216: 'Our phone provider blocked calls to your phone number.',
  21217: 'Our phone provider says your phone number is not valid.',
  21210: 'Our calling number is not set up correctly.',
  21212: 'Our calling number is not set up correctly.',
  20003: 'Our phone provider account is not set up correctly.',
};

export function restFailureReason(err: unknown): string {
  const suffix = ' Nothing was charged.';
  if (err instanceof RestTimeoutError) return `Our phone provider did not answer in time.${suffix} Please try again.`;
  const { status, code } = err as { status?: number; code?: number };
  if (status === 429) return `Our phone provider is busy right now.${suffix} Please try again in a minute.`;
  if (typeof status === 'number' && status >= 500) return `Our phone provider had a problem placing the call.${suffix} Please try again.`;
  if (typeof code === 'number' && BY_CODE[code]) return `${BY_CODE[code]}${suffix}`;
  if (typeof status === 'number' && status >= 400) return `Our phone provider refused the call${code ? ` (error ${code})` : ''}.${suffix}`;
  return `We could not reach our phone provider.${suffix} Please try again.`;
}
