import { type DialRecordSpec, RECORD_MODES, RECORDING_EVENTS, type RecordMode } from './recordings.js';

/** The part of TwiML callbridge uses, parsed from the XML the app returns. */
export type TwimlVerb =
  | { verb: 'Say'; text: string; loop: number }
  | { verb: 'Play'; url: string; loop: number }
  | { verb: 'Pause'; lengthS: number }
  | { verb: 'Hangup' }
  | { verb: 'Reject' }
  | { verb: 'Redirect'; url: string; method: 'GET' | 'POST' }
  | { verb: 'Dial'; dial: DialSpec }
  | { verb: 'Gather'; gather: GatherSpec }
  | { verb: 'Unsupported'; name: string };

export interface DialSpec {
  action: string | null;
  /** Recording attributes; null when the Dial does not record (or its record value is invalid, 13217). */
  record: DialRecordSpec | null;
  /** Problems with the recording attributes, reported as debugger warnings by the runner. */
  recordProblems: Array<{ code: number; message: string }>;
  method: 'GET' | 'POST';
  timeoutS: number;
  timeLimitS: number;
  callerId: string | null;
  numbers: NumberSpec[];
}

/** <Gather>, DTMF only (speech input is accepted and treated as DTMF). */
export interface GatherSpec {
  /** null: the current document's URL. */
  action: string | null;
  method: 'GET' | 'POST';
  /** Seconds to wait for the next digit, counted after the nested verbs finish. */
  timeoutS: number;
  /** null: unlimited (ends on finishOnKey or timeout). */
  numDigits: number | null;
  /** '' when no key finishes the input. */
  finishOnKey: string;
  actionOnEmptyResult: boolean;
  input: string;
  /** Nested <Say>, <Play>, <Pause>: played while waiting, stopped by the first digit. */
  prompt: TwimlVerb[];
}

export interface NumberSpec {
  number: string;
  statusCallback: string | null;
  statusCallbackMethod: 'GET' | 'POST';
  statusCallbackEvents: string[];
  /** <Number url>: TwiML run on the called party after it answers, before the legs are joined (a whisper). */
  url: string | null;
  method: 'GET' | 'POST';
}

export class TwimlError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'TwimlError';
  }
}

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: Array<XmlElement | string>;
}

export function parseTwiml(xml: string): TwimlVerb[] {
  const root = parseXml(xml);
  if (root.name !== 'Response') throw new TwimlError(12100, `root element is <${root.name}>, expected <Response>`);
  return root.children.filter(isElement).map(toVerb);
}

function toVerb(el: XmlElement): TwimlVerb {
  const a = el.attributes;
  const text = textOf(el).trim();
  switch (el.name) {
    case 'Say':
      return { verb: 'Say', text, loop: positiveInt(a.loop, 1) };
    case 'Play':
      return { verb: 'Play', url: text, loop: positiveInt(a.loop, 1) };
    case 'Pause':
      return { verb: 'Pause', lengthS: positiveInt(a.length, 1) };
    case 'Hangup':
      return { verb: 'Hangup' };
    case 'Reject':
      return { verb: 'Reject' };
    case 'Redirect':
      return { verb: 'Redirect', url: text, method: httpMethod(a.method) };
    case 'Dial':
      return { verb: 'Dial', dial: toDial(el) };
    case 'Gather':
      return { verb: 'Gather', gather: toGather(el) };
    default:
      return { verb: 'Unsupported', name: el.name };
  }
}

function toDial(el: XmlElement): DialSpec {
  const a = el.attributes;
  const numbers: NumberSpec[] = [];
  for (const child of el.children) {
    if (isElement(child) && child.name === 'Number') {
      const n = child.attributes;
      numbers.push({
        number: textOf(child).trim(),
        statusCallback: n.statusCallback ?? null,
        statusCallbackMethod: httpMethod(n.statusCallbackMethod),
        // <Number statusCallback> without statusCallbackEvent reports only "completed".
        statusCallbackEvents: (n.statusCallbackEvent ?? 'completed').split(/[\s,]+/).filter(Boolean),
        url: n.url ?? null,
        method: httpMethod(n.method),
      });
    }
  }
  const bare = el.children.filter((c): c is string => typeof c === 'string').join('').trim();
  if (numbers.length === 0 && bare) numbers.push({ number: bare, statusCallback: null, statusCallbackMethod: 'POST', statusCallbackEvents: [], url: null, method: 'POST' });
  const { record, problems } = toRecordSpec(a);
  return {
    action: a.action ?? null,
    record,
    recordProblems: problems,
    method: httpMethod(a.method),
    // Dial timeout: default 30, allowed 5..600 (out-of-range values are clamped here; Twilio logs 13212).
    timeoutS: Math.min(600, Math.max(5, positiveInt(a.timeout, 30))),
    timeLimitS: Math.min(14_400, positiveInt(a.timeLimit, 14_400)),
    callerId: a.callerId ?? null,
    numbers,
  };
}

const RECORD_ALIASES: Record<string, RecordMode> = { true: 'record-from-answer', false: 'do-not-record' };

