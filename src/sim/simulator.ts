import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express, Router } from 'express';
import type { Logger } from 'pino';
import { CallEngine } from './call-engine.js';
import { CallStore } from './call-store.js';
import { SIM_ACCOUNT_SID, SIM_AUTH_TOKEN, SIM_CALLER_ID, SIM_VERIFY_SERVICE_SID } from './constants.js';
import { type SimulatorControl, controlRouter, createControl } from './control.js';
import { TwilioApiError } from './errors.js';
import { Faults } from './faults.js';
import { handsetPageRouter } from './handset-page.js';
import { Handsets } from './handsets.js';
import { PriceTable } from './pricing.js';
import { basicAuth, logRestRequests, restFaults, twilioErrors } from './rest-common.js';
import { callsRouter } from './rest-calls.js';
import { Recordings } from './recordings.js';
import { recordingsRouter } from './rest-recordings.js';
import { pricingRouter } from './rest-pricing.js';
import { verifyRouter } from './rest-verify.js';
import { SimClock, WorkTracker } from './timeline.js';
import { VerifyService } from './verify.js';
import { RequestLog, WebhookSender } from './webhooks.js';

export { SIM_ACCOUNT_SID, SIM_AUTH_TOKEN, SIM_CALLER_ID, SIM_VERIFY_SERVICE_SID } from './constants.js';
export type { SimulatorControl, EmailSource } from './control.js';
export type { HandsetBehaviour } from './handsets.js';
export { MAGIC_NUMBERS, MAGIC_INVALID_NUMBER } from './handsets.js';
export type { FaultSettings } from './faults.js';
export type { LogEntry } from './webhooks.js';

export interface SimulatorOptions {
  accountSid?: string;
  authToken?: string;
  /** Simulated seconds per real second (100: a 75 s call takes 0.75 s). Default 1. */
  speed?: number;
  /** The product's rate deck CSV (cost_per_min prices Pricing v2 and call prices); built-in table otherwise. */
  rateDeckFile?: string;
  /** Numbers the account may use as From, besides SIM_CALLER_ID. */
  callerIds?: string[];
  logger?: Logger;
  /** Shown on the handset page and the base of RecordingUrl; startSimulator fills it in from the port it listens on. */
  publicUrl?: string;
  /** Simulated ms a finished recording stays "processing" before its completed callback (default 2 s). */
  recordingProcessingMs?: number;
}

export interface SimulatorApp {
  app: Express;
  accountSid: string;
  authToken: string;
  verifyServiceSid: string;
  control: SimulatorControl;
  speed: number;
  /** What the handset page shows; startSimulator fills in the URL once it listens. */
  pageInfo: { url: string; speed: number };
  phonesPage: PhonesPage;
}

/**
 * The handset page alone (page and htmx fragments, no REST or control API), for another app to mount at `base`:
 * every URL it uses starts with `base`, it loads htmx from `htmxUrl`, and the host app's CSP applies.
 */
export type PhonesPage = (options: { base: string; htmxUrl: string }) => Router;

/** The simulator as an Express app (for supertest or mounting); startSimulator also listens on a port. */
export function createSimulatorApp(options: SimulatorOptions = {}): SimulatorApp {
  const accountSid = options.accountSid ?? SIM_ACCOUNT_SID;
  const authToken = options.authToken ?? SIM_AUTH_TOKEN;
  const speed = options.speed ?? 1;
  const clock = new SimClock(speed);
  const tracker = new WorkTracker();
  const log = new RequestLog();
  const faults = new Faults();
  const handsets = new Handsets();
  const store = new CallStore();
  const prices = PriceTable.load(options.rateDeckFile);
  const webhooks = new WebhookSender(authToken, log, faults, clock, tracker, options.logger);
  const pageInfo = { url: options.publicUrl ?? '', speed };
  const recordings = new Recordings({ webhooks, clock, tracker, faults, handsets, baseUrl: () => pageInfo.url, ...(options.recordingProcessingMs === undefined ? {} : { processingMs: options.recordingProcessingMs }) });
  const engine = new CallEngine({ store, handsets, webhooks, clock, tracker, recordings, pricePerMinute: (n) => prices.pricePerMinute(n), logger: options.logger });
  webhooks.onStatusCallbackFailure = (callSid, message) => engine.notice(callSid, 15003, message);
  const verify = new VerifyService(SIM_VERIFY_SERVICE_SID, accountSid, clock, handsets);
  const callerIds = new Set([SIM_CALLER_ID, ...(options.callerIds ?? [])]);
  const controlDeps = { engine, store, handsets, faults, log, tracker, callerIds, emails: { source: undefined } };
  const control = createControl(controlDeps);

  const app = express();
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.disable('x-powered-by');
  app.use(controlRouter(control, controlDeps));
  app.use(handsetPageRouter(handsets, pageInfo));

  const restPrefixes = ['/2010-04-01', '/v2'];
  app.use(restPrefixes, express.urlencoded({ extended: false }), logRestRequests(log), basicAuth(accountSid, authToken), restFaults(faults));
  app.use(callsRouter({ accountSid, engine, store, callerIds }));
  app.use(recordingsRouter({ accountSid, recordings }));
  app.use(pricingRouter(prices));
  app.use(verifyRouter(verify));
  app.use((req) => {
    throw new TwilioApiError(404, 20404, `The requested resource ${req.path} was not found`);
  });
  app.use(twilioErrors);
  const phonesPage: PhonesPage = ({ base, htmxUrl }) => handsetPageRouter(handsets, pageInfo, { base, htmxUrl, standalone: false });
  return { app, accountSid, authToken, verifyServiceSid: SIM_VERIFY_SERVICE_SID, control, speed, pageInfo, phonesPage };
}

export interface RunningSimulator {
  /** Base URL, e.g. http://127.0.0.1:3001: the apiBase for createTwilioClient. */
  url: string;
  accountSid: string;
  authToken: string;
  verifyServiceSid: string;
  /** A From number the simulated account owns. */
  callerId: string;
  control: SimulatorControl;
  /** The handset page, for the app to serve on its own port (simulation mode: /phones). */
  phonesPage: PhonesPage;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions & { port: number; host?: string }): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const sim = createSimulatorApp(options);
  const server: Server = await new Promise((resolve, reject) => {
    const s = sim.app.listen(options.port, host, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${displayHost.includes(':') ? `[${displayHost}]` : displayHost}:${port}`;
  if (!sim.pageInfo.url) sim.pageInfo.url = url;
  return {
    url,
    accountSid: sim.accountSid,
    authToken: sim.authToken,
    verifyServiceSid: sim.verifyServiceSid,
    callerId: SIM_CALLER_ID,
    control: sim.control,
    phonesPage: sim.phonesPage,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
