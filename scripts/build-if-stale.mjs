// `npm start` runs this first: it compiles TypeScript only when the sources differ from what dist/ was built from,
// so an unchanged checkout starts in well under a second instead of waiting for tsc. `npm run build` always compiles.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stampFile = join(root, 'dist', '.sources-hash');
const entry = join(root, 'dist', 'src', 'main.js');
const inputs = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function* files(path) {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) {
    yield path;
    return;
  }
  for (const name of readdirSync(path).sort()) yield* files(join(path, name));
}

/** A hash of every input's path and content: renames and deletions count as changes, touching a file does not. */
export function sourcesHash() {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const file of files(join(root, input))) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const current = sourcesHash();
const built = existsSync(stampFile) && existsSync(entry) ? readFileSync(stampFile, 'utf8').trim() : '';
if (built === current) {
  console.log('dist/ is up to date with the sources (npm run build forces a rebuild)');
} else {
  console.log(existsSync(entry) ? 'sources changed since the last build: compiling…' : 'no build yet: compiling…');
  // A clean build, so a deleted or renamed source (a migration above all) leaves no stale JavaScript behind.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  writeFileSync(stampFile, `${current}\n`);
}
