/**
 * Untrusted text inside our messages. A field quoted from a data file can be a megabyte of garbage
 * (a crash-damaged file, a line of NUL bytes): it is shown cut to a readable length with its size,
 * and every message that leaves a process (IPC, stderr, a notification) is one bounded line.
 */

/** How much of a quoted field is shown. */
export const QUOTE_MAX_CHARS = 80;
/** The longest message line we print or send (long enough for any path and a reason). */
export const MESSAGE_MAX_CHARS = 2000;

/** A value quoted as JSON (control characters escaped); beyond `max` characters cut, with its length. */
export function quote(value: string, max = QUOTE_MAX_CHARS): string {
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`;
}

/**
 * The first line of `text`, other control characters escaped, cut to `max` characters with the
 * number left out: what a user sees of an error whatever produced it.
 */
export function oneLine(text: string, max = MESSAGE_MAX_CHARS): string {
  const first = text.split('\n', 1)[0].replace(/\r$/, '');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  const escaped = first.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return escaped.length <= max ? escaped : `${escaped.slice(0, max)}… (${escaped.length - max} more characters)`;
}
