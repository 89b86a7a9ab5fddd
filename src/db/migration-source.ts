import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

export interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** A migration is migrations/<14-digit timestamp>_<name>.ts (or .js once compiled). */
const migrationFile = /^(\d{14}_[a-z0-9_]+)\.(ts|js)$/;

/**
 * Lists migrations from the directory by name, so the same migrations run from TypeScript sources (tests, tsx)
 * and from compiled JavaScript (npm start), and knex records the same name either way.
 */
export class MigrationDirectorySource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<string[]> {
    const names = new Set<string>();
    for (const file of readdirSync(this.dir)) {
      const match = migrationFile.exec(file);
      if (match && !file.endsWith('.d.ts')) names.add(match[1]!);
    }
    return [...names].sort();
  }

  getMigrationName(name: string): string {
    return name;
  }

  async getMigration(name: string): Promise<Knex.Migration> {
    const file = readdirSync(this.dir).find((f) => f === `${name}.js` || f === `${name}.ts`);
    if (!file) throw new Error(`Migration ${name} not found in ${this.dir}`);
    return (await import(pathToFileURL(join(this.dir, file)).href)) as Migration;
  }
}
