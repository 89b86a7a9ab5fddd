import { createRequire } from 'node:module';

/**
 * Loads a package when a process first needs it rather than at start-up: the PostgreSQL driver on SQLite, the
 * MongoDB and PostgreSQL job stores, SMTP, the jobs dashboard. A process pays in memory for every module it imports
 * (the MongoDB driver alone allocates a 17 MB buffer), and most processes use one engine and one mail path.
 * Node loads ES modules synchronously through require, so the callers stay synchronous; types come from
 * `import type`, which costs nothing at run time.
 */
export const loadOnDemand = createRequire(import.meta.url);
