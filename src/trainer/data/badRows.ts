/** The bad-row policy: stop at the first malformed row, or skip it and keep a visible record of it. */
import { DataError, type SkippedRows } from './types';

const EXAMPLES_KEPT = 5;

export class BadRows {
  readonly skipped: SkippedRows = { count: 0, examples: [] };

  constructor(private readonly policy: 'error' | 'skip') {}

  /** Throws a DataError under the 'error' policy; otherwise records the row as skipped. */
  report(file: string, line: number, reason: string): void {
    if (this.policy === 'error') throw new DataError(reason, file, line);
    this.skipped.count++;
    if (this.skipped.examples.length < EXAMPLES_KEPT) this.skipped.examples.push(`${file}:${line}: ${reason}`);
  }
}
