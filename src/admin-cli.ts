import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { emailField } from './accounts/accounts-service.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './logger.js';
import { composeServices } from './services.js';

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
  // Only accounts are used: no Twilio (nor simulator) and no job scheduler; log lines would clutter the terminal.
  const services = await composeServices(config, { telephony: null, jobs: null, stripe: false, logger: createLogger('warn') });
  try {
    const { created } = await services.accounts.ensureAdmin(email.data, password);
    if (created) console.log(`Admin ${email.data} created.${flag ? '' : ` Password: ${password}`}`);
    else console.log(`${email.data} already had an account; it is now an admin (its password is unchanged).`);
    return 0;
  } finally {
    await services.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
