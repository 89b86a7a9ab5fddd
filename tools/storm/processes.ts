import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { niceCommand } from './harness-priority.js';

/** A child process of the storm (an app instance or the simulator), with its output in a log file. */
export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** SIGTERM, then SIGKILL if it has not exited within timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL: a crash, no clean-up at all. */
  kill(): Promise<void>;
}

/** Asks the OS for a free port (bind to 0, read it, release it): the children need to know theirs up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * The V8 flags `npm start` and the Dockerfile run the server with (test/storm/instance-flags.test.ts keeps the three
 * equal): a storm measures the runtime that ships. The young generation's size sets how long each scavenge pauses
 * every request in flight, which is most of a loaded instance's p99. --expose-gc lets the server collect once it is
 * quiet after a busy spell (src/idle-memory.ts).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4', '--expose-gc'];

/**
 * The environment `npm start` and the Dockerfile give the server for glibc's malloc (kept equal by the same test).
 * Each log-in's argon2 hash takes 19 MiB on a libuv thread; by default glibc then raises its mmap threshold and keeps
 * that block in the thread's arena for good, once per thread that ever hashed. A fixed threshold returns it to the
 * system when the hash is done, and two arenas keep the threads' small leftovers from multiplying.
 */
export const SERVER_MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' } as const;

/**
 * Runs an entry point of this project: TypeScript through tsx (as `npm run sim` does), JavaScript (the build,
 * as `npm start` runs it) with node alone; `nice` > 0 lowers its CPU priority.
 */
export function spawnNode(name: string, entry: string, env: NodeJS.ProcessEnv, logDir: string, nice = 0): Child {
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  // CALLBRIDGE_CPU_PROFILE_DIR=dir: app instances write a V8 CPU profile there when they stop (to see where a storm's or
  // a bench's time goes; open it in Chrome DevTools). Node refuses --cpu-prof in NODE_OPTIONS, hence an argument.
  const instance = name.startsWith('instance');
  const profileDir = process.env.CALLBRIDGE_CPU_PROFILE_DIR;
  const profile = profileDir && instance ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // CALLBRIDGE_TRACE_GC=1: app instances log every garbage collection with its pause (to see where a p99 goes).
  const traceGc = process.env.CALLBRIDGE_TRACE_GC === '1' && instance ? ['--trace-gc'] : [];
  const server = instance ? SERVER_NODE_FLAGS : [];
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const command = niceCommand(nice, process.execPath, [...server, ...profile, ...traceGc, ...loader, entry]);
  const child = spawn(command.command, command.args, { cwd: projectRoot, env: { PATH: process.env.PATH, ...(instance ? SERVER_MALLOC_ENV : {}), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = once(child, 'exit').then(() => undefined);
  return {
    name,
    process: child,
    logFile,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits or times out first. */
export function waitForOutput(child: Child, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => finish(new Error(`${child.name} did not print ${pattern} within ${timeoutMs} ms (see ${child.logFile})`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) finish(undefined, match);
    };
    const onExit = (code: number | null) => finish(new Error(`${child.name} exited (${code}) before it was ready (see ${child.logFile})`));
    function finish(error?: Error, match?: RegExpExecArray) {
      clearTimeout(timer);
      child.process.stdout?.off('data', onData);
      child.process.off('exit', onExit);
      if (error) reject(error);
      else resolve(match!);
    }
    child.process.stdout?.on('data', onData);
    child.process.on('exit', onExit);
  });
}

/** Polls a URL until it answers 200 (an instance's /readyz). */
export async function waitForHttp(url: string, child: Child, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited (${child.process.exitCode}) while starting (see ${child.logFile})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms (see ${child.logFile})`);
}

export interface RunningSimulatorProcess {
  child: Child;
  url: string;
}

/** The Twilio simulator on its own (`npm run sim`), on a free port. */
export async function startSimulatorProcess(options: { speed: number; logDir: string; nice?: number }): Promise<RunningSimulatorProcess> {
  const child = spawnNode('simulator', 'src/sim/main.ts', { SIM_PORT: '0', SIM_SPEED: String(options.speed), LOG_LEVEL: 'warn' }, options.logDir, options.nice);
  const match = await waitForOutput(child, /Twilio simulator listening on (http:\/\/\S+)/);
  return { child, url: match[1]! };
}

export interface InstanceOptions {
  index: number;
  /** Run the compiled server (dist/src/main.js, what `npm start` runs; call buildServer() first) instead of src/main.ts through tsx. */
  built?: boolean;
  logDir: string;
  /** Everything the instance shares with the others: database, simulator, public URL, secrets. */
  env: NodeJS.ProcessEnv;
}

export interface RunningInstance {
  child: Child;
  url: string;
  port: number;
}

/**
 * Compiles the server into dist/ unless it is up to date with the sources: the step `npm start` runs first
 * (scripts/build-if-stale.mjs), so what a storm or a bench measures is the JavaScript that ships.
 */
export function buildServer(): void {
  const build = spawnSync(process.execPath, [join(projectRoot, 'scripts', 'build-if-stale.mjs')], { cwd: projectRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building the server failed (scripts/build-if-stale.mjs):\n${build.stdout}${build.stderr}`);
}

/** One app instance (`src/main.ts`, or its build), on a free port, ready when /readyz answers. */
export async function startInstance(options: InstanceOptions): Promise<RunningInstance> {
  const port = await freePort();
  // Each instance starts its own Stripe simulator unless told otherwise: a free port each, not the shared default.
  const child = spawnNode(`instance-${options.index}`, options.built ? 'dist/src/main.js' : 'src/main.ts', { STRIPE_SIM_PORT: '0', ...options.env, PORT: String(port), HOST: '127.0.0.1' }, options.logDir);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, child);
  return { child, url, port };
}
