import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './webhook-target.js';

/**
 * What a user sees of a delivery: a class, never the raw error or the endpoint's answer, so a webhook URL cannot be
 * used to scan ports or read what a host says.
 */
export type DeliveryOutcomeClass = 'delivered' | 'endpoint error 3xx (redirects are not followed)' | 'endpoint error 4xx' | 'endpoint error 5xx' | 'timed out' | 'refused address' | 'could not connect';

export type SendOutcome = { ok: true; statusCode: number; outcome: 'delivered' } | { ok: false; statusCode: number | null; outcome: Exclude<DeliveryOutcomeClass, 'delivered'> };

/** Whole-request limit: connect, send and the status line. A receiver should answer at once and work afterwards. */
export const SEND_TIMEOUT_MS = 5_000;

export function outcomeOfStatus(status: number): SendOutcome {
  if (status >= 200 && status < 300) return { ok: true, statusCode: status, outcome: 'delivered' };
  if (status >= 300 && status < 400) return { ok: false, statusCode: status, outcome: 'endpoint error 3xx (redirects are not followed)' };
  if (status >= 400 && status < 500) return { ok: false, statusCode: status, outcome: 'endpoint error 4xx' };
  return { ok: false, statusCode: status, outcome: 'endpoint error 5xx' };
}

/**
 * POSTs to the address the target check resolved, never to a fresh DNS answer: the custom `lookup` hands the socket
 * that address, while the Host header and TLS name (SNI, certificate check) stay the URL's host name.
 */
export function sendToTarget(target: Extract<ResolvedTarget, { ok: true }>, body: string, headers: Record<string, string>, timeoutMs = SEND_TIMEOUT_MS): Promise<SendOutcome> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (err: null, addresses: Array<{ address: string; family: number }>) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = client.request(
      target.url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: pinned, agent: false },
      (res) => {
        // The answer's body is not read: only its status counts, and a slow or endless body must not hold us.
        res.destroy();
        finish(outcomeOfStatus(res.statusCode ?? 0));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, statusCode: null, outcome: 'timed out' });
      req.destroy();
    }, timeoutMs);
    req.on('error', () => finish({ ok: false, statusCode: null, outcome: 'could not connect' }));
    req.end(body);
  });
}
