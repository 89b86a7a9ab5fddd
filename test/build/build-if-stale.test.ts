import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';

/** A tiny project laid out like ours, so the script (which builds the project it sits in) can be run on it. */
function tinyProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'callbridge-prestart-'));
  mkdirSync(join(root, 'scripts'));
  cpSync(join(projectRoot, 'scripts', 'build-if-stale.mjs'), join(root, 'scripts', 'build-if-stale.mjs'));
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(join(projectRoot, 'node_modules', 'typescript'), join(root, 'node_modules', 'typescript'), 'dir');
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', outDir: 'dist', rootDir: '.', skipLibCheck: true, types: [] } }));
  writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src', 'migrations'] }));
  mkdirSync(join(root, 'src'));
  mkdirSync(join(root, 'migrations'));
  writeFileSync(join(root, 'src', 'main.ts'), 'export const answer: number = 42;\n');
  writeFileSync(join(root, 'migrations', '20260101000000_first.ts'), 'export const up = 1;\n');
  return root;
}

function prestart(root: string): string {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`prestart failed: ${run.stdout}${run.stderr}`);
  return run.stdout;
}

describe('npm start rebuilds only when the sources changed (scripts/build-if-stale.mjs)', () => {
  const root = tinyProject();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds a fresh clone, then skips tsc until a source really changes', () => {
    expect(prestart(root)).toContain('no build yet: compiling');
    expect(existsSync(join(root, 'dist', 'src', 'main.js'))).toBe(true);

    expect(prestart(root)).toContain('dist/ is up to date');
    // Touching a file (a checkout, an editor saving unchanged text) is not a change.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src', 'main.ts'), later, later);
    expect(prestart(root)).toContain('dist/ is up to date');

    writeFileSync(join(root, 'src', 'main.ts'), 'export const answer: number = 43;\n');
    expect(prestart(root)).toContain('sources changed since the last build: compiling');
    expect(prestart(root)).toContain('dist/ is up to date');
  });

  it('rebuilds cleanly when a source is removed, leaving no stale migration behind, and when dist/ is gone', () => {
    rmSync(join(root, 'migrations', '20260101000000_first.ts'));
    expect(prestart(root)).toContain('sources changed');
    expect(existsSync(join(root, 'dist', 'migrations', '20260101000000_first.js'))).toBe(false);

    rmSync(join(root, 'dist', 'src', 'main.js'));
    expect(prestart(root)).toContain('no build yet: compiling');
    expect(existsSync(join(root, 'dist', 'src', 'main.js'))).toBe(true);
  });

  it('stops npm start when the code does not compile', () => {
    writeFileSync(join(root, 'src', 'main.ts'), 'export const answer: number = "not a number";\n');
    expect(() => prestart(root)).toThrow(/prestart failed/);
    expect(() => prestart(root)).toThrow(/prestart failed/);
  });
});
