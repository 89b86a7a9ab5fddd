import type { VerifyProblem } from './phone-verifier.js';

/** Plain words for every way Verify can say no; nothing here says "error 60203". */
export const VERIFY_PROBLEM_MESSAGES: Record<VerifyProblem, string> = {
  'invalid-parameter': 'Our phone provider did not accept this number or code. Check it and try again.',
  'too-many-checks': 'Too many wrong codes for this number. Send a new code and try again.',
  'too-many-sends': 'We have sent this number too many codes. Wait 10 minutes, then ask for a new one.',
  gone: 'This code has expired or was already used. Send a new code.',
  landline: 'Text messages cannot reach this number (is it a landline?). Choose “Call me” instead.',
  busy: 'Too many requests for this number right now. Wait a minute and try again.',
  unavailable: 'Our phone provider is not answering right now. Nothing was saved; please try again in a minute.',
  misconfigured: 'Phone verification is not working on this server right now. Nothing was saved; please tell the administrator.',
  'not-configured': 'Phone verification is not set up on this server (no Twilio Verify service). Please tell the administrator.',
};

/** HTTP status of the page that explains a problem: the user's doing (422), a limit (429) or ours (503). */
export function statusOfProblem(problem: VerifyProblem): number {
  if (problem === 'too-many-sends' || problem === 'too-many-checks' || problem === 'busy') return 429;
  if (problem === 'unavailable' || problem === 'misconfigured' || problem === 'not-configured') return 503;
  return 422;
}
