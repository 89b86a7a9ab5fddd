import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, found by walking up to package.json, so the same code works from src/ (tsx) and dist/src/ (tsc). */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const viewsDir = join(projectRoot, 'views');
export const publicDir = join(projectRoot, 'public');
export const dataDir = join(projectRoot, 'data');
