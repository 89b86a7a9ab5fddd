/**
 * Where to go after log-in, sign-up or an email confirmation: only a path on this site. A value that is not one
 * ("https://evil", "//evil", "/\evil", or one with a control character, which browsers strip: "/\t/evil" would become
 * "//evil") gives "/". Used for ?next= and the hidden `next` fields, and for the next carried in a confirmation link.
 */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) return '/';
  if (!/^\/(?![/\\])/.test(value) || /[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  return value;
}

/** `next` as a query parameter to append ("" when it is the home page, the default anyway). */
export const nextQuery = (next: string, sep: '?' | '&' = '?'): string => (next === '/' ? '' : `${sep}next=${encodeURIComponent(next)}`);
