import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Express } from 'express';

/** Listening failed for a reason a person can fix (port taken, no permission): main prints one line, no stack. */
export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

/** app.listen as a promise; "address in use" and "permission denied" become a ListenError naming the fix. */
export async function listen(app: Express, port: number, host: string, variable = 'PORT'): Promise<Server> {
  const server = app.listen(port, host);
  try {
    await once(server, 'listening');
    return server;
  } catch (err) {
    throw listenError(err, port, host, variable) ?? err;
  }
}

export function listenError(err: unknown, port: number, host: string, variable = 'PORT'): ListenError | undefined {
  const code = (err as { code?: string })?.code;
  if (code === 'EADDRINUSE') return new ListenError(`port ${port} on ${host} is already in use (another callbridge?). Stop it, or set ${variable} to a free port.`);
  if (code === 'EACCES') return new ListenError(`no permission to listen on port ${port} on ${host}. Use a port above 1023 in ${variable}.`);
  if (code === 'EADDRNOTAVAIL') return new ListenError(`${host} is not an address of this machine. Check HOST.`);
  return undefined;
}

/**
 * Stops accepting connections, lets requests in progress finish for `graceMs`, then cuts what is still open:
 * long-lived connections (Agendash's event stream, a slow upload) must not hold shutdown hostage.
 */
export async function closeServer(server: Server, graceMs = 3_000): Promise<void> {
  const closed = once(server, 'close').catch(() => undefined);
  server.close();
  server.closeIdleConnections();
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  cut.unref();
  await closed;
  clearTimeout(cut);
}
