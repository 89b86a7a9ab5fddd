import { API_ERRORS } from './api-errors.js';
import { contactPaths, contactSchemas } from './openapi-contacts.js';
import { AUTH_ERRORS, errorResponses, json, ref, type JsonSchema, type OpenApiDocument } from './openapi-parts.js';

export { AUTH_ERRORS, type OpenApiDocument };

const money: JsonSchema = {
  type: 'object',
  description: 'An exact amount: integer micro-units (1 currency unit = 1,000,000) and its display form.',
  required: ['micros', 'currency', 'formatted'],
  additionalProperties: false,
  properties: {
    micros: { type: 'integer', examples: [5_000_000] },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', examples: ['USD'] },
    formatted: { type: 'string', examples: ['$5.0000'] },
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
    longestCallSeconds: { type: 'integer', minimum: 0, description: 'An estimate: the talk time your credit and free minutes pay for right now if the set-up (your answer to theirs) takes a typical 15 s; the call itself settles its exact limit when the number answers.' },
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

const isoTime = { type: 'string', format: 'date-time' };
const nullable = (schema: JsonSchema) => ({ oneOf: [schema, { type: 'null' }] });

function callSchema(statuses: readonly string[]): JsonSchema {
  return {
    type: 'object',
    required: ['id', 'status', 'live', 'to', 'createdAt', 'answeredAt', 'endedAt', 'durationSeconds', 'cost', 'failureReason', 'links'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: '^[\\w-]{1,64}$' },
      status: { type: 'string', enum: [...statuses], description: 'live: starting, unconfirmed (Twilio never answered our create; the call may still ring), calling, confirming, connecting, connected; then ending; then a final status.' },
      live: { type: 'boolean', description: 'True until the call is over.' },
      to: { type: 'string', pattern: '^\\+[1-9]\\d{1,14}$' },
      createdAt: isoTime,
      answeredAt: { ...nullable(isoTime), description: 'When the destination answered (the bridge).' },
      endedAt: nullable(isoTime),
      durationSeconds: { ...nullable({ type: 'integer', minimum: 0 }), description: 'Talk time with the destination, once known.' },
      cost: { ...nullable(ref('Money')), description: 'The exact charge, once the call is settled; null before.' },
      failureReason: nullable({ type: 'string' }),
      links: {
        type: 'object',
        required: ['self', 'statusPage'],
        additionalProperties: false,
        properties: { self: { type: 'string', format: 'uri' }, statusPage: { type: 'string', format: 'uri', description: 'The call on the website.' } },
      },
    },
  };
}

function callCompletedSchema(statuses: readonly string[]): JsonSchema {
  return {
    type: 'object',
    required: ['type', 'createdAt', 'data'],
    additionalProperties: false,
    properties: {
      type: { const: 'call.completed' },
      createdAt: isoTime,
      data: {
        type: 'object',
        required: ['call', 'cost'],
        additionalProperties: false,
        properties: {
          call: {
            type: 'object',
            required: ['id', 'status', 'to', 'createdAt', 'endedAt', 'durationSeconds'],
            additionalProperties: false,
            properties: {
              id: { type: 'string' },
              status: { type: 'string', enum: [...statuses] },
              to: { type: 'string' },
              createdAt: isoTime,
              endedAt: nullable(isoTime),
              durationSeconds: { type: 'integer', minimum: 0, description: 'Talk time with the destination.' },
            },
          },
          cost: {
            type: 'object',
            required: ['micros', 'currency'],
            additionalProperties: false,
            description: 'The exact charge: integer micro-units (1 unit = 1,000,000).',
            properties: { micros: { type: 'integer', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
          },
        },
      },
    },
  };
}

const callList: JsonSchema = {
  type: 'object',
  required: ['data', 'nextCursor'],
  additionalProperties: false,
  properties: {
    data: { type: 'array', items: ref('Call') },
    nextCursor: { ...nullable({ type: 'string' }), description: 'Pass as ?cursor= for the next (older) page; null on the last page.' },
  },
};

const idPath = { name: 'id', in: 'path' as const, required: true, schema: { type: 'string', maxLength: 64 } };

function callPaths(): OpenApiDocument['paths'] {
  const call = json(ref('Call'));
  return {
    '/calls': {
      post: {
        operationId: 'placeCall',
        summary: 'Place a call: your verified phone rings first, then the destination is connected',
        description:
          'The same call as the website\'s Call button: same checks, credit hold, limits, billing and status page. Send an ' +
          'Idempotency-Key (e.g. a UUID) so a retried request returns the same call instead of placing a second one.',
        tags: ['calls'],
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, description: '1-255 visible ASCII characters, per token.', schema: { type: 'string', maxLength: 255 } }],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['to'],
            additionalProperties: false,
            properties: {
              to: { type: 'string', maxLength: 40, description: 'The number to call, best in E.164.' },
              country: { type: 'string', pattern: '^[A-Za-z]{2}$', description: 'How to read a national number (ISO 3166 alpha-2).' },
            },
          }),
        },
        responses: {
          '201': { description: 'The call was placed (or, for a repeated Idempotency-Key, the call the first request placed)', content: call },
          ...errorResponses([
            ...AUTH_ERRORS, 'invalid_json', 'invalid_request', 'unsupported_media_type', 'payload_too_large', 'insufficient_scope', 'call_in_progress',
            'request_in_progress', 'idempotency_key_reused', 'destination_refused', 'insufficient_credit', 'email_not_confirmed', 'account_on_hold', 'phone_not_verified', 'telephony_unavailable',
          ]),
        },
      },
      get: {
        operationId: 'listCalls',
        summary: 'Your calls, newest first, a page at a time',
        description: "The calls paid by the token's account. A team token of the team's owner or admin lists every member's calls on the team; any other token lists its user's own.",
        tags: ['calls'],
        parameters: [
          { name: 'status', in: 'query', description: 'An exact status, or "live".', schema: { type: 'string' } },
          { name: 'cursor', in: 'query', description: 'nextCursor from the previous page.', schema: { type: 'string' } },
          { name: 'limit', in: 'query', description: '1 to 100 (default 25).', schema: { type: 'integer', minimum: 1, maximum: 100 } },
        ],
        responses: { '200': { description: 'A page of calls', content: json(ref('CallList')) }, ...errorResponses([...AUTH_ERRORS, 'invalid_request']) },
      },
    },
    '/calls/{id}': {
      get: {
        operationId: 'getCall',
        summary: 'One of your calls: poll it until live is false and cost is set (with wait, a long poll)',
        tags: ['calls'],
        parameters: [
          idPath,
          {
            name: 'wait', in: 'query',
            description: 'Seconds (0 to 25) to hold the request until the call\'s status differs from `status` (or from its status when the request arrived) or its cost is set; then, or at the end of the wait, the call as it is.',
            schema: { type: 'integer', minimum: 0, maximum: 25 },
          },
          { name: 'status', in: 'query', description: 'With wait: the status you already know, so no change between two requests is missed.', schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'The call', content: call }, ...errorResponses([...AUTH_ERRORS, 'invalid_request', 'not_found']) },
      },
    },
    '/calls/{id}/hangup': {
      post: {
        operationId: 'hangUpCall',
        summary: 'End the call at whatever stage it is (safe to repeat)',
        tags: ['calls'],
        parameters: [idPath],
        responses: { '200': { description: 'The call, ending or over', content: call }, ...errorResponses([...AUTH_ERRORS, 'insufficient_scope', 'not_found', 'invalid_json', 'unsupported_media_type']) },
      },
    },
  };
}

