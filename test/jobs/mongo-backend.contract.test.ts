import { describe } from 'vitest';
import { mongoStore } from './helpers/backends.js';
import { defineAgendaBehaviour } from './helpers/agenda-contract.js';
import { defineRepositoryContract } from './helpers/repository-contract.js';

// MongoDB is optional (JOBS_MONGODB_URL); these run only when a MongoDB answers, and say so when they do not.
const unavailable = await mongoStore.unavailable();
if (unavailable) console.warn(`[jobs] Skipping MongoDB backend contract tests: ${unavailable}`);
describe.skipIf(Boolean(unavailable))('MongoDB backend', () => {
  defineRepositoryContract(mongoStore);
  defineAgendaBehaviour(mongoStore);
});
