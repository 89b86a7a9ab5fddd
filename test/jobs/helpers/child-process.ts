import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../../src/paths.js';

const fixture = join(projectRoot, 'test/jobs/fixtures/job-process.ts');

export interface JobProcess {
  child: ChildProcess;
  /** Resolves with the first stdout line matching the pattern; rejects if the process exits first or on timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  lines: string[];
  exited: Promise<void>;
}

/** Starts test/jobs/fixtures/job-process.ts as a real OS process (node with the tsx loader). */
export function startJobProcess(args: string[]): JobProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find((l) => pattern.test(l));
          if (line === undefined) return;
          cleanup();
          resolve(line);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got: ${lines.join(' | ')}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`process exited before printing ${pattern}; got: ${lines.join(' | ')}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}
