/** RFC 4180 writing: a field with a comma, quote or line break is quoted and its quotes doubled. */
export function csvField(v: string | number | boolean | undefined | null): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  // A leading or trailing space is quoted too: some readers trim unquoted fields.
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CRLF line ends as RFC 4180 says; csv-parse, pandas and spreadsheets read them. */
export function csvLine(fields: readonly (string | number | boolean | undefined | null)[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}
