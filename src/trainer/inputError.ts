/**
 * A problem with what the user gave (a data file, an option, a protocol the data cannot meet), as
 * opposed to a run that failed. The CLI exits 2 for it and 1 for a failure; the trainer reports
 * which it was in its `done` message.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
