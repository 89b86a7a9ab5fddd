/** One problem in an uploaded rate file, located so a person can fix it in a spreadsheet. */
export interface DeckError {
  line: number;
  column?: string;
  message: string;
}

export function describeDeckError(error: DeckError): string {
  return `line ${error.line}${error.column ? `, column ${error.column}` : ''}: ${error.message}`;
}

/** Thrown when a rate file is refused; nothing has been applied. */
export class DeckImportError extends Error {
  constructor(readonly errors: DeckError[], readonly truncated = false) {
    const shown = errors.slice(0, 5).map(describeDeckError).join('; ');
    const more = errors.length > 5 || truncated ? ` (and more: ${errors.length}${truncated ? '+' : ''} problems in all)` : '';
    super(`Rate file refused, nothing changed: ${shown}${more}`);
    this.name = 'DeckImportError';
  }
}