const nullableInt = { type: ['integer', 'null'] };
const nullableText = { type: ['string', 'null'] };
const recordingSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'call_id', 'status', 'duration_seconds', 'channels', 'bytes', 'charged_micros', 'error_code', 'created_at', 'stored_at', 'deleted_at', 'media_url'],
  properties: {
    id: { type: 'integer' }, call_id: { type: 'string' },
    status: { type: 'string', enum: ['processing', 'stored', 'failed', 'deleted'] },
    duration_seconds: nullableInt, channels: nullableInt, bytes: { type: 'integer' },
    charged_micros: { type: 'integer', description: 'What the recording cost, in millionths of the currency unit.' },
    error_code: nullableInt, created_at: { type: 'string' }, stored_at: nullableText, deleted_at: nullableText,
    media_url: { ...nullableText, description: 'Our URL for the audio (same token), while stored; never a Twilio URL.' },
  },
};

/** A call's recording: metadata for any token of the owning account, the audio with HTTP Range. */
function recordingPaths(): OpenApiDocument['paths'] {
  return {
    '/calls/{id}/recordings': {
      get: {
        operationId: 'listCallRecordings', summary: "The call's recordings (at most one)", tags: ['recordings'], parameters: [idPath],
        responses: { '200': { description: 'The list', content: json({ type: 'object', required: ['recordings'], properties: { recordings: { type: 'array', items: ref('Recording') } } }) }, ...errorResponses([...AUTH_ERRORS, 'not_found']) },
      },
    },
    '/calls/{id}/recording': {
      get: {
        operationId: 'getCallRecording', summary: "The call's recording", tags: ['recordings'], parameters: [idPath],
        responses: { '200': { description: 'The recording', content: json(ref('Recording')) }, ...errorResponses([...AUTH_ERRORS, 'not_found']) },
      },
    },
    '/calls/{id}/recording/media': {
      get: {
        operationId: 'getCallRecordingMedia', summary: 'The audio (WAV); send Range for a part (206 with Content-Range, 416 beyond the end)', tags: ['recordings'],
        parameters: [idPath, { name: 'Range', in: 'header', description: 'One byte range, e.g. bytes=0-99, bytes=500- or bytes=-500.', schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The whole file', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
          '206': { description: 'The requested part', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
          '416': { description: 'The range lies beyond the end of the file' },
          ...errorResponses([...AUTH_ERRORS, 'not_found']),
        },
      },
    },
  };
}

/** The API's contract. Tests validate every real response against it, so it cannot drift from the code. */
export function openApiDocument(publicUrl: string, callStatuses: readonly string[]): OpenApiDocument {
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
      ...callPaths(),
      ...contactPaths(),
      ...recordingPaths(),
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
    webhooks: {
      'call.completed': {
        post: {
          operationId: 'callCompleted',
          summary: 'Sent to a token\'s webhook URL once each call is over and billed',
          description:
            'Header Callbridge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" keyed with the token\'s webhook secret>. ' +
            'Answer 2xx within 10 s; otherwise the delivery is retried with growing delays (6 attempts).',
          tags: ['webhooks'],
          security: [],
          requestBody: { required: true, content: json(ref('CallCompletedEvent')) },
          responses: { '200': { description: 'Any 2xx acknowledges the delivery' } },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A personal access token (cb_…) from your account page.' } },
      schemas: {
        Error: errorSchema,
        Money: money,
        RateQuote: rateQuote,
        Wallet: wallet,
        Call: callSchema(callStatuses),
        CallList: callList,
        CallCompletedEvent: callCompletedSchema(callStatuses),
        ...contactSchemas(),
        Recording: recordingSchema,
      },
    },
  };
}
