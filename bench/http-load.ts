import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface LoadResult {
  requests: number;
  perSecond: number;
  errors: number;
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
