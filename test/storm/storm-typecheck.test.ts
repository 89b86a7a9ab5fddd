import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';

/**
 * The storm tool's own project (tools/storm/tsconfig.json) compiles the src files it imports without the app's entry
 * point, so a source file that leans on a type augmentation it does not import (req.apiCaller, req.log, the session's
 * fields) fails there although the root typecheck passes. Here, with the other storm tests (it starts a process).
 */
describe('tools/storm typecheck', () => {
  it('tsc -p tools/storm/tsconfig.json reports no errors', () => {
    const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', join(projectRoot, 'tools/storm/tsconfig.json')], { cwd: projectRoot, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toBe('');
    expect(run.status).toBe(0);
  }, 120_000);
});
