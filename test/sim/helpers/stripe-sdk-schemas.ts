import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../src/paths.js';

/**
 * JSON Schemas derived from the `stripe` package's own generated TypeScript types (cjs/resources/*.d.ts, which the
 * SDK generates from Stripe's OpenAPI spec; see its OPENAPI_VERSION). We have no copy of the current spec3.json, so
 * this is the closest machine-readable statement of Stripe's shapes available offline. Each top-level interface
 * becomes an object schema: every property it declares (required unless marked `?`), none it does not
 * (additionalProperties false), primitive types and string-literal enums checked, nested objects only as "object".
 */
const resources = join(projectRoot, 'node_modules', 'stripe', 'cjs', 'resources');

type Schema = Record<string, unknown>;

function interfaceBody(source: string, name: string): string {
  const start = source.indexOf(`\nexport interface ${name} {`);
  if (start < 0) throw new Error(`interface ${name} not found`);
  const end = source.indexOf('\n}', start + 1);
  return source.slice(start, end);
}

function aliasOf(source: string, namespace: string, alias: string): string | undefined {
  const ns = source.indexOf(`export declare namespace ${namespace} {`);
  if (ns < 0) return undefined;
  const match = new RegExp(`\\n    type ${alias} = ([^;]+);`).exec(source.slice(ns));
  // `| OtherString` keeps the SDK's enums open for values added later; the simulator must use the listed ones.
  return match?.[1]?.replace(/\s+/g, ' ').replace(/\|\s*OtherString/g, '');
}

function typeSchema(source: string, namespace: string, type: string, depth = 0): Schema {
  const parts = type.split('|').map((p) => p.trim()).filter(Boolean);
  const options: Schema[] = [];
  for (const part of parts) {
    if (part === 'string') options.push({ type: 'string' });
    else if (part === 'number') options.push({ type: 'number' });
    else if (part === 'boolean') options.push({ type: 'boolean' });
    else if (part === 'null') options.push({ type: 'null' });
    else if (/^'[^']*'$/.test(part)) options.push({ const: part.slice(1, -1) });
    else if (part === 'Metadata') options.push({ type: 'object', additionalProperties: { type: 'string' } });
    else if (/^Array<.*>$/.test(part) || part.endsWith('[]')) options.push({ type: 'array' });
    else if (part.startsWith(`${namespace}.`) && depth < 2) {
      const alias = aliasOf(source, namespace, part.slice(namespace.length + 1));
      options.push(alias && /^('[^']*'|string|null| |\|)+$/.test(alias) ? typeSchema(source, namespace, alias, depth + 1) : { type: ['object', 'string'] });
    } else return {}; // an expandable object or a type we do not follow: anything
  }
  return options.length === 1 ? options[0]! : { anyOf: options };
}

/** The schema of `export interface <name>` in resources/<file>.d.ts. */
export function sdkObjectSchema(file: string, name: string, namespace = name): Schema {
  const source = readFileSync(join(resources, `${file}.d.ts`), 'utf8');
  const body = interfaceBody(source, name);
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const match of body.matchAll(/\n {4}(\w+)(\??): ([^;]+);/g)) {
    const [, prop, optional, type] = match;
    properties[prop!] = typeSchema(source, namespace, type!.replace(/\s+/g, ' '));
    if (!optional) required.push(prop!);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** The error body (stripe-behavior.md §1.5; the SDK's StripeRawError). */
export const errorSchema: Schema = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message'],
      additionalProperties: false,
      properties: {
        type: { enum: ['api_error', 'card_error', 'idempotency_error', 'invalid_request_error'] },
        code: { type: 'string' }, decline_code: { type: ['string', 'null'] }, message: { type: 'string' }, param: { type: 'string' }, doc_url: { type: 'string' },
        charge: { type: 'string' }, payment_intent: { type: 'object' }, payment_method: { type: 'object' },
      },
    },
  },
};

export const listSchema = (items: Schema): Schema => ({ type: 'object', required: ['object', 'data', 'has_more', 'url'], additionalProperties: false, properties: { object: { const: 'list' }, data: { type: 'array', items }, has_more: { type: 'boolean' }, url: { type: 'string' } } });
