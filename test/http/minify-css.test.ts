import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { minifyCss } from '../../src/http/minify-css.js';
import { publicDir } from '../../src/paths.js';

describe('minifyCss', () => {
  it('drops comments and layout whitespace, keeps what whitespace means', () => {
    const source = `/* header */\n.site-header  .nav a :hover {\n  margin: 0 auto;  /* centred */\n  grid-template-columns: repeat(2, 1fr);\n}\n\n@media (max-width: 40rem) {\n  .a > .b { padding: calc(1rem + 2px) }\n}\n`;
    expect(minifyCss(source)).toBe('.site-header .nav a :hover{margin: 0 auto;grid-template-columns: repeat(2, 1fr);}@media (max-width: 40rem){.a > .b{padding: calc(1rem + 2px)}}');
  });

  it('copies strings as written, even with comment marks, quotes and runs of spaces inside', () => {
    expect(minifyCss(`.x::after { content: " /min  /* not a comment */"; }`)).toBe(`.x::after{content: " /min  /* not a comment */";}`);
    expect(minifyCss(`.y::before { content: 'it\\'s  "here"'; }`)).toBe(`.y::before{content: 'it\\'s  "here"';}`);
    expect(minifyCss(`.z { content: "never closed`)).toBe(`.z{content: "never closed`);
  });

  it('our stylesheet keeps every rule and declaration and gets smaller on the wire', () => {
    const css = readFileSync(join(publicDir, 'app.css'), 'utf8');
    const min = minifyCss(css);
    const count = (text: string, c: string) => text.split(c).length - 1;
    const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, '');
    for (const c of ['{', '}', ';', ':', ',', '"']) expect(count(min, c), c).toBe(count(withoutComments, c));
    const brotli = (text: string) => brotliCompressSync(Buffer.from(text), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    expect(brotli(min)).toBeLessThan(brotli(css) - 300);
  });
});
