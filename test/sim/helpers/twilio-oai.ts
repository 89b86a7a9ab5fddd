import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';

/**
 * Validation of response bodies against Twilio's official OpenAPI description (twilio-oai, shipped in the
 * @twilio-alpha/mcp package). Schemas are read from the package at test time, never copied.
 */
// ajv-formats is CommonJS: under Node's ESM interop the plugin is the module's `default` export.
const addFormats = ajvFormats.default;
const require = createRequire(import.meta.url);
const specDir = join(dirname(require.resolve('@twilio-alpha/mcp/package.json')), 'twilio-oai', 'spec', 'json');

export type SpecName = 'twilio_api_v2010' | 'twilio_pricing_v2' | 'twilio_verify_v2';

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown; examples?: Record<string, { value: unknown }> }> }> }>>;
  components: { schemas: Record<string, unknown> };
}

const specs = new Map<SpecName, OpenApi>();
export function loadSpec(name: SpecName): OpenApi {
  let spec = specs.get(name);
  if (!spec) {
    spec = JSON.parse(readFileSync(join(specDir, `${name}.json`), 'utf8')) as OpenApi;
    specs.set(name, spec);
  }
  return spec;
}

export function responseOf(name: SpecName, path: string, method: string, status: number) {
  const response = loadSpec(name).paths[path]?.[method]?.responses[String(status)]?.content?.['application/json'];
  if (!response) throw new Error(`${name} has no ${method.toUpperCase()} ${path} ${status} JSON response`);
  return response;
}

/**
 * The one place where the simulator deliberately departs from the schema: Pricing v2 declares prices as `number`
 * (and inbound `number_type` as non-null), but Twilio sends prices as strings and nulls for numbers that are not
 * yours — the spec's own examples do (see the test proving the examples break exactly these fields).
 */
const PRICING_STRING_FIELDS = new Set(['base_price', 'current_price', 'number_type']);

/**
 * Tightens the spec for our purpose: every listed property must be present (Twilio sends all keys, null when
 * empty) and no unlisted property may appear, so a misspelled or missing field fails. `patchPrices` applies the
 * documented Pricing deviation.
 */
function tighten(node: unknown, patchPrices: boolean, strict: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => tighten(n, patchPrices, strict));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value).map(([prop, schema]) => {
        if (patchPrices && PRICING_STRING_FIELDS.has(prop)) return [prop, { type: 'string', nullable: true, pattern: prop === 'number_type' ? undefined : '^\\d+(\\.\\d+)?$' }];
        return [prop, tighten(schema, patchPrices, strict)];
      }).map(([prop, schema]) => [prop, stripUndefined(schema)]));
    } else if (key !== 'examples' && key !== 'example') {
      out[key] = tighten(value, patchPrices, strict);
    }
  }
  // OpenAPI 3.0 allows `nullable` without `type` (meaning anything, or null); Ajv insists on a type alongside it.
  if (out.nullable === true && out.type === undefined) delete out.nullable;
  if (strict && out.properties && typeof out.properties === 'object') {
    out.additionalProperties = false;
    out.required = Object.keys(out.properties);
  }
  return out;
}

function stripUndefined(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv, ['date-time', 'date', 'uri-reference']);
  ajv.addFormat('date-time-rfc-2822', /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  ajv.addFormat('currency', /^[A-Z]{3}$/);
  ajv.addFormat('iso-country-code', /^[A-Z]{2}$/);
  ajv.addFormat('phone-number', /^\+[1-9]\d{1,14}$/);
  // Twilio's "uri" includes the root-relative paths of v2010 list envelopes (its own examples use them).
  ajv.addFormat('uri', /^(https?:\/\/[^\s]+|\/[^\s]*)$/);
  for (const loose of ['endpoint', 'http-method', 'ice-server', 'int64', 'phone-number-capabilities', 'twiml', 'uri-map',
    'inbound-call-price', 'outbound-call-price-with-origin', 'outbound-prefix-price-with-origin']) ajv.addFormat(loose, true);
  return ajv;
}

const strictAjv = newAjv();
const looseAjv = newAjv();
const compiled = new Map<string, ValidateFunction>();

export interface SchemaCheck {
  valid: boolean;
  errors: ErrorObject[];
}

export function validateResponse(name: SpecName, path: string, method: string, status: number, body: unknown, mode: 'strict' | 'as-published' = 'strict'): SchemaCheck {
  const key = `${mode}:${name}:${method}:${path}:${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    const spec = loadSpec(name);
    const strict = mode === 'strict';
    const patch = strict && name === 'twilio_pricing_v2';
    const schema = {
      ...(tighten(responseOf(name, path, method, status).schema, patch, strict) as object),
      components: { schemas: tighten(spec.components.schemas, patch, strict) },
    };
    validate = (strict ? strictAjv : looseAjv).compile(schema);
    compiled.set(key, validate);
  }
  const valid = validate(body);
  return { valid, errors: validate.errors ?? [] };
}
