/**
 * Extracts, from Stripe's official OpenAPI spec (github.com/stripe/openapi, openapi/spec3.json), the response
 * and form-body schemas of the operations our Stripe simulator (src/sim/stripe/rest.ts) serves, as one JSON Schema document that
 * ajv compiles directly: OpenAPI 3.0's `nullable` becomes a `null` alternative, `#/components/schemas/X` refs become
 * `#/$defs/X`, and documentation keys (description, title, x-*, format) are dropped. `additionalProperties` is kept
 * as the spec states it. To keep the fixture small, an expandable field whose object the simulator never serves is
 * cut to its id string (or any object carrying an id, should it arrive expanded).
 *
 * Usage: npx tsx scripts/extract-stripe-schemas.ts <spec3.json> <commit> [out.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';

type Schema = Record<string, unknown>;

/** The operations the simulator implements (keep in step with src/sim/stripe/rest.ts). */
const OPERATIONS = [
  'post /v1/checkout/sessions',
  'get /v1/checkout/sessions/{session}',
  'get /v1/checkout/sessions/{session}/line_items',
  'post /v1/checkout/sessions/{session}/expire',
  'post /v1/customers',
  'get /v1/customers/{customer}',
  'get /v1/customers/{customer}/payment_methods',
  'get /v1/payment_methods/{payment_method}',
  'post /v1/payment_methods/{payment_method}/attach',
  'post /v1/payment_methods/{payment_method}/detach',
  'post /v1/payment_intents',
  'get /v1/payment_intents/{intent}',
  'get /v1/charges/{charge}',
  'post /v1/refunds',
  'get /v1/refunds/{refund}',
  'get /v1/events/{id}',
];
/** Objects the simulator serves, at top level, expanded, or as an event's data.object: kept whole. */
const SERVED = ['checkout.session', 'customer', 'payment_method', 'payment_intent', 'charge', 'refund', 'dispute', 'event', 'item', 'error'];

const [specPath, commit, out = 'test/fixtures/stripe-openapi-schemas.json'] = process.argv.slice(2);
if (!specPath || !commit) throw new Error('usage: extract-stripe-schemas.ts <spec3.json> <commit> [out.json]');
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { openapi: string; info: { version: string }; paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema: Schema }> }; responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>; components: { schemas: Record<string, Schema> } };
const components = spec.components.schemas;
const defs: Record<string, Schema> = {};
const refName = (ref: string) => ref.replace('#/components/schemas/', '');
const idOnly: Schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  const source = node as Schema;
  if (typeof source.$ref === 'string') return refTo(refName(source.$ref));
  let schema: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('x-') || ['description', 'title', 'format', 'nullable'].includes(key)) continue;
    if (key === 'properties') schema.properties = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, convert(v)]));
    else if (key === 'anyOf' && source['x-expansionResources']) schema.anyOf = (value as Schema[]).map((alt) => (typeof alt.$ref === 'string' && !SERVED.includes(refName(alt.$ref)) ? idOnly : convert(alt)));
    else schema[key] = convert(value);
  }
  if (source.nullable === true) {
    if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
    if (Array.isArray(schema.enum)) schema.enum = [...(schema.enum as unknown[]), null];
    if (Array.isArray(schema.anyOf)) schema.anyOf = [...(schema.anyOf as unknown[]), { type: 'null' }];
    if (!schema.type && !schema.enum && !schema.anyOf) schema = { anyOf: [schema, { type: 'null' }] };
  }
  return schema;
}

function refTo(name: string): Schema {
  if (!(name in defs)) {
    if (!components[name]) throw new Error(`missing component ${name}`);
    defs[name] = {}; // placeholder against cycles
    defs[name] = convert(components[name]) as Schema;
  }
  return { $ref: `#/$defs/${name}` };
}

const operations: Record<string, Record<string, Schema>> = {};
/** The form body of each POST (what the app, through the SDK, sends). */
const requests: Record<string, Schema> = {};
for (const op of OPERATIONS) {
  const [method, path] = op.split(' ') as [string, string];
  const responses = spec.paths[path]?.[method]?.responses;
  if (!responses) throw new Error(`operation ${op} not in the spec`);
  operations[op] = Object.fromEntries(Object.entries(responses).map(([status, r]) => [status, convert(r.content!['application/json']!.schema) as Schema]));
  const form = spec.paths[path]![method]!.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
  if (method === 'post' && form) requests[op] = convert(form) as Schema;
}
for (const name of SERVED) refTo(name);

const document = {
  _source: { repository: 'https://github.com/stripe/openapi', path: 'openapi/spec3.json', commit, specVersion: spec.info.version, openapi: spec.openapi, extractedBy: 'scripts/extract-stripe-schemas.ts' },
  operations,
  requests,
  $defs: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(out, `${JSON.stringify(document)}\n`);
console.log(`${out}: ${Object.keys(operations).length} operations, ${Object.keys(requests).length} request bodies, ${Object.keys(defs).length} schemas, ${JSON.stringify(document).length} bytes`);
