import { API_ERRORS, type ApiErrorCode } from './api-errors.js';

/** The subset of OpenAPI 3.1 we write; schemas are JSON Schema 2020-12 objects. */
export type JsonSchema = Record<string, unknown>;

export interface Operation {
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
  paths: Record<string, Partial<Record<'get' | 'post' | 'delete', Operation>>>;
  /** Requests callbridge sends to an integration's webhook URL (OpenAPI 3.1 webhooks). */
  webhooks: Record<string, { post: Operation }>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
    schemas: Record<string, JsonSchema>;
  };
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

export function errorResponses(codes: ApiErrorCode[]): Operation['responses'] {
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

