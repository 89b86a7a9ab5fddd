import { describe, expect, it } from 'vitest';
import { restFailureReason, RestTimeoutError, twilioAnswered, withTimeout } from '../../src/calls/rest-errors.js';

describe('Twilio REST failures in plain words', () => {
  it('names what went wrong and says nothing was charged', async () => {
    expect(restFailureReason({ status: 500, code: 20500 })).toBe('Our phone provider had a problem placing the call. Nothing was charged. Please try again.');
    expect(restFailureReason({ status: 429, code: 20429 })).toBe('Our phone provider is busy right now. Nothing was charged. Please try again in a minute.');
    expect(restFailureReason({ status: 400, code: 21211 })).toBe('Our phone provider says your phone number is not valid. Nothing was charged.');
    expect(restFailureReason({ status: 400, code: 21215 })).toBe('Our phone provider is not allowed to call your country. Nothing was charged.');
    expect(restFailureReason({ status: 400, code: 29999 })).toBe('Our phone provider refused the call (error 29999). Nothing was charged.');
    expect(restFailureReason(new Error('ECONNREFUSED'))).toBe('We could not reach our phone provider. Nothing was charged. Please try again.');
    await expect(withTimeout(new Promise(() => undefined), 5)).rejects.toBeInstanceOf(RestTimeoutError);
    expect(restFailureReason(new RestTimeoutError(5))).toBe('Our phone provider did not answer in time. Nothing was charged. Please try again.');
  });

  it('tells a refusal (an HTTP status came back) from no answer at all (the call may exist)', () => {
    expect(twilioAnswered({ status: 500, code: 20500 })).toBe(true);
    expect(twilioAnswered({ status: 429, code: 20429 })).toBe(true);
    expect(twilioAnswered({ status: 400, code: 21211 })).toBe(true);
    expect(twilioAnswered(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(false);
    expect(twilioAnswered(new RestTimeoutError(15_000))).toBe(false);
    expect(twilioAnswered(undefined)).toBe(false);
  });
});
