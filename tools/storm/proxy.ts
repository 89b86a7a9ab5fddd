import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';

/** What a reverse proxy in front of N instances does, in a few lines: PUBLIC_URL points here. */
export interface RoundRobinProxy {
  url: string;
  /** Replaces the upstream list (an instance died, or came back). */
  setUpstreams(urls: string[]): void;
  close(): Promise<void>;
}

/**
 * Spreads requests over the instances in turn, adds X-Forwarded-For / -Proto (TRUST_PROXY=true), and tries the
 * next instance when one refuses the connection, as nginx's proxy_next_upstream does for a dead backend.
 */
export async function startRoundRobinProxy(upstreams: string[]): Promise<RoundRobinProxy> {
  let targets = upstreams.map((u) => new URL(u));
  let next = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, attempt: number) => {
    if (targets.length === 0) return void res.writeHead(503).end('no instance up');
    const target = targets[next++ % targets.length]!;
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        agent,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1', 'x-forwarded-proto': 'http' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!res.headersSent && attempt < targets.length && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET')) return forward(req, res, body, attempt + 1);
      if (!res.headersSent) res.writeHead(502).end('bad gateway');
      else res.destroy();
    });
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), 1));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    setUpstreams(urls) {
      targets = urls.map((u) => new URL(u));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}
