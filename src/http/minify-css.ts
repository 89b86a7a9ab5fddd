/**
 * Our stylesheet without its comments and layout whitespace: ~450 B less of the dial page's first load with brotli,
 * paid by users on metered links, while public/app.css stays written for people. Strings are copied as they are; a
 * run of whitespace becomes one space (it can be a descendant combinator, or separate values), and is dropped only
 * next to `{`, `}`, `;` and at the ends, where it never means anything.
 */
export function minifyCss(source: string): string {
  let out = '';
  let pendingSpace = false;
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end === -1 ? source.length : end + 2;
      pendingSpace = true;
      continue;
    }
    if (/\s/.test(c)) {
      pendingSpace = true;
      i++;
      continue;
    }
    const token = c === '"' || c === "'" ? stringAt(source, i) : c;
    if (pendingSpace && out !== '' && !isTight(out.at(-1)!) && !isTight(c)) out += ' ';
    pendingSpace = false;
    out += token;
    i += token.length;
  }
  return out;
}

function isTight(c: string): boolean {
  return c === '{' || c === '}' || c === ';';
}

/** The string literal starting at `start`, quotes and escapes included (to the end if it is never closed). */
function stringAt(source: string, start: number): string {
  const quote = source[start]!;
  let i = start + 1;
  while (i < source.length && source[i] !== quote) i += source[i] === '\\' ? 2 : 1;
  return source.slice(start, Math.min(i + 1, source.length));
}
