import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';

/**
 * The app as the Dockerfile's final stage lays it out (production dependencies only, dist, views, public,
 * data/rates.csv), run with plain node, without Docker: a runtime file the image forgets, or a dev-only package
 * imported at run time, fails here. The layout is read from the Dockerfile itself, so the test follows it.
 */

interface CopyStep {
  fromBuild: boolean;
  source: string;
  target: string;
}

/** The COPY lines of the Dockerfile's last stage. */
function finalStageCopies(dockerfile: string): CopyStep[] {
  const stages = dockerfile.split(/^FROM\s/m);
  const last = stages.at(-1)!;
  return [...last.matchAll(/^COPY\s+(--from=(\S+)\s+)?(\S+)\s+(\S+)\s*$/gm)].map((m) => ({ fromBuild: m[2] !== undefined, source: m[3]!, target: m[4]! }));
}

/** Top-level packages npm installs with --omit=dev, from the lock file. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, meta]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !meta.dev && !meta.devOptional)
    .map(([path]) => path.slice('node_modules/'.length))
    .filter((name) => existsSync(join(projectRoot, 'node_modules', name)));
}

/** npm ci --omit=dev, without the network: each production package linked from the shared install. */
function linkProductionModules(target: string): void {
  for (const name of productionPackages()) {
    const link = join(target, name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(projectRoot, 'node_modules', name), link, 'dir');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Running {
  base: string;
  child: ChildProcess;
  output: () => string;
}

/** Starts `node dist/src/main.js` in dir as the image's CMD does, and waits for /healthz or the process's end. */
async function startApp(dir: string, dataDir: string): Promise<Running | { failed: string }> {
  const [port, simPort] = [await freePort(), await freePort()];
  const env = { PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), SIM_PORT: String(simPort), STRIPE_SIM_PORT: '0', SQLITE_FILE: join(dataDir, 'callbridge.sqlite'), LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, ['--max-semi-space-size=4', 'dist/src/main.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return { failed: output };
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, child, output: () => output };
    } catch {
      // not listening yet
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  child.kill('SIGKILL');
  return { failed: `not healthy after 30 s:\n${output}` };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('the built app in the Dockerfile layout', () => {
  const work = mkdtempSync(join(tmpdir(), 'callbridge-image-'));
  const built = join(work, 'build');
  const app = join(work, 'app');
  const running: ChildProcess[] = [];

  beforeAll(() => {
    // Compile as the build stage does (tsc -p tsconfig.build.json), into a temporary directory.
    const tsc = spawnSync(process.execPath, [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', join(built, 'dist'), '--sourceMap', 'false'], { cwd: projectRoot, encoding: 'utf8' });
    if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
    for (const step of finalStageCopies(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8'))) {
      const target = join(app, step.target);
      if (step.fromBuild && step.source === '/app/node_modules') linkProductionModules(target);
      else if (step.fromBuild && step.source === '/app/dist') cpSync(join(built, 'dist'), target, { recursive: true });
      // Addons the build stage compiled in place (npm ci): the shared install's build is the same.
      else if (step.fromBuild && step.source === '/app/native') cpSync(join(projectRoot, 'native'), target, { recursive: true });
      else if (step.fromBuild) throw new Error(`the test does not know the build stage's ${step.source}`);
      else cpSync(join(projectRoot, step.source), step.target.endsWith('/') ? join(target, step.source.split('/').at(-1)!) : target, { recursive: true });
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(running.map(stop));
    rmSync(work, { recursive: true, force: true });
  });

  it('has the layout the Dockerfile describes, with dev-only packages left out', () => {
    for (const path of ['dist/src/main.js', 'package.json', 'views/layouts/main.eta', 'public/app.css', 'data/rates.csv', 'node_modules/express']) expect(existsSync(join(app, path)), path).toBe(true);
    for (const dev of ['vitest', 'playwright-core', 'tsx', 'typescript']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(join(app, 'src'))).toBe(false);
    // The storm is a development tool: it is neither compiled into dist/ nor shipped.
    expect(existsSync(join(app, 'dist', 'tools'))).toBe(false);
    expect(existsSync(join(app, 'tools'))).toBe(false);
  });

  it('starts, then serves /login and /rates with their assets', async () => {
    const started = await startApp(app, mkdtempSync(join(work, 'data-')));
    if ('failed' in started) throw new Error(`the app did not start:\n${started.failed}`);
    running.push(started.child);
    const login = await fetch(`${started.base}/login`);
    expect(login.status).toBe(200);
    const loginHtml = await login.text();
    expect(loginHtml).toContain('<h1>Log in</h1>');
    for (const asset of [...loginHtml.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!)) expect((await fetch(`${started.base}${asset}`)).status, asset).toBe(200);
    const rates = await fetch(`${started.base}/rates?q=reunion`);
    expect(rates.status).toBe(200);
    // The sample deck (data/rates.csv) was imported on first start.
    expect(await rates.text()).toContain('Réunion');
    // The handset page through the app's port (/phones) comes with branch sim-gather, not yet merged into this
    // branch: checked as soon as the sources serve it, skipped until then.
    if (readFileSync(join(projectRoot, 'src', 'app.ts'), 'utf8').includes("PHONES_PATH = '/phones'")) {
      const phones = await fetch(`${started.base}/phones`);
      expect(phones.status).toBe(200);
      const phonesHtml = await phones.text();
      expect(phonesHtml).toContain('Simulated phones');
      for (const asset of [...phonesHtml.matchAll(/(?:href|src)="(\/[^"]+\.(?:css|js)[^"]*)"/g)].map((m) => m[1]!)) expect((await fetch(`${started.base}${asset}`)).status, asset).toBe(200);
    }
    await stop(started.child);
    expect(started.output()).not.toMatch(/error/i);
  });

  it('would catch an image without data/rates.csv', async () => {
    const broken = join(work, 'broken');
    cpSync(app, broken, { recursive: true, verbatimSymlinks: true });
    rmSync(join(broken, 'data', 'rates.csv'));
    const started = await startApp(broken, mkdtempSync(join(work, 'data-')));
    if (!('failed' in started)) running.push(started.child);
    expect('failed' in started).toBe(true);
    expect((started as { failed: string }).failed).toContain('rates.csv');
  });
});
