import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a user's webhook may point. A webhook URL is an outgoing request our server makes on a user's behalf, so it
 * must never reach our own machine, our network or the cloud's metadata service: the host is resolved, and every
 * address it resolves to must be a public unicast one. The check runs when the URL is saved and again before each
 * delivery, and the delivery connects to the very address checked (see webhook-sender.ts), so a DNS answer that
 * changes between the check and the connect (DNS rebinding) cannot move it.
 *
 * Node's net.BlockList does the address matching (IPv4-mapped IPv6 forms such as ::ffff:7f00:1 are refused whole);
 * the WHATWG URL parser already turns integer, hex and octal IPv4 forms (2130706433, 0x7f.1, 0177.0.0.1) into
 * dotted quads, so they are checked like any address.
 */
export interface WebhookTargetPolicy {
  /** Hosts an admin allows over plain http (WEBHOOK_HTTP_HOSTS); their addresses are still checked. */
  httpHosts: ReadonlySet<string>;
  /**
   * TEST ONLY: hosts whose addresses are not checked and which may use http, so tests can target a local listener.
   * Never set from the environment; production leaves it empty.
   */
  testOnlyUncheckedHosts: ReadonlySet<string>;
  /** Every address of a host name (the system resolver by default; tests inject one). */
  resolve(host: string): Promise<Array<{ address: string; family: number }>>;
}

export const systemResolve = (host: string) => lookup(host, { all: true, verbatim: true });

export function webhookTargetPolicy(options: { httpHosts?: Iterable<string>; testOnlyUncheckedHosts?: Iterable<string>; resolve?: WebhookTargetPolicy['resolve'] } = {}): WebhookTargetPolicy {
  const normalized = (hosts: Iterable<string> | undefined) => new Set([...(hosts ?? [])].map(normalizeHost));
  return { httpHosts: normalized(options.httpHosts), testOnlyUncheckedHosts: normalized(options.testOnlyUncheckedHosts), resolve: options.resolve ?? systemResolve };
}

// Two lists: BlockList matches IPv4 addresses against IPv6 rules through their mapped form, so one list holding
// ::ffff:0:0/96 would refuse every IPv4 address.
const BLOCKED_V4 = new BlockList();
const BLOCKED_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", including the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, the cloud metadata service
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  BLOCKED_V4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and the old IPv4-compatible forms
  ['::ffff:0:0', 96], // IPv4-mapped: a webhook has no reason to use them, whatever the address inside
  ['64:ff9b::', 96], // NAT64 can reach private IPv4 space
  ['100::', 64],
  ['2001::', 32], // Teredo
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4 embeds any IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED_V6.addSubnet(network, prefix, 'ipv6');
}

/** True when an address is not a public unicast one. */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return family === 4 ? BLOCKED_V4.check(address, 'ipv4') : BLOCKED_V6.check(address, 'ipv6');
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

export type TargetRefusal = 'invalid' | 'insecure' | 'refused-address' | 'unresolvable';
export type ResolvedTarget = { ok: true; url: URL; host: string; address: string; family: 4 | 6 } | { ok: false; reason: TargetRefusal; message: string };

const REFUSALS: Record<TargetRefusal, string> = {
  invalid: 'Enter a full https:// address without a user name or password',
  insecure: 'Use an https:// address: webhooks carry your calls and their cost',
  'refused-address': 'This address is not on the public internet: webhooks can only go to public addresses',
  unresolvable: 'We could not find this host: check the address',
};

const refuse = (reason: TargetRefusal): ResolvedTarget => ({ ok: false, reason, message: REFUSALS[reason] });

/** Checks a webhook URL and resolves it to the one address a delivery may connect to. */
export async function resolveWebhookTarget(raw: string, policy: WebhookTargetPolicy): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('invalid');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return refuse('invalid');
  const host = normalizeHost(url.hostname);
  const unchecked = policy.testOnlyUncheckedHosts.has(host);
  if (url.protocol === 'http:' && !unchecked && !policy.httpHosts.has(host)) return refuse('insecure');
  if (!unchecked && (host === 'localhost' || host.endsWith('.localhost'))) return refuse('refused-address');

  const literal = isIP(host);
  let addresses: Array<{ address: string; family: number }>;
  if (literal) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await policy.resolve(host);
    } catch {
      return refuse('unresolvable');
    }
  }
  if (addresses.length === 0) return refuse('unresolvable');
  // Every address must pass: otherwise the one connected to could be the private one.
  if (!unchecked && addresses.some((a) => isRefusedAddress(a.address))) return refuse('refused-address');
  const chosen = addresses[0]!;
  return { ok: true, url, host, address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}
