import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseStormOptions } from '../../tools/storm/options.js';
import { DEFAULT_HARNESS_NICE, niceCommand } from '../../tools/storm/harness-priority.js';
import { projectRoot } from '../../src/paths.js';

describe('the storm harness runs below the instances', () => {
  it('starts a child through nice(1) only when asked for a lower priority', () => {
    expect(niceCommand(0, '/usr/bin/node', ['a.js'])).toEqual({ command: '/usr/bin/node', args: ['a.js'] });
    expect(niceCommand(10, '/usr/bin/node', ['a.js'])).toEqual({ command: 'nice', args: ['-n', '10', '/usr/bin/node', 'a.js'] });
  });

  it('a child started that way really runs at that nice value', () => {
    const { command, args } = niceCommand(7, process.execPath, ['-e', 'console.log(require("node:os").getPriority())']);
    expect(execFileSync(command, args, { encoding: 'utf8' }).trim()).toBe('7');
  });

  it.runIf(process.platform === 'linux')('lowers the calling thread only: a thread started before keeps its priority (the canary), one started after inherits it', () => {
    // A separate process, so the test runner's own threads keep theirs.
    const script = `
      import { Worker } from 'node:worker_threads';
      import { getPriority } from 'node:os';
      import { lowerThisThread } from './tools/storm/harness-priority.ts';
      const source = "const { parentPort } = require('node:worker_threads'); parentPort.once('message', () => parentPort.postMessage(require('node:os').getPriority()));";
      const ask = (worker) => new Promise((resolve) => { worker.once('message', (p) => { resolve(p); worker.terminate(); }); worker.postMessage('?'); });
      const before = new Worker(source, { eval: true, execArgv: [] });
      lowerThisThread(5);
      const after = new Worker(source, { eval: true, execArgv: [] });
      console.log(JSON.stringify({ main: getPriority(), before: await ask(before), after: await ask(after) }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual({ main: 5, before: 0, after: 5 });
  });

  it('defaults to nice 10 and names a value out of range', () => {
    expect(DEFAULT_HARNESS_NICE).toBe(10);
    expect(parseStormOptions([], {}).harnessNice).toBe(10);
    expect(parseStormOptions(['--harness-nice', '0'], {}).harnessNice).toBe(0);
    expect(() => parseStormOptions(['--harness-nice', '20'], {})).toThrow('--harness-nice: expected a whole number from 0 (same priority as the instances) to 19 (lowest), got "20"');
    expect(() => parseStormOptions(['--harness-nice', '2.5'], {})).toThrow('--harness-nice: expected a whole number');
  });
});
