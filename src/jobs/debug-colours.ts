import { createRequire } from 'node:module';
import { isatty } from 'node:tty';

interface DebugModule {
  inspectOpts?: Record<string, unknown>;
}

/**
 * Agenda's job processor logs through `debug` with `log.extend(name)(…)`, which builds a new logger on every call,
 * and each new logger asks the terminal whether stderr takes colours (an isatty system call), even with DEBUG unset
 * and nothing printed: several times per job. `debug` asks only when its options do not say already (as
 * DEBUG_COLORS=… would), so this asks once and writes the answer there; printed output is unchanged. The `debug`
 * module is Agenda's own copy, resolved from Agenda's location.
 */
export function decideDebugColoursOnce(): void {
  let debug: DebugModule;
  try {
    debug = createRequire(import.meta.resolve('agenda'))('debug') as DebugModule;
  } catch {
    return; // Agenda no longer uses debug: nothing to do
  }
  if (debug.inspectOpts && !('colors' in debug.inspectOpts)) debug.inspectOpts.colors = isatty(process.stderr.fd);
}
