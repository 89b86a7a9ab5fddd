import { HttpSession } from './http-session.js';
import { STORM_PASSWORD, type StormUser } from './population.js';

/** A call's end states as the status fragment shows them (data-call-status). */
const FINAL = new Set(['completed', 'not-answered', 'voicemail', 'destination-unanswered', 'cancelled', 'failed']);

export interface Destination {
  number: string;
  /** How often it is dialled, relative to the others. */
  weight: number;
  /** Only for tight users: it never hangs up, so only the credit limit ends it. */
  tightOnly?: boolean;
}

export interface DriveResult {
  attempted: number;
  /** Accepted by the app (a call id came back). */
  placed: number;
  /** Refused with a message (no credit, provider unavailable, ...), by message. */
  refused: Map<string, number>;
  /** HTTP errors and network failures, by description. */
  errors: Map<string, number>;
  /** Final states the polls saw, by state; "poll-timeout" when the call was still live when we gave up. */
  finalStates: Map<string, number>;
  /** Round-trip time of POST /calls as the client saw it (ms). */
  clickMs: number[];
  polls: number;
  callIds: string[];
  /** Open loop only: calls that started over a second after their slot because every user was busy. */
  lateStarts: number;
}

export interface DriveOptions {
  users: StormUser[];
  /** The instances' URLs: each request goes to one at random, so a call is placed, polled and ended anywhere. */
  instances: () => string[];
  calls: number;
  destinations: Destination[];
  /** The pause after a failed status poll (an HTTP error) before asking again; answered polls are asked again at once. */
  retryPauseMs: number;
  /** Calls started per second (open loop); without it each user calls again as soon as the last call is over. */
  rate?: number | undefined;
  /** Give up following one call after this long (real ms); a long poll still waiting then is abandoned. */
  callTimeoutMs: number;
  /** Runs before each call of a user (the storm tops up credit there, as a user would). */
  beforeCall?: (user: StormUser, session: HttpSession, base: string) => Promise<void>;
  onProgress?: (done: number) => void;
  /** Everyone has logged in; the calls start now. */
  onDriving?: () => void;
}

/**
 * One worker per user, each placing calls one after another (the app allows one live call per user). Everyone logs
 * in first: a log-in is deliberately slow work (argon2id), and 200 at once would be a storm of their own, measured
 * as if it were the calls' latency. `onDriving` runs once they all have, as the calls start.
 */
export async function drive(options: DriveOptions): Promise<DriveResult> {
  const result: DriveResult = { attempted: 0, placed: 0, refused: new Map(), errors: new Map(), finalStates: new Map(), clickMs: [], polls: 0, callIds: [], lateStarts: 0 };
  let next = 0;
  let done = 0;
  const pick = () => {
    const urls = options.instances();
    return urls[Math.floor(Math.random() * urls.length)]!;
  };
  const logIn = async (user: StormUser): Promise<HttpSession | undefined> => {
    const session = new HttpSession(user.address);
    try {
      await session.logIn(pick(), user.email, STORM_PASSWORD);
      return session;
    } catch (err) {
      count(result.errors, `log-in: ${(err as Error).message.replace(/storm-\d+@/, 'storm-N@')}`);
      return undefined;
    }
  };
  const sessions = await Promise.all(options.users.map(logIn));
  options.onDriving?.();
  const pace = options.rate ? pacer(options.rate) : undefined;
  const worker = async (user: StormUser, session: HttpSession | undefined) => {
    if (!session) return;
    const choices = options.destinations.filter((d) => !d.tightOnly || user.tight);
    while (next < options.calls) {
      const index = next++;
      if (pace && (await pace()) > 1_000) result.lateStarts++;
      result.attempted++;
      await options.beforeCall?.(user, session, pick()).catch((err: Error) => count(result.errors, `top-up: ${err.message}`));
      await placeAndFollow(session, destinationFor(index, choices), pick, options, result).catch((err: Error) => count(result.errors, `network: ${err.message}`));
      options.onProgress?.(++done);
    }
  };
  await Promise.all(options.users.map((user, i) => worker(user, sessions[i])));
  return result;
}

