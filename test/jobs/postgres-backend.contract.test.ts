import { describe } from 'vitest';
import { postgresStore } from './helpers/backends.js';
import { defineAgendaBehaviour } from './helpers/agenda-contract.js';
import { defineRepositoryContract } from './helpers/repository-contract.js';

// The official backend is the reference our SQLite backend is held to: the same assertions must pass on both.
// PostgreSQL runs locally in this project's environment; elsewhere the suite says plainly why it was skipped.
const unavailable = await postgresStore.unavailable();
if (unavailable) console.warn(`[jobs] Skipping PostgreSQL backend contract tests: ${unavailable}`);
describe.skipIf(Boolean(unavailable))('PostgreSQL backend', () => {
  defineRepositoryContract(postgresStore);
  defineAgendaBehaviour(postgresStore);
});
