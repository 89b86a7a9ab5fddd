import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { accountsService, emailField } from './accounts-service.js';
import { argon2Hasher } from './passwords.js';
import { sessionsRepository } from './sessions-repository.js';
import { usersRepository } from './users-repository.js';
import { attemptCounters } from '../rate-limits/attempt-counters.js';
import { systemClock } from '../clock.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { createDb, migrateToLatest } from '../db/database.js';

const USAGE = `Usage: npm run admin -- create EMAIL [--password-stdin]
  Creates an admin account (or promotes an existing one). Without --password-stdin a strong password is generated and printed.`;

async function main(args: string[]): Promise<number> {
  const [command, rawEmail, flag] = args;
  if (command !== 'create' || !rawEmail || (flag && flag !== '--password-stdin')) {
    console.error(USAGE);
    return 64;
  }
  const email = emailField.safeParse(rawEmail);
  if (!email.success) {
    console.error(`"${rawEmail}" is not an email address.`);
    return 65;
  }
  const password = flag ? (await text(process.stdin)).trim() : randomBytes(12).toString('base64url');
  if (password.length < 10) {
    console.error('The password must have at least 10 characters.');
    return 65;
  }
  const config = loadConfig();
  const db = createDb(config.database);
  try {
    await migrateToLatest(db);
    const accounts = accountsService({ users: usersRepository(db), sessions: sessionsRepository(db), counters: attemptCounters(db, systemClock), hasher: argon2Hasher(), clock: systemClock });
    const { created } = await accounts.ensureAdmin(email.data, password);
    if (created) console.log(`Admin ${email.data} created.${flag ? '' : ` Password: ${password}`}`);
    else console.log(`${email.data} already had an account; it is now an admin (its password is unchanged).`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
