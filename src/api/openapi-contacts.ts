import { AUTH_ERRORS, errorResponses, json, ref, type JsonSchema, type OpenApiDocument } from './openapi-parts.js';

/** The address book's part of the API document (the routes are in api-contacts.ts). */
const idPath = { name: 'id', in: 'path' as const, required: true, schema: { type: 'string', pattern: '^[0-9]{1,10}$' } };

const number: JsonSchema = {
  type: 'object',
  required: ['label', 'e164'],
  additionalProperties: false,
  properties: { label: { type: 'string', maxLength: 30, examples: ['mobile'] }, e164: { type: 'string', pattern: '^\\+[1-9][0-9]{1,14}$' } },
};

export function contactSchemas(): Record<string, JsonSchema> {
  return {
    Contact: {
      type: 'object',
      required: ['id', 'name', 'company', 'notes', 'favourite', 'numbers', 'createdAt', 'updatedAt', 'links'],
      additionalProperties: false,
      properties: {
        id: { type: 'integer', minimum: 1 },
        name: { type: 'string', maxLength: 100 },
        company: { type: 'string', maxLength: 100 },
        notes: { type: 'string', maxLength: 2000 },
        favourite: { type: 'boolean' },
        numbers: { type: 'array', minItems: 1, maxItems: 10, items: number },
        createdAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
        links: { type: 'object', required: ['self', 'page'], additionalProperties: false, properties: { self: { type: 'string' }, page: { type: 'string' } } },
      },
    },
    ContactList: {
      type: 'object',
      required: ['data', 'nextCursor'],
      additionalProperties: false,
      properties: { data: { type: 'array', items: ref('Contact') }, nextCursor: { oneOf: [{ type: 'string' }, { type: 'null' }] } },
    },
  };
}

export function contactPaths(): OpenApiDocument['paths'] {
  const contact = json(ref('Contact'));
  return {
    '/contacts': {
      get: {
        operationId: 'listContacts',
        summary: 'Your contacts by name, or those matching a search (name, company, or digits of a number)',
        tags: ['contacts'],
        parameters: [
          { name: 'q', in: 'query', description: 'Search text: part of a name or company, or 3+ digits of a number.', schema: { type: 'string', maxLength: 60 } },
          { name: 'cursor', in: 'query', description: 'nextCursor from the previous page.', schema: { type: 'string' } },
          { name: 'limit', in: 'query', description: '1 to 100 (default 25).', schema: { type: 'integer', minimum: 1, maximum: 100 } },
        ],
        responses: { '200': { description: 'A page of contacts', content: json(ref('ContactList')) }, ...errorResponses([...AUTH_ERRORS, 'invalid_request']) },
      },
      post: {
        operationId: 'createContact',
        summary: 'Add a contact (a token with the "calls" scope)',
        description: 'Numbers are read as the dial page reads them (E.164 best); a number already in another contact is refused with 409.',
        tags: ['contacts'],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['name', 'numbers'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', maxLength: 100 },
              company: { type: 'string', maxLength: 100 },
              notes: { type: 'string', maxLength: 2000 },
              favourite: { type: 'boolean' },
              numbers: { type: 'array', minItems: 1, maxItems: 10, items: { type: 'object', required: ['number'], additionalProperties: false, properties: { number: { type: 'string', maxLength: 40 }, label: { type: 'string', maxLength: 30 } } } },
            },
          }),
        },
        responses: { '201': { description: 'The contact', content: contact }, ...errorResponses([...AUTH_ERRORS, 'invalid_json', 'invalid_request', 'unsupported_media_type', 'payload_too_large', 'insufficient_scope', 'contact_number_taken']) },
      },
    },
    '/contacts/{id}': {
      get: {
        operationId: 'getContact',
        summary: 'One of your contacts',
        tags: ['contacts'],
        parameters: [idPath],
        responses: { '200': { description: 'The contact', content: contact }, ...errorResponses([...AUTH_ERRORS, 'not_found']) },
      },
      delete: {
        operationId: 'deleteContact',
        summary: 'Delete one of your contacts (a token with the "calls" scope); calls to it stay in your history',
        tags: ['contacts'],
        parameters: [idPath],
        responses: { '204': { description: 'Deleted' }, ...errorResponses([...AUTH_ERRORS, 'insufficient_scope', 'not_found']) },
      },
    },
  };
}
