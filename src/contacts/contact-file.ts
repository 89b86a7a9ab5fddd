/** What the importers read from a file, before any number is checked: plain data, line numbers for the preview. */
export interface RawNumber {
  label: string;
  value: string;
}

export interface RawContact {
  /** The file's line where this contact starts (1-based), named in the preview. */
  line: number;
  name: string;
  company: string;
  notes: string;
  favourite: boolean;
  numbers: RawNumber[];
}

export interface InvalidLine {
  line: number;
  reason: string;
}

export interface ParsedFile {
  format: 'csv' | 'vcard';
  contacts: RawContact[];
  invalid: InvalidLine[];
}

/** A contact as the exporters write it (numbers already in E.164). */
export interface ExportContact {
  name: string;
  company: string;
  notes: string;
  favourite: boolean;
  numbers: Array<{ label: string; e164: string }>;
}

/** vCard or CSV, told by the content (a file's name is whatever the user called it). */
export function looksLikeVcard(text: string): boolean {
  return /^\s*BEGIN:VCARD\b/i.test(text.replace(/^\uFEFF/, ''));
}
