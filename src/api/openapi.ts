import { API_ERRORS, type ApiErrorCode } from './api-errors.js';

/** The subset of OpenAPI 3.1 we write; schemas are JSON Schema 2020-12 objects. */
type JsonSchema = Record<string, unknown>;

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: 'query' | 'path' | 'header'; required?: boolean; description?: string; schema: JsonSchema }>;
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; headers?: Record<string, { description: string; schema: JsonSchema }>; content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Partial<Record<'get' | 'post', Operation>>>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
    schemas: Record<string, JsonSchema>;
  };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

const money: JsonSchema = {
  type: 'object',
  description: 'An exact amount: integer micro-units (1 currency unit = 1,000,000) and its display form.',
  required: ['micros', 'currency', 'formatted'],
  additionalProperties: false,
  properties: {
    micros: { type: 'integer', examples: [5_000_000] },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', examples: ['USD'] },
    formatted: { type: 'string', examples: ['$5.00'] },
  },
};

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', enum: Object.keys(API_ERRORS), description: 'Stable: branch on this, not on the message.' },
        message: { type: 'string', description: 'For people; may change.' },
      },
    },
  },
};

const rateQuote: JsonSchema = {
  type: 'object',
  required: ['to', 'destination', 'perMinute', 'destinationLegPerMinute', 'ownLegPerMinute', 'longestCallSeconds', 'available'],
  additionalProperties: false,
  properties: {
    to: { type: 'string', pattern: '^\\+[1-9]\\d{1,14}$', description: 'The destination, normalised to E.164.' },
    destination: {
      type: 'object',
      required: ['country', 'iso', 'description'],
      additionalProperties: false,
      properties: { country: { type: 'string' }, iso: { type: 'string' }, description: { type: 'string' } },
    },
    perMinute: { ...ref('Money'), description: 'Both legs together: what a minute of this call costs you.' },
    destinationLegPerMinute: ref('Money'),
    ownLegPerMinute: { oneOf: [ref('Money'), { type: 'null' }], description: 'The leg to your own phone; null until your phone is verified.' },
    longestCallSeconds: { type: 'integer', minimum: 0, description: 'The longest call your credit and free minutes pay for right now.' },
    available: ref('Money'),
  },
};

const wallet: JsonSchema = {
  type: 'object',
  required: ['balance', 'held', 'available', 'freeMinutesLeft', 'freeSecondsLeft', 'freeMinutesPerMonth'],
  additionalProperties: false,
  properties: {
    balance: ref('Money'),
    held: { ...ref('Money'), description: 'Reserved for calls in progress.' },
    available: { ...ref('Money'), description: 'What a new call may use: balance minus held.' },
    freeMinutesLeft: { type: 'integer', minimum: 0 },
    freeSecondsLeft: { type: 'integer', minimum: 0 },
    freeMinutesPerMonth: { type: 'integer', minimum: 0 },
  },
};

function errorResponses(codes: ApiErrorCode[]): Operation['responses'] {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) byStatus.set(API_ERRORS[code].status, [...(byStatus.get(API_ERRORS[code].status) ?? []), code]);
  const responses: Operation['responses'] = {};
  for (const [status, list] of byStatus) {
    responses[String(status)] = {
      description: `Error: ${list.join(', ')}`,
      ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } } } } : {}),
      content: json(ref('Error')),
    };
  }
  return responses;
}

/** Every authenticated endpoint can answer these. */
export const AUTH_ERRORS: ApiErrorCode[] = ['missing_token', 'invalid_token', 'token_revoked', 'token_expired', 'rate_limited', 'internal_error'];

/** The API's contract. Tests validate every real response against it, so it cannot drift from the code. */
export function openApiDocument(publicUrl: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'callbridge API',
      version: '1.0.0',
      description:
        'Click-to-call for CRMs and helpdesks: place a call that rings your own phone first, then the destination; read rates, ' +
        'your wallet and your calls. Authenticate with a personal access token from your account page. Every error has the ' +
        'same shape, `{ "error": { "code", "message" } }`; requests are limited per token (429 with Retry-After).',
    },
    servers: [{ url: `${publicUrl.replace(/\/$/, '')}/api/v1` }],
    security: [{ bearerAuth: [] }],
    paths: {
      '/rates': {
        get: {
          operationId: 'getRate',
          summary: 'Price of a call to a number, and the longest call your credit allows now',
          tags: ['rates'],
          parameters: [{ name: 'to', in: 'query', required: true, description: 'The number to call, best in E.164 (+442079460958).', schema: { type: 'string', maxLength: 40 } }],
          responses: { '200': { description: 'The quote', content: json(ref('RateQuote')) }, ...errorResponses([...AUTH_ERRORS, 'invalid_request', 'destination_refused']) },
        },
      },
      '/wallet': {
        get: {
          operationId: 'getWallet',
          summary: 'Balance, credit available for a new call, free minutes left',
          tags: ['wallet'],
          responses: { '200': { description: 'The wallet', content: json(ref('Wallet')) }, ...errorResponses(AUTH_ERRORS) },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          tags: ['meta'],
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1 document', content: json({ type: 'object', required: ['openapi', 'paths'] }) } },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A personal access token (cb_…) from your account page.' } },
      schemas: { Error: errorSchema, Money: money, RateQuote: rateQuote, Wallet: wallet },
    },
  };
}
