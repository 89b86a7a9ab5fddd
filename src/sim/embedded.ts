import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { dataDir } from '../paths.js';
import { SIM_ACCOUNT_SID, SIM_AUTH_TOKEN, SIM_CALLER_ID, SIM_VERIFY_SERVICE_SID } from './constants.js';
import { type RunningSimulator, startSimulator } from './simulator.js';

/** Everything the app needs to talk to "Twilio", real or simulated. Pass the first three to createTwilioClient. */
export interface TwilioSetup {
  accountSid: string;
  authToken: string;
  /** Set when the simulator plays Twilio; undefined means the real Twilio. */
  apiBase: string | undefined;
  callerId: string | undefined;
  verifyServiceSid: string | undefined;
  /** The in-process simulator, when this call started one (close it on shutdown). */
  simulator: RunningSimulator | undefined;
}

/** Overrides for the in-process simulator (tests: an ephemeral port, a faster clock, another deck). */
export interface EmbeddedSimulatorOptions {
  port?: number;
  /** Simulated seconds per real second. */
  speed?: number;
  /** The deck the simulator prices calls from (default data/rates.csv); false for the simulator's own prices. */
  rateDeckFile?: string | false;
  /** The token it signs webhooks with (composeServices: random, kept per database); default the public constant. */
  authToken?: string;
}

/**
 * With real credentials: them, untouched. Without: the simulator's fixed credentials, and either a simulator
 * already running at TWILIO_API_BASE (e.g. `npm run sim`) or a new one started in-process on SIM_PORT.
 */
export async function resolveTwilioSetup(config: Config, logger?: Logger, simulator: EmbeddedSimulatorOptions = {}): Promise<TwilioSetup> {
  if (!config.simulate) {
    return {
      accountSid: config.twilio.accountSid!, authToken: config.twilio.authToken!, apiBase: config.twilio.apiBase,
      callerId: config.twilio.callerId, verifyServiceSid: config.twilio.verifyServiceSid, simulator: undefined,
    };
  }
  const simulated = { accountSid: SIM_ACCOUNT_SID, authToken: SIM_AUTH_TOKEN, callerId: SIM_CALLER_ID, verifyServiceSid: SIM_VERIFY_SERVICE_SID };
  if (config.twilio.apiBase) return { ...simulated, apiBase: config.twilio.apiBase, simulator: undefined };
  const rateDeck = simulator.rateDeckFile === false ? undefined : (simulator.rateDeckFile ?? join(dataDir, 'rates.csv'));
  const running = await startSimulator({
    ...(simulator.authToken ? { authToken: simulator.authToken } : {}),
    port: simulator.port ?? config.sim.port,
    speed: simulator.speed ?? config.sim.speed,
    ...(rateDeck && existsSync(rateDeck) ? { rateDeckFile: rateDeck } : {}),
    ...(logger ? { logger: logger.child({ component: 'twilio-simulator' }) } : {}),
  });
  logger?.info({ url: running.url }, `No Twilio credentials: simulating Twilio; phones at ${running.url}/`);
  return { ...simulated, authToken: running.authToken, apiBase: running.url, simulator: running };
}
