/**
 * What every webview contract uses to check the messages its page sends. A message is untrusted: it
 * is accepted only in its exact shape (a known type, no extra fields, valid values), and a refusal
 * gives a short reason that never echoes the payload. A contract is a table of one check per type.
 */
import { isRecord } from './runSchema';

export type Parsed<T> = { ok: true; request: T } | { ok: false; reason: string };

/** One message type's check: the request in its exact shape, or why the message is refused. */
export type RequestCheck<T> = (message: Record<string, unknown>) => T | string;

export type RequestChecks<T extends { type: string }> = { [K in T['type']]: RequestCheck<Extract<T, { type: K }>> };

export function parseRequest<T extends { type: string }>(v: unknown, checks: RequestChecks<T>): Parsed<T> {
  if (!isRecord(v) || typeof v.type !== 'string') return { ok: false, reason: 'message is not an object with a type' };
  if (!Object.hasOwn(checks, v.type)) return { ok: false, reason: `unknown message type ${JSON.stringify(v.type).slice(0, 40)}` };
  const checked = (checks as Record<string, RequestCheck<T>>)[v.type](v);
  return typeof checked === 'string' ? { ok: false, reason: checked } : { ok: true, request: checked };
}

export function hasOnlyKeys(v: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(v).every((k) => keys.includes(k));
}

/** The check of a message that carries nothing but its type. */
export function bare<K extends string>(type: K): RequestCheck<{ type: K }> {
  return (m) => (hasOnlyKeys(m, ['type']) ? { type } : `${type}: unexpected fields`);
}

export function isIntegerIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** `v` as a list of at most `max` items that all pass `isItem`, or undefined. */
export function listOf<T>(v: unknown, isItem: (item: unknown) => item is T, max: number): T[] | undefined {
  if (!Array.isArray(v) || v.length > max) return undefined;
  return v.every(isItem) ? v : undefined;
}
