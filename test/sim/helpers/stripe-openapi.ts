import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { projectRoot } from '../../../src/paths.js';

/**
 * Validation against Stripe's official OpenAPI spec: test/fixtures/stripe-openapi-schemas.json holds the response
 * schemas of the operations the simulator serves, extracted from github.com/stripe/openapi by
 * scripts/extract-stripe-schemas.ts (see its `_source` and docs/payments.md).
 */
type Schema = Record<string, unknown>;
interface Fixture { _source: Record<string, string>; operations: Record<string, Record<string, Schema>>; requests: Record<string, Schema>; $defs: Record<string, Schema> }

export const stripeOpenapi = JSON.parse(readFileSync(join(projectRoot, 'test', 'fixtures', 'stripe-openapi-schemas.json'), 'utf8')) as Fixture;

/**
 * The newest spec3.json we could obtain (see `_source.specVersion`) predates the API version the SDK pins (the
 * simulator answers as that version). These are the changes Stripe made since, as published in its API changelog;
 * each is applied to a copy of the official schema, and test/sim/stripe-schema.test.ts checks that the fixture
 * still has the old shape, so regenerating from a newer spec flags the entries to delete.
 */
// The schemas are plain JSON patched in place; `any` keeps these one-line edits readable.
type Patchable = { $defs: Record<string, any>; requests: Record<string, any> };
export const apiChangesSinceSpec: { change: string; stillOld: (spec: Patchable) => boolean; apply: (spec: Patchable) => void }[] = [
  {
    change: 'Checkout Session cancel_url became optional, in the create request and (nullable) in the object (2022-08)',
    stillOld: ({ $defs, requests }) => $defs['checkout.session'].properties.cancel_url.type === 'string' && requests['post /v1/checkout/sessions'].required.includes('cancel_url'),
    apply: ({ $defs, requests }) => {
      $defs['checkout.session'].properties.cancel_url.type = ['string', 'null'];
      $defs['checkout.session'].required = $defs['checkout.session'].required.filter((k: string) => k !== 'cancel_url');
      requests['post /v1/checkout/sessions'].required = requests['post /v1/checkout/sessions'].required.filter((k: string) => k !== 'cancel_url');
    },
  },
  {
    change: 'PaymentIntent capture_method gained automatic_async, the default since API version 2024-04-10',
    stillOld: ({ $defs }) => !$defs.payment_intent.properties.capture_method.enum.includes('automatic_async'),
    apply: ({ $defs }) => { $defs.payment_intent.properties.capture_method.enum.push('automatic_async'); },
  },
  {
    change: 'Charge no longer includes refunds unless expanded (API version 2022-11-15)',
    stillOld: ({ $defs }) => $defs.charge.required.includes('refunds'),
    apply: ({ $defs }) => { $defs.charge.required = $defs.charge.required.filter((k: string) => k !== 'refunds'); },
  },
];
const current: Patchable = structuredClone({ $defs: stripeOpenapi.$defs, requests: stripeOpenapi.requests });
for (const { apply } of apiChangesSinceSpec) apply(current);
const currentDefs = current.$defs;

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema({ $id: 'stripe-openapi', $defs: currentDefs });
const compile = (schema: Schema) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"stripe-openapi#/$defs/')) as Schema);

const operations = Object.entries(stripeOpenapi.operations).map(([key, responses]) => {
  const [method, path] = key.split(' ') as [string, string];
  const pattern = new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`);
  const byStatus = Object.fromEntries(Object.entries(responses).map(([status, schema]) => [status, compile(schema)]));
  return { key, method: method.toUpperCase(), pattern, byStatus };
});
const objectValidators = new Map<string, ValidateFunction>();
const objectValidator = (object: string) => {
  if (!objectValidators.has(object) && stripeOpenapi.$defs[object]) objectValidators.set(object, compile({ $ref: `#/$defs/${object}` }));
  return objectValidators.get(object);
};

/** What the official schema of the object named by `body.object` rejects (an event's data.object too). */
export function officialObjectProblems(body: unknown): string[] {
  const object = String((body as { object?: unknown }).object);
  const validate = objectValidator(object);
  if (!validate) return [`no official schema for object ${object}`];
  const found = validate(body) ? [] : [`${object}: ${ajv.errorsText(validate.errors)}`];
  if (object === 'event') found.push(...officialObjectProblems((body as { data: { object: unknown } }).data.object));
  return found;
}

/** What the official schema of this operation's response (200, else `default`, the error body) rejects. */
export function officialResponseProblems(entry: { method: string; path: string; status: number; response: unknown }): string[] {
  const operation = operations.find((op) => op.method === entry.method && op.pattern.test(entry.path));
  // Unrecognized URLs answer Stripe's error body; the spec has no operation for them, so check it as `error`.
  const validate = operation ? operation.byStatus[String(entry.status)] ?? operation.byStatus.default : objectValidator('error');
  if (!validate) return [`${entry.method} ${entry.path}: no official schema for status ${entry.status}`];
  const found = validate(entry.response) ? [] : [`${entry.method} ${entry.path} ${entry.status}: ${ajv.errorsText(validate.errors)}`];
  const data = (entry.response as { object?: string; data?: unknown }).object === 'event' ? [(entry.response as { data: { object: unknown } }).data.object] : [];
  return [...found, ...data.flatMap(officialObjectProblems)];
}

// Form bodies carry every value as a string; coercion lets "1000" meet `type: integer` as Stripe's parser does.
const formAjv = new Ajv({ allErrors: true, strict: false, coerceTypes: true });
formAjv.addSchema({ $id: 'stripe-openapi', $defs: currentDefs });
const requestValidators = Object.entries(current.requests).map(([key, schema]) => {
  const [method, path] = key.split(' ') as [string, string];
  const validate = formAjv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"stripe-openapi#/$defs/')) as Schema);
  return { method: method.toUpperCase(), pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`), validate };
});

/** What the official schema of this POST's form body rejects; undefined when the operation has none (GETs). */
export function officialRequestProblems(entry: { method: string; path: string; body: Record<string, unknown> }): string[] | undefined {
  const found = requestValidators.find((op) => op.method === entry.method && op.pattern.test(entry.path));
  if (!found) return undefined;
  return found.validate(structuredClone(entry.body)) ? [] : [`${entry.method} ${entry.path} request: ${formAjv.errorsText(found.validate.errors)}`];
}
