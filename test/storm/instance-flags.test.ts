import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { SERVER_MALLOC_ENV, SERVER_NODE_FLAGS } from '../../tools/storm/processes.js';

/** The storm's instances, `npm start` and the container run the server with the same V8 flags and malloc settings. */
describe('server node flags', () => {
  const flags = SERVER_NODE_FLAGS.join(' ');
  const mallocEnv = Object.entries(SERVER_MALLOC_ENV).map(([name, value]) => `${name}=${value}`);

  it('npm start uses the flags the storm measures with', () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`${mallocEnv.join(' ')} node ${flags} dist/src/main.js`);
  });

  it('the Dockerfile runs the server with them too', () => {
    const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ENV ${mallocEnv.join(' ')}\n`);
    expect(dockerfile).toContain(`CMD ["node", ${SERVER_NODE_FLAGS.map((flag) => JSON.stringify(flag)).join(', ')}, "dist/src/main.js"]`);
  });
});
