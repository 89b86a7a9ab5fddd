import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface LoadResult {
  requests: number;
  perSecond: number;
  errors: number;
}

/** A response read whole, with what it cost on the wire. */
export interface Reply {
  status: number;
  /** The status line and headers as sent: "Name: value\r\n" each, and the blank line. */
  headerBytes: number;
  body: string;
  /** Body bytes as sent (compressed when the server compressed them). */
  bytes: number;
}

/**
 * Requests to 127.0.0.1 on keep-alive sockets (at most `maxSockets` at once), each response read whole.
 * destroy() closes the sockets when the bench is done.
 */
export function keepAliveClient(maxSockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  function hit(port: number, method: string, path: string, headers: Record<string, string>, body?: string, retried = false): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let headerBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
          for (let i = 0; i < res.rawHeaders.length; i += 2) headerBytes += res.rawHeaders[i]!.length + res.rawHeaders[i + 1]!.length + 4;
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headerBytes, body: raw.toString('utf8'), bytes: raw.length });
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed for idleness just as it was reused: Node's advice is to retry once.
        if (req.reusedSocket && err.code === 'ECONNRESET' && !retried) resolve(hit(port, method, path, headers, body, true));
        else reject(err);
      });
      req.end(body);
    });
  }
  return { hit, destroy: () => agent.destroy() };
}

export async function listen(app: Express): Promise<{ base: string; server: Server }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Keep-alive GETs from `concurrency` clients for `durationMs`; counts 200s (anything else is an error). */
export async function load(url: string, headers: Record<string, string>, options: { durationMs: number; concurrency: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(url);
  const end = performance.now() + options.durationMs;
  let requests = 0;
  let errors = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, headers }, (res) => {
        if (res.statusCode === 200) requests++;
        else errors++;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  return { requests, perSecond: requests / seconds, errors };
}
