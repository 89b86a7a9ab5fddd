import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLedger, type LedgerAudit } from '../../tools/storm/audit.js';
import { HttpSession } from '../../tools/storm/http-session.js';
import { createStormDatabase, createStormUsers, STORM_PASSWORD, type StormDatabase, type StormUser } from '../../tools/storm/population.js';
import { startInstance, startSimulatorProcess, type RunningInstance, type RunningSimulatorProcess } from '../../tools/storm/processes.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../../tools/storm/proxy.js';

export const METRICS_TOKEN = 'cluster-test-metrics-token-0123';


/**
 * Real processes, as in production: the simulator alone, app instances (src/main.ts) sharing one database,
 * and a round-robin proxy as their PUBLIC_URL, so Twilio's webhooks land on any instance.
 */
export interface Cluster {
  sim: RunningSimulatorProcess;
  proxy: RoundRobinProxy;
  database: StormDatabase;
  /** Instance slots; a killed one is undefined until restarted. */
  instances: (RunningInstance | undefined)[];
  logDir: string;
  start(index: number): Promise<RunningInstance>;
  /** SIGKILL: no shutdown hook runs, locks and in-flight work are left as a crash leaves them. */
  kill(index: number): Promise<void>;
  users(count: number, creditMicros: number): Promise<StormUser[]>;
  session(user: StormUser, instance: number): Promise<{ http: HttpSession; base: string }>;
  control(method: string, path: string, body?: unknown): Promise<unknown>;
  audit(): Promise<LedgerAudit>;
  stop(): Promise<void>;
}

export async function startCluster(options: { instances: number; db: 'sqlite' | 'postgres'; speed: number; env?: NodeJS.ProcessEnv }): Promise<Cluster> {
  const logDir = mkdtempSync(join(tmpdir(), 'callbridge-cluster-'));
  const sim = await startSimulatorProcess({ speed: options.speed, logDir });
  const proxy = await startRoundRobinProxy([]);
  const database = await createStormDatabase({ kind: options.db, serverUrl: process.env.DATABASE_URL ?? '', dir: logDir });
  const env: NodeJS.ProcessEnv = {
    ...database.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    TWILIO_API_BASE: sim.url,
    PUBLIC_URL: proxy.url,
    TRUST_PROXY: 'true',
    SESSION_SECRET: 'cluster-test-session-secret-shared-by-all',
    METRICS_TOKEN,
    CONFIRM_ANSWER: 'false',
    ...options.env,
  };
  const instances: (RunningInstance | undefined)[] = [];
  const refreshProxy = () => proxy.setUpstreams(instances.filter((i): i is RunningInstance => i !== undefined).map((i) => i.url));
  let created = 0;
  const cluster: Cluster = {
    sim,
    proxy,
    database,
    instances,
    logDir,
    async start(index) {
      const instance = await startInstance({ index, logDir, env });
      instances[index] = instance;
      refreshProxy();
      return instance;
    },
    async kill(index) {
      await instances[index]?.child.kill();
      instances[index] = undefined;
      refreshProxy();
    },
    async users(count, creditMicros) {
      const users = await createStormUsers(database.services, count, { richMicros: creditMicros, tightMicros: creditMicros, tightEvery: 1_000_000 }, created);
      created += count;
      return users;
    },
    async session(user, instance) {
      const base = instances[instance]!.url;
      const http = new HttpSession(user.address);
      await http.logIn(base, user.email, STORM_PASSWORD);
      return { http, base };
    },
    async control(method, path, body) {
      const res = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      if (!res.ok) throw new Error(`simulator ${method} ${path}: HTTP ${res.status}`);
      return res.status === 204 ? undefined : res.json();
    },
    audit: () => auditLedger(database.db),
    async stop() {
      await Promise.all(instances.map((i) => i?.child.stop()));
      await sim.child.stop();
      await proxy.close();
      await database.drop();
    },
  };
  for (let i = 0; i < options.instances; i++) await cluster.start(i);
  return cluster;
}

/** Places a call the way the page's htmx form does; returns the call id. */
export async function placeCall(session: { http: HttpSession; base: string }, to: string): Promise<string> {
  const res = await session.http.request(`${session.base}/calls`, { method: 'POST', form: { _csrf: session.http.csrf, to }, headers: { 'hx-request': 'true' } });
  const id = /id="call-(cl_[a-z2-7]+)"/.exec(res.text)?.[1];
  if (res.status !== 200 || !id) throw new Error(`POST /calls: HTTP ${res.status}: ${res.text.slice(0, 300)}`);
  return id;
}

export async function callStatus(http: HttpSession, base: string, id: string): Promise<string> {
  const res = await http.request(`${base}/calls/${id}/status`, { headers: { 'hx-request': 'true' } });
  return /data-call-status="([\w-]+)"/.exec(res.text)?.[1] ?? `HTTP ${res.status}`;
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
