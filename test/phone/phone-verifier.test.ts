import { describe, expect, it } from 'vitest';
import { VERIFY_PROBLEM_MESSAGES, statusOfProblem } from '../../src/phone/phone-messages.js';
import { problemOf } from '../../src/phone/phone-verifier.js';

/** twilio-node throws RestException objects carrying Twilio's HTTP status and error code. */
const restException = (status: number, code: number) => Object.assign(new Error(`Twilio ${code}`), { status, code });

describe('Verify errors in plain words', () => {
  it.each([
    [400, 60200, 'invalid-parameter', 422, 'did not accept this number or code'],
    [429, 60202, 'too-many-checks', 429, 'Too many wrong codes'],
    [429, 60203, 'too-many-sends', 429, 'too many codes. Wait 10 minutes'],
    [404, 20404, 'gone', 422, 'expired or was already used'],
    [403, 60205, 'landline', 422, 'Choose “Call me” instead'],
    [429, 20429, 'busy', 429, 'Wait a minute'],
    [500, 20500, 'unavailable', 503, 'not answering right now'],
    [503, 20503, 'unavailable', 503, 'not answering right now'],
    [401, 20003, 'misconfigured', 503, 'tell the administrator'],
  ])('HTTP %i, Twilio %i: %s', (status, code, problem, httpStatus, words) => {
    let logged = 0;
    const found = problemOf(restException(status, code), () => logged++);
    expect(found).toBe(problem);
    expect(statusOfProblem(found)).toBe(httpStatus);
    expect(VERIFY_PROBLEM_MESSAGES[found]).toContain(words);
    expect(VERIFY_PROBLEM_MESSAGES[found]).not.toMatch(/\d{5}/);
    // Only what a user cannot cause is logged as an error.
    expect(logged).toBe(problem === 'unavailable' || problem === 'misconfigured' ? 1 : 0);
  });

  it('treats no answer at all (connection refused) as an outage', () => {
    expect(problemOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }))).toBe('unavailable');
  });
});
