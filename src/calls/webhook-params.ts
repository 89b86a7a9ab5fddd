/** Twilio's webhook parameters, checked: a signed request with a malformed field is refused by name. */

export class WebhookParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookParamError';
  }
}

const CALL_STATUSES = new Set(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']);
export const FINAL_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

export type Params = Record<string, unknown>;

function text(params: Params, name: string, required: boolean): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') {
    if (required) throw new WebhookParamError(`${name} is missing`);
    return value === '' ? '' : undefined;
  }
  if (typeof value !== 'string') throw new WebhookParamError(`${name} must be sent once, as text`);
  return value;
}

function seconds(params: Params, name: string): number | undefined {
  const value = text(params, name, false);
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,7}$/.test(value)) throw new WebhookParamError(`${name} must be a whole number of seconds`);
  return Number(value);
}

function callSid(params: Params, name: string, required: boolean): string | undefined {
  const value = text(params, name, required);
  if (value === undefined || value === '') return undefined;
  if (!CALL_SID.test(value)) throw new WebhookParamError(`${name} must be a call SID (CA followed by 32 hex digits)`);
  return value;
}

function callStatus(params: Params, name: string): string {
  const value = text(params, name, true)!;
  if (!CALL_STATUSES.has(value)) throw new WebhookParamError(`${name} "${value.slice(0, 20)}" is not a call status`);
  return value;
}

export interface StatusCallback {
  callSid: string;
  callStatus: string;
  sequence: number | undefined;
  callDuration: number | undefined;
}

export function statusCallbackParams(params: Params): StatusCallback {
  const sequence = text(params, 'SequenceNumber', false);
  if (sequence !== undefined && sequence !== '' && !/^\d{1,6}$/.test(sequence)) throw new WebhookParamError('SequenceNumber must be a whole number');
  return {
    callSid: callSid(params, 'CallSid', true)!,
    callStatus: callStatus(params, 'CallStatus'),
    sequence: sequence ? Number(sequence) : undefined,
    callDuration: seconds(params, 'CallDuration'),
  };
}

export function twimlRequestParams(params: Params): { callSid: string; callStatus: string } {
  return { callSid: callSid(params, 'CallSid', true)!, callStatus: callStatus(params, 'CallStatus') };
}

export function gatherParams(params: Params): { callSid: string; digits: string } {
  const digits = text(params, 'Digits', false) ?? '';
  if (!/^[0-9*#]{0,10}$/.test(digits)) throw new WebhookParamError('Digits may hold only 0-9, * and #');
  return { callSid: callSid(params, 'CallSid', true)!, digits };
}

export interface DialActionParams {
  callSid: string;
  dialCallStatus: string;
  dialCallSid: string | undefined;
  dialCallDuration: number | undefined;
}

export function dialActionParams(params: Params): DialActionParams {
  return {
    callSid: callSid(params, 'CallSid', true)!,
    dialCallStatus: callStatus(params, 'DialCallStatus'),
    dialCallSid: callSid(params, 'DialCallSid', false),
    dialCallDuration: seconds(params, 'DialCallDuration'),
  };
}

/** The subset of a webhook worth keeping on the timeline (no caller geography, no account SID). */
export function timelineParams(params: Params): Record<string, string> {
  const keep = ['CallSid', 'CallStatus', 'SequenceNumber', 'CallDuration', 'Timestamp', 'DialCallStatus', 'DialCallDuration', 'DialCallSid', 'DialBridged', 'Digits', 'SipResponseCode'];
  const out: Record<string, string> = {};
  for (const key of keep) {
    const value = params[key];
    if (typeof value === 'string') out[key] = value.slice(0, 64);
  }
  return out;
}
