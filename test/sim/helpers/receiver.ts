import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import twilio from 'twilio';

export interface ReceivedRequest {
  /** Arrival order at the receiver. */
  order: number;
  method: string;
  path: string;
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** What twilio.validateRequest (the SDK) says about the X-Twilio-Signature header. */
  signatureValid: boolean;
}

type Responder = string | ((params: Record<string, string>) => string);

/** A stand-in for the product's webhook routes: records every request and answers TwiML per path. */
export interface Receiver {
  url(path: string): string;
  respond(path: string, twiml: Responder): void;
  received: ReceivedRequest[];
  on(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(authToken: string): Promise<Receiver> {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const received: ReceivedRequest[] = [];
  const responders = new Map<string, Responder>();
  let port = 0;
  app.all('/{*rest}', (req, res) => {
    const params = (req.method === 'GET' ? {} : req.body ?? {}) as Record<string, string>;
    const allParams = { ...(req.query as Record<string, string>), ...params };
    const fullUrl = `http://127.0.0.1:${port}${req.originalUrl}`;
    const signatureValid = twilio.validateRequest(authToken, String(req.headers['x-twilio-signature'] ?? ''), fullUrl, params);
    received.push({ order: received.length, method: req.method, path: req.path, params: allParams, headers: req.headers, signatureValid });
    const responder = responders.get(req.path);
    if (responder === undefined) return void res.status(204).end();
    res.type('text/xml').send(typeof responder === 'string' ? responder : responder(allParams));
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    respond: (path, twiml) => void responders.set(path, twiml),
    received,
    on: (path) => received.filter((r) => r.path === path),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Status callbacks of one call, in SequenceNumber order (arrival order is not guaranteed). */
export function callbacksOf(received: ReceivedRequest[], callSid: string, path: string): ReceivedRequest[] {
  return received
    .filter((r) => r.path === path && r.params.CallSid === callSid && r.params.SequenceNumber !== undefined)
    .sort((a, b) => Number(a.params.SequenceNumber) - Number(b.params.SequenceNumber));
}

/** Seconds between two RFC 2822 Timestamps. */
export function secondsBetween(a: string | undefined, b: string | undefined): number {
  return (Date.parse(b ?? '') - Date.parse(a ?? '')) / 1000;
}
