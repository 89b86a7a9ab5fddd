import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import type { Response } from 'supertest';
import { openApiDocument, type OpenApiDocument } from '../../../src/api/openapi.js';
import { CALL_STATUSES } from '../../../src/calls/history-repository.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/**
 * Checks a real response against the OpenAPI document the app serves: the path and method must be documented, the
 * status must be listed for that operation, and the JSON body must validate (components resolved via $ref).
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ReturnType<Ajv2020['compile']>>();

  constructor(readonly document: OpenApiDocument = openApiDocument('http://localhost', CALL_STATUSES)) {
    addFormats(this.ajv);
  }

  /** A payload callbridge sends (a webhook), checked against the document's components. */
  assertSchema(component: string, body: unknown): void {
    const key = `component ${component}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `#/components/schemas/${component}`, components: this.document.components });
      this.compiled.set(key, validate);
    }
    expect(validate(body), `${component} does not match the document: ${JSON.stringify(validate.errors)}`).toBe(true);
  }

  /** `template` is the documented path (e.g. '/calls/{id}'); `res` a supertest response from /api/v1. */
  assertValid(method: 'get' | 'post' | 'delete', template: string, res: Response): void {
    const operation = this.document.paths[template]?.[method];
    expect(operation, `${method.toUpperCase()} ${template} is not in the OpenAPI document`).toBeDefined();
    const documented = operation!.responses[String(res.status)];
    expect(documented, `${method.toUpperCase()} ${template} does not document status ${res.status}: ${res.text.slice(0, 200)}`).toBeDefined();
    const schema = documented!.content?.['application/json']?.schema;
    if (!schema) {
      expect(res.text, `${res.status} should have no body`).toBe('');
      return;
    }
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const key = `${method} ${template} ${res.status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...schema, components: this.document.components });
      this.compiled.set(key, validate);
    }
    const ok = validate(res.body);
    expect(ok, `${key} body does not match the document: ${JSON.stringify(validate.errors)}\n${res.text.slice(0, 500)}`).toBe(true);
    for (const header of Object.keys(documented!.headers ?? {})) expect(res.headers[header.toLowerCase()], `${key} must send ${header}`).toBeDefined();
  }
}
