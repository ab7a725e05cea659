/** Field checks shared by the readers; each returns a reason string for a bad value, or null. */
import { quote } from '../../shared/text';

/** More digits than a double holds exactly: two different ids could become one. */
export const MAX_ID_DIGITS = 15;

/** MovieLens ids are non-negative decimal integers; returns the canonical form ("007" -> "7") or null. */
export function canonicalIntegerId(field: string): string | null {
  const n = field.length;
  if (n === 0 || n > MAX_ID_DIGITS) return null;
  for (let i = 0; i < n; i++) {
    const c = field.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return field.charCodeAt(0) === 48 && n > 1 ? String(Number(field)) : field;
}

/** Why `field` is not a MovieLens id (for a field canonicalIntegerId refused). */
export function idProblem(what: 'user' | 'item' | 'movie', field: string): string {
  const digits = /^\d+$/.test(field);
  if (digits) return `${what} id ${quote(field)} is too large (more than ${MAX_ID_DIGITS} digits)`;
  return `${what} id ${quote(field)} is not a non-negative integer`;
}

/** A finite number, or NaN for anything else (including the empty string, which Number() maps to 0). */
export function parseNumber(field: string): number {
  if (field.length === 0) return NaN;
  const value = Number(field);
  return Number.isFinite(value) ? value : NaN;
}

export function describeDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'tabs' : `'${delimiter}'`;
}
