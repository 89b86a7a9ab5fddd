import { setPriority } from 'node:os';

/**
 * The storm's harness (its driver and round-robin proxy, and the Twilio simulator) stands in for the outside world:
 * browsers, a load balancer and Twilio, which a real deployment does not share its cores with. On one 2-core machine
 * they take turns with the app instances and PostgreSQL, and every turn they take while an instance or a database
 * backend is ready to run is added to the click's measured time. Running them at a lower CPU priority (a higher
 * nice value) gives the system under test the core first when both want it; the harness still gets every idle
 * cycle, so the load it offers is the same. Nice 0 runs everything as equals.
 */
export const DEFAULT_HARNESS_NICE = 10;

/** The command that starts `execPath args` at the given nice value: through `nice(1)` so every thread has it from its first instruction. */
export function niceCommand(nice: number, execPath: string, args: string[]): { command: string; args: string[] } {
  return nice > 0 ? { command: 'nice', args: ['-n', String(nice), execPath, ...args] } : { command: execPath, args };
}

/**
 * Lowers the priority of the calling thread only (Linux keeps a nice value per thread): the driver and proxy run on
 * the storm's main thread. Threads already started keep theirs, so start the wake-up canary first: it measures how
 * late the machine wakes a thread at the instances' priority. Threads started afterwards inherit the new value.
 */
export function lowerThisThread(nice: number): void {
  if (nice > 0) setPriority(nice);
}
