/**
 * Replaces the rate deck from a CSV file (ours or Twilio's price list):
 *   npx tsx scripts/import-rates.ts <file> [--markup <percent>]
 * Uses the database the environment configures (DATABASE_URL or SQLITE_FILE). Nothing changes unless every row is valid.
 */
import { loadConfig } from '../src/config/config.js';
import { createDb, migrateToLatest } from '../src/db/database.js';
import { parseMicros } from '../src/money/micros.js';
import { DeckImportError, describeDeckError } from '../src/rates/deck-errors.js';
import { RateDeckService } from '../src/rates/rate-deck-service.js';

const [file, flag, markup] = process.argv.slice(2);
if (!file || (flag !== undefined && (flag !== '--markup' || markup === undefined))) {
  console.error('usage: npx tsx scripts/import-rates.ts <file> [--markup <percent>]');
  process.exit(2);
}
const db = createDb(loadConfig().database);
try {
  await migrateToLatest(db);
  const service = new RateDeckService({ db });
  const result = await service.importDeck({ path: file }, { twilioMarkupPercentMicros: markup ? parseMicros(markup) : 0 });
  console.log(`Imported ${result.count} rates (${result.format} format) from ${file}.`);
} catch (err) {
  if (!(err instanceof DeckImportError)) throw err;
  console.error(`${file} was refused; nothing changed:`);
  for (const e of err.errors) console.error(`  ${describeDeckError(e)}`);
  if (err.truncated) console.error('  (stopped listing after this many problems)');
  process.exitCode = 1;
} finally {
  await db.destroy();
}
