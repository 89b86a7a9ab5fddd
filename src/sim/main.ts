import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { ConfigError, loadConfig } from '../config/config.js';
import { dataDir } from '../paths.js';
import { MAGIC_NUMBERS, startSimulator } from './simulator.js';

/** `npm run sim`: the Twilio simulator on its own (SIM_PORT, default 3001; SIM_SPEED, default 1; SIM_HOST). */
let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const logger = pino({ level: config.logLevel });
const rateDeck = join(dataDir, 'rates.csv');
const sim = await startSimulator({
  port: config.sim.port,
  host: process.env.SIM_HOST ?? '127.0.0.1',
  speed: config.sim.speed,
  logger,
  ...(existsSync(rateDeck) ? { rateDeckFile: rateDeck } : {}),
});

// Before the announcement: a supervisor may send SIGTERM as soon as it reads it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.close().finally(() => process.exit(0));
  });
}

const lines = [
  `Twilio simulator listening on ${sim.url} (speed ${config.sim.speed}x)`,
  `  handset page:        ${sim.url}/`,
  `  for the app:         TWILIO_API_BASE=${sim.url} (and no TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)`,
  `  account SID:         ${sim.accountSid}`,
  `  auth token:          ${sim.authToken}`,
  `  verify service SID:  ${sim.verifyServiceSid}`,
  `  caller ID (From):    ${sim.callerId}`,
  `  control API:         ${sim.url}/control/... (see docs/twilio-simulator.md)`,
  `  prices:              ${existsSync(rateDeck) ? rateDeck : 'built-in table (data/rates.csv not found)'}`,
  '  built-in test numbers:',
  ...MAGIC_NUMBERS.map((m) => `    ${m.number}  ${m.description}`),
];
process.stdout.write(`${lines.join('\n')}\n`);

