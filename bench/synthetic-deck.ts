import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir } from '../src/paths.js';

/**
 * A deck of `rows` rates in our CSV format, built by extending the sample deck's prefixes with more digits, so
 * every row is valid and prefixes are unique: what a carrier's full deck looks like to the importer and the index.
 */
export function syntheticDeckCsv(rows: number): string {
  const [comment, header, ...sample] = readFileSync(join(dataDir, 'rates.csv'), 'utf8').trimEnd().split('\n');
  void comment;
  const lines = [header!];
  for (let i = 0; lines.length <= rows; i++) {
    const cells = sample[i % sample.length]!.split(',');
    if (cells.length !== 11) continue; // a quoted country name with a comma: skip rather than re-quote
    cells[2] = `${cells[2]}${String(i).padStart(5, '0')}`;
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
