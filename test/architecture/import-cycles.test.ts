import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The house rule "no import cycle between folders of src/", type-only imports included. Each top-level folder of
 * src/ is one node, and so is each file directly in src/ (main.ts, app.ts, ...): src/calls/x.ts importing
 * src/wallet/y.ts is the edge calls -> wallet.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * Edges left out of the check until the work that removes them lands. Each names the file-level imports it stands
 * for; the test fails once an entry no longer exists, so that it is deleted rather than left to hide a new cycle.
 */
const ALLOWED_UNTIL_LANDED: Record<string, { reason: string }> = {};

type Edges = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The node a file of src/ belongs to: its top-level folder, or its own name when it lies directly in src/. */
function nodeOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

/** Every relative module a file names: import and export-from (type-only too), import(), require(). */
function importedPaths(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolveModule(dirname(file), name));
}

function resolveModule(fromDir: string, specifier: string): string {
  const target = resolve(fromDir, specifier);
  for (const candidate of [target.replace(/\.(m|c)?js$/, '.$1ts'), target, `${target}.ts`, join(target, 'index.ts')]) {
    if (existsSync(candidate) && !candidate.endsWith(sep)) return candidate;
  }
  return target;
}

/** Folder-level edges of src/, each with the file-level imports behind it. */
function folderEdges(): Edges {
  const edges: Edges = new Map();
  for (const file of sourceFiles(SRC)) {
    for (const target of importedPaths(file)) {
      if (relative(SRC, target).startsWith('..')) continue;
      const from = nodeOf(file);
      const to = nodeOf(target);
      if (from === to) continue;
      const key = `${from} -> ${to}`;
      edges.set(key, [...(edges.get(key) ?? []), `${relative(SRC, file)} -> ${relative(SRC, target)}`]);
    }
  }
  return edges;
}

/** Strongly connected components with more than one node (Tarjan): each is at least one cycle. */
export function cyclicGroups(edgeKeys: Iterable<string>): string[][] {
  const next = new Map<string, string[]>();
  for (const key of edgeKeys) {
    const [from, to] = key.split(' -> ') as [string, string];
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return groups;
}

function describeGroups(groups: string[][], edges: Edges): string {
  return groups
    .map((group) => {
      const inside = [...edges].filter(([key]) => {
        const [from, to] = key.split(' -> ') as [string, string];
        return group.includes(from) && group.includes(to);
      });
      return `cycle among ${group.join(', ')}:\n${inside.map(([key, files]) => `  ${key}\n${files.map((f) => `    ${f}`).join('\n')}`).join('\n')}`;
    })
    .join('\n');
}

describe('imports between folders of src/', () => {
  const edges = folderEdges();

  it('form no cycle, type-only imports included', () => {
    const checked = [...edges.keys()].filter((key) => !(key in ALLOWED_UNTIL_LANDED));
    const groups = cyclicGroups(checked);
    expect(groups, describeGroups(groups, edges)).toEqual([]);
  });

  it('allow only edges that still exist (delete an entry once its work has landed)', () => {
    const stale = Object.keys(ALLOWED_UNTIL_LANDED).filter((key) => !edges.has(key));
    expect(stale).toEqual([]);
  });

  it('are all seen by the walk: plain, type-only, re-exported and dynamic imports', () => {
    // Edges that exist for each kind of statement; if the walk misses a kind, these go missing first.
    expect(edges.has('calls -> db')).toBe(true);
    expect(edges.has('http -> shared')).toBe(true);
    expect(edges.get('accounts -> shared')?.some((f) => f.startsWith('accounts/users-repository.ts'))).toBe(true);
  });
});

describe('cyclicGroups', () => {
  it('finds two-folder and longer cycles, and nothing in a layered graph', () => {
    expect(cyclicGroups(['a -> b', 'b -> a'])).toEqual([['a', 'b']]);
    expect(cyclicGroups(['a -> b', 'b -> c', 'c -> a', 'c -> d'])).toEqual([['a', 'b', 'c']]);
    expect(cyclicGroups(['a -> b', 'b -> c', 'a -> c', 'd -> a'])).toEqual([]);
  });

  it('reads type-only imports, export-from and import() through the TypeScript scanner', () => {
    const source = "import type { A } from './a.js';\nexport { B } from '../b/b.js';\nexport * from './c.js';\ntype D = typeof import('./d.js');\nconst e = await import('./e.js');";
    const names = ts.preProcessFile(source, true, true).importedFiles.map((ref) => ref.fileName);
    expect(names.sort()).toEqual(['../b/b.js', './a.js', './c.js', './d.js', './e.js']);
  });
});