/** The <Dial> recording attributes (twilio-recording.md §2); bad values give the codes of §8. */
function toRecordSpec(a: Record<string, string>): { record: DialRecordSpec | null; problems: Array<{ code: number; message: string }> } {
  const problems: Array<{ code: number; message: string }> = [];
  const raw = a.record ?? 'do-not-record';
  const alias = Object.hasOwn(RECORD_ALIASES, raw) ? RECORD_ALIASES[raw]! : null;
  const mode: RecordMode | null = alias ?? ((RECORD_MODES as readonly string[]).includes(raw) ? (raw as RecordMode) : null);
  if (mode === null) problems.push({ code: 13217, message: `Dial: invalid record value ${raw}` });
  const events = (a.recordingStatusCallbackEvent ?? 'completed').split(/\s+/).filter(Boolean);
  if (events.some((e) => !(RECORDING_EVENTS as readonly string[]).includes(e))) {
    problems.push({ code: 13621, message: `Dial: invalid recordingStatusCallbackEvent ${a.recordingStatusCallbackEvent}` });
  }
  const track = a.recordingTrack ?? 'both';
  if (track !== 'both' && track !== 'inbound' && track !== 'outbound') problems.push({ code: 13622, message: `Dial: invalid recordingTrack ${track}` });
  if (mode === null || mode === 'do-not-record' || problems.length > 0) return { record: null, problems };
  return {
    record: {
      mode,
      trim: a.trim === 'trim-silence' ? 'trim-silence' : 'do-not-trim',
      callback: a.recordingStatusCallback ?? null,
      callbackMethod: httpMethod(a.recordingStatusCallbackMethod),
      events,
      track: track as DialRecordSpec['track'],
    },
    problems,
  };
}

const FINISH_KEYS = /^[0-9*#]?$/;

function toGather(el: XmlElement): GatherSpec {
  const a = el.attributes;
  return {
    action: a.action ?? null,
    method: httpMethod(a.method),
    timeoutS: positiveInt(a.timeout, 5),
    numDigits: a.numDigits === undefined ? null : positiveInt(a.numDigits, 0) || null,
    // An invalid finishOnKey falls back to Twilio's default '#'; '' (present but empty) means none.
    finishOnKey: a.finishOnKey !== undefined && FINISH_KEYS.test(a.finishOnKey) ? a.finishOnKey : '#',
    actionOnEmptyResult: a.actionOnEmptyResult?.toLowerCase() === 'true',
    input: a.input ?? 'dtmf',
    prompt: el.children.filter(isElement).map(toVerb),
  };
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = value === undefined ? NaN : Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function httpMethod(value: string | undefined): 'GET' | 'POST' {
  return value?.toUpperCase() === 'GET' ? 'GET' : 'POST';
}

const isElement = (node: XmlElement | string): node is XmlElement => typeof node !== 'string';
const textOf = (el: XmlElement): string => el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** A small, strict XML reader: elements, attributes, text, comments, CDATA, declarations. */
export function parseXml(xml: string): XmlElement {
  let pos = 0;
  const fail = (why: string): never => {
    throw new TwimlError(12100, `Document parse failure at offset ${pos}: ${why}`);
  };
  const skipMisc = () => {
    for (;;) {
      const rest = xml.slice(pos);
      const ws = /^\s+/.exec(rest);
      if (ws) pos += ws[0].length;
      else if (xml.startsWith('<?', pos)) pos = xml.indexOf('?>', pos) + 2 || fail('unterminated declaration');
      else if (xml.startsWith('<!--', pos)) pos = xml.indexOf('-->', pos) + 3 || fail('unterminated comment');
      else if (xml.startsWith('<!DOCTYPE', pos)) pos = xml.indexOf('>', pos) + 1 || fail('unterminated doctype');
      else return;
    }
  };
  const parseElement = (): XmlElement => {
    const open = /^<([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(xml.slice(pos));
    if (!open) return fail('expected an element');
    pos += open[0].length;
    const attributes: Record<string, string> = {};
    for (const m of open[2]!.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes[m[1]!] = decodeEntities(m[2] ?? m[3] ?? '');
    const element: XmlElement = { name: open[1]!, attributes, children: [] };
    if (open[3] === '/') return element;
    for (;;) {
      if (pos >= xml.length) fail(`unclosed <${element.name}>`);
      if (xml.startsWith('</', pos)) {
        const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(xml.slice(pos));
        if (!close || close[1] !== element.name) fail(`mismatched closing tag for <${element.name}>`);
        pos += close![0].length;
        return element;
      }
      if (xml.startsWith('<!--', pos)) {
        pos = xml.indexOf('-->', pos) + 3 || fail('unterminated comment');
      } else if (xml.startsWith('<![CDATA[', pos)) {
        const end = xml.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        element.children.push(xml.slice(pos + 9, end));
        pos = end + 3;
      } else if (xml[pos] === '<') {
        element.children.push(parseElement());
      } else {
        const end = xml.indexOf('<', pos);
        const raw = xml.slice(pos, end < 0 ? xml.length : end);
        element.children.push(decodeEntities(raw));
        pos += raw.length;
      }
    }
  };
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos < xml.length) fail('content after the root element');
  return root;
}
