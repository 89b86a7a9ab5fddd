import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';

interface Run {
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal: NodeJS.Signals): number;
}

/**
 * src/main.ts as a real process through tsx (as `npm run dev` runs it; `npm start` runs the compiled dist/src/main.js,
 * see test/build/production-layout.test.ts), on its own SQLite file and ports.
 */
function startMain(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/main.ts')], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: '0', SIM_PORT: '0', STRIPE_SIM_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = { stdout: '', stderr: '' } as Run;
  child.stdout!.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  run.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, atMs: performance.now() })));
  run.waitFor = async (pattern, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(run.stdout);
      if (match) return match;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in: ${run.stdout} ${run.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  run.kill = (signal) => {
    child.kill(signal);
    return performance.now();
  };
  return run;
}

describe('the callbridge process', () => {
  it('stops within seconds with a slow upload and a keep-alive connection open, exits 0 after jobs stopped; demo log-ins end with real Twilio', async () => {
    const sqlite = join(mkdtempSync(join(tmpdir(), 'callbridge-main-')), 'db.sqlite');
    const sim = startMain({ SQLITE_FILE: sqlite });
    const [, port] = await sim.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    expect(sim.stdout).toContain('demo user:  demo@callbridge.test / demo-password');

    // A slow upload: headers promise 100 kB, only a few bytes ever arrive.
    const slow = connect(Number(port), '127.0.0.1');
    slow.on('error', () => undefined);
    slow.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail=a`);
    // A keep-alive connection that already had its answer.
    await new Promise((resolve) => httpRequest({ port: Number(port), host: '127.0.0.1', path: '/healthz', agent: false, headers: { connection: 'keep-alive' } }, (res) => res.resume().on('end', resolve)).end());

    const signalledAt = sim.kill('SIGTERM');
    const { code, atMs } = await sim.exit;
    slow.destroy();
    expect(code).toBe(0);
    expect(atMs - signalledAt).toBeLessThan(5_000);
    expect(sim.stdout).toMatch(/"msg":"jobs, simulator and database stopped"/);

    const real = startMain({ SQLITE_FILE: sqlite, TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'not-a-real-token', TWILIO_CALLER_ID: '+15005550006' });
    await real.waitFor(/demo accounts: switched off/);
    expect(real.stdout).not.toContain('demo-password');
    expect(real.stdout).toMatch(/listening on 0\.0\.0\.0:\d+/);
    real.kill('SIGTERM');
    expect(await real.exit, real.stderr).toMatchObject({ code: 0, signal: null });
  }, 60_000);

  it('says in one line that the port is in use, and exits non-zero', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const run = startMain({ SQLITE_FILE: join(mkdtempSync(join(tmpdir(), 'callbridge-main-')), 'db.sqlite'), PORT: String(port), LOG_LEVEL: 'warn' });
      const { code } = await run.exit;
      expect(code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([`callbridge cannot start: port ${port} on 127.0.0.1 is already in use (another callbridge?). Stop it, or set PORT to a free port.`]);
      expect(run.stdout).not.toContain('at ');
    } finally {
      busy.close();
    }
  }, 60_000);

  it('says in one line that SIM_PORT is in use (issue 26, finding 13: it was a TypeError), and exits non-zero', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const run = startMain({ SQLITE_FILE: join(mkdtempSync(join(tmpdir(), 'callbridge-main-')), 'db.sqlite'), SIM_PORT: String(port), LOG_LEVEL: 'warn' });
      const { code } = await run.exit;
      expect(code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([`callbridge cannot start: port ${port} on 127.0.0.1 is already in use (another callbridge?). Stop it, or set SIM_PORT to a free port.`]);
    } finally {
      busy.close();
    }
  }, 60_000);

  it('refuses simulation mode on a public address unless DEMO_PUBLIC, then prints generated demo passwords once (issue 26, finding 7)', async () => {
    const sqlite = join(mkdtempSync(join(tmpdir(), 'callbridge-main-')), 'db.sqlite');
    const refused = startMain({ SQLITE_FILE: sqlite, HOST: '0.0.0.0', LOG_LEVEL: 'warn' });
    expect((await refused.exit).code).toBe(78);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('set DEMO_PUBLIC=true');

    const demo = startMain({ SQLITE_FILE: sqlite, HOST: '0.0.0.0', DEMO_PUBLIC: 'true' });
    await demo.waitFor(/listening on 0\.0\.0\.0:\d+/);
    const [, password] = await demo.waitFor(/demo admin: admin@callbridge\.test \/ (\S+)/);
    expect(password).not.toBe('admin-password');
    expect(demo.stdout).not.toContain('demo-password');
    demo.kill('SIGTERM');
    expect(await demo.exit, demo.stderr).toMatchObject({ code: 0, signal: null });

    const again = startMain({ SQLITE_FILE: sqlite, HOST: '0.0.0.0', DEMO_PUBLIC: 'true' });
    await again.waitFor(/listening on 0\.0\.0\.0:\d+/);
    expect(again.stdout).not.toContain(password!);
    expect(again.stdout).not.toMatch(/demo admin:/);
    again.kill('SIGTERM');
    expect(await again.exit, again.stderr).toMatchObject({ code: 0, signal: null });
  }, 90_000);
});
