import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

/** Said for a field the schema did not word a message for; never the validator's own wording. */
export const FILL_IN_FIELD = 'Fill in this field.';

/**
 * Validates a submitted form; errors are keyed by field so each can be shown next to its input and in the error
 * summary. A field that is missing, sent twice (`email=a&email=b`) or array-shaped (`email[]=a`) counts as
 * empty, so it gets the same plain message the form gives an empty field.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.infer<S>> {
  const values = stringValues(body, requiredFieldNames(schema));
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.code === 'invalid_type' ? FILL_IN_FIELD : issue.message;
  }
  return { ok: false, errors, values: withoutSecrets(values) };
}

/**
 * The fields an object schema cannot do without (zod keeps them on .shape, also after .refine). Optional fields and
 * fields with a default stay absent when not sent, so their default still applies.
 */
function requiredFieldNames(schema: z.ZodType): string[] {
  const shape = (schema as { shape?: unknown }).shape;
  if (!shape || typeof shape !== 'object') return [];
  return Object.entries(shape as Record<string, z.ZodType>)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([name]) => name);
}

function stringValues(body: unknown, required: string[]): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(required.map((name) => [name, '']));
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** Passwords are never echoed back into a re-rendered form. */
function withoutSecrets(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => !/password|_csrf/i.test(key)));
}
