import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { dataDir } from '../paths.js';
import { MAGIC_NUMBERS, startSimulator } from './simulator.js';

/** `npm run sim`: the Twilio simulator on its own (SIM_PORT, default 3001; SIM_SPEED, default 1). */
const port = Number(process.env.SIM_PORT ?? 3001);
const speed = Number(process.env.SIM_SPEED ?? 1);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SIM_PORT must be a port number, got ${process.env.SIM_PORT}`);
if (!(speed > 0)) throw new Error(`SIM_SPEED must be a positive number, got ${process.env.SIM_SPEED}`);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const rateDeck = join(dataDir, 'rates.csv');
const sim = await startSimulator({
  port,
  host: process.env.SIM_HOST ?? '127.0.0.1',
  speed,
  logger,
  ...(existsSync(rateDeck) ? { rateDeckFile: rateDeck } : {}),
});

const lines = [
  `Twilio simulator listening on ${sim.url} (speed ${speed}x)`,
  `  handset page:        ${sim.url}/`,
  `  TWILIO_API_BASE=${sim.url}`,
  `  account SID:         ${sim.accountSid}`,
  `  auth token:          ${sim.authToken}`,
  `  verify service SID:  ${sim.verifyServiceSid}`,
  `  caller ID (From):    ${sim.callerId}`,
  `  control API:         ${sim.url}/control/...`,
  '  built-in test numbers:',
  ...MAGIC_NUMBERS.map((m) => `    ${m.number}  ${m.description}`),
];
process.stdout.write(`${lines.join('\n')}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.close().finally(() => process.exit(0));
  });
}