const REFUSAL_PAUSE_MS = 2_000;

async function placeAndFollow(session: HttpSession, to: string, pick: () => string, options: DriveOptions, result: DriveResult): Promise<void> {
  const started = performance.now();
  const res = await session.request(`${pick()}/calls`, { method: 'POST', form: { _csrf: session.csrf, to }, headers: { 'hx-request': 'true' } });
  result.clickMs.push(performance.now() - started);
  const id = /id="call-(cl_[a-z2-7]+)"/.exec(res.text)?.[1];
  if (res.status === 200 && id) {
    result.placed++;
    result.callIds.push(id);
  } else if (res.status === 422) {
    count(result.refused, refusalMessage(res.text));
    // A person told "not enough credit" reads it before trying again; without the pause the users out of credit
    // would spend most of the run's calls on instant refusals.
    await new Promise((resolve) => setTimeout(resolve, REFUSAL_PAUSE_MS));
    return;
  } else {
    count(result.errors, `POST /calls: HTTP ${res.status}`);
    return;
  }
  const deadline = Date.now() + options.callTimeoutMs;
  let shown = pollTarget(res.text);
  let state = shown.state ?? 'unknown';
  let pause = 0;
  while (!FINAL.has(state) && shown.url) {
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    const left = deadline - Date.now();
    if (left <= 0) {
      state = 'poll-timeout';
      break;
    }
    // As the page's fragment polls: its own hx-get (which says the state it shows) without htmx's headers. It is a
    // long poll (answered when the call changes, or with a 204 after the instance's STATUS_WAIT_MS), so it is cut at
    // the deadline rather than checked between polls.
    const poll = await session.request(`${pick()}${shown.url}`, { signal: AbortSignal.timeout(left) }).catch((err: Error) => {
      if (err.name === 'TimeoutError') return undefined;
      throw err;
    });
    if (!poll) {
      state = 'poll-timeout';
      break;
    }
    result.polls++;
    // As public/call-wait.js: a 204 (unchanged until the wait ran out) is asked again at once, an error after a pause.
    pause = poll.status === 200 || poll.status === 204 ? 0 : options.retryPauseMs;
    if (poll.status === 204) continue; // unchanged: the page keeps what it shows
    if (poll.status !== 200) {
      count(result.errors, `GET /calls/:id/status: HTTP ${poll.status}`);
      continue;
    }
    shown = pollTarget(poll.text);
    state = shown.state ?? state;
  }
  count(result.finalStates, state);
}

/**
 * What a call's status fragment tells the page: the state it shows (data-call-status) and the URL it polls next
 * (hx-get, with ?seen=<that state> so an unchanged call answers 204), or no URL once there is nothing left to wait for.
 */
export function pollTarget(fragment: string): { state: string | undefined; url: string | undefined } {
  const state = /data-call-status="([\w-]+)"/.exec(fragment)?.[1];
  const url = /hx-get="([^"]+)"/.exec(fragment)?.[1]?.replace(/&amp;/g, '&');
  return { state, url };
}

/**
 * Open loop: the k-th call may start k / rate seconds after the first, whoever asks for it. Resolves with how late
 * the slot is taken (ms): a call starts late only when every user was still busy with an earlier one.
 */
export function pacer(rate: number, now: () => number = () => performance.now(), sleep: (ms: number) => Promise<unknown> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))): () => Promise<number> {
  const start = now();
  let slot = 0;
  return async () => {
    const wait = start + (slot++ * 1000) / rate - now();
    if (wait > 0) await sleep(wait);
    return Math.max(0, -wait);
  };
}

/** Deterministic spread over the destinations by weight, so runs are comparable. */
function destinationFor(index: number, destinations: Destination[]): string {
  const total = destinations.reduce((sum, d) => sum + d.weight, 0);
  let slot = (Math.imul(index + 1, 2654435761) >>> 0) % total;
  for (const d of destinations) {
    if (slot < d.weight) return d.number;
    slot -= d.weight;
  }
  return destinations[0]!.number;
}

function refusalMessage(html: string): string {
  const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return text.replace(/\d[\d.,]*/g, 'N').slice(0, 120) || 'refused (no message)';
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
