/** Cancellation shared by the readers and the downloader: callers tell a cancel from a failure by `name === 'AbortError'`. */

export function abortError(what: string): Error {
  const error = new Error(`${what} was cancelled`);
  error.name = 'AbortError';
  return error;
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(what);
}
