import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const srcDir = join(projectRoot, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const source = (file: string) => readFileSync(file, 'utf8');
const name = (file: string) => relative(projectRoot, file);

/** What a route file must not do to reach the database itself. */
function databaseReachesIn(text: string): string[] {
  const found: string[] = [];
  if (/from\s+['"]knex['"]/.test(text) || /import\(\s*['"]knex['"]\s*\)/.test(text)) found.push('imports knex');
  if (/from\s+['"][./]*(?:\.\.\/)*db\/database\.js['"]/.test(text)) found.push('imports src/db/database.ts (the knex handle or its type)');
  if (/\.db\b/.test(text)) found.push('reads a .db property');
  if (/\bKnex\b/.test(text)) found.push('names the Knex type');
  return found;
}

describe('route files', () => {
  const routeFiles = filesUnder(srcDir).filter((file) => file.endsWith('-routes.ts'));

  it('exist (the check below would pass vacuously otherwise)', () => {
    expect(routeFiles.length).toBeGreaterThan(10);
  });

  it('reach data only through services: no knex import, no database handle', () => {
    const offenders = routeFiles.map((file) => ({ file: name(file), found: databaseReachesIn(source(file)) })).filter((o) => o.found.length > 0);
    expect(offenders).toEqual([]);
  });

  it('the check itself catches each way in', () => {
    expect(databaseReachesIn("import type { Knex } from 'knex';")).toContain('imports knex');
    expect(databaseReachesIn("import type { Db } from '../../db/database.js';")).toContain('imports src/db/database.ts (the knex handle or its type)');
    expect(databaseReachesIn('const rows = await services.db("users");')).toContain('reads a .db property');
    expect(databaseReachesIn('await deps.db.transaction(() => 1);')).toContain('reads a .db property');
    expect(databaseReachesIn("import { formatMoney } from '../money/currency.js';")).toEqual([]);
  });

  it('routes.ts and app.ts build no repository or service from a database handle', () => {
    for (const file of ['routes.ts', 'app.ts']) expect(databaseReachesIn(source(join(srcDir, file))), file).toEqual([]);
  });
});

describe('composeServices', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives route code no database handle', () => {
    expect('db' in t.services).toBe(false);
    // Nor under another name: a knex instance is a function carrying its client.
    const handles = Object.entries(t.services).filter(([, value]) => typeof value === 'function' && 'client' in (value as object));
    expect(handles.map(([key]) => key)).toEqual([]);
  });

  it('is the only place services are constructed', () => {
    // The features' top-level factories; what each builds inside (the money factory's wallet, say) is its own affair.
    const factories = /\b(moneyServices|createCallsService|createJobScheduler|adminServices|apiServices|accountsService|phoneVerificationService|webhookDeliveries|new AppMetrics|new DatabaseSessionStore)\(/g;
    const definedIn = (file: string, factory: string) => new RegExp(`export (?:async )?function ${factory}\\b|export class ${factory.replace('new ', '')}\\b`).test(source(file));
    const callers = filesUnder(srcDir)
      .filter((file) => file !== join(srcDir, 'services.ts'))
      .flatMap((file) => [...source(file).matchAll(factories)].filter((m) => !definedIn(file, m[1]!)).map((m) => `${name(file)}: ${m[1]}`));
    expect(callers).toEqual([]);
  });

  it('is what main.ts, the admin CLI and the storm call', () => {
    for (const file of ['main.ts', 'admin-cli.ts', '../tools/storm/population.ts']) expect(source(join(srcDir, file)), file).toMatch(/\bcomposeServices\(/);
  });
});
