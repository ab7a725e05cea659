/**
 * The names inside a run directory, for the trainer that writes it and every reader (the contents
 * of each file: runSchema.ts):
 *   run.json              RunRecord, rewritten atomically (temp file + rename) at each state change
 *   metrics.jsonl         MetricsLine per line, append-only; a torn last line is tolerated
 *   model/                the saved weights of the best-validation epoch (TensorFlow.js format, or
 *                         the popularity counts)
 *   recommendations.json  top-100 recommendations of every test user (TestRecommendations)
 *   split.json            the held-out users and their fold-in/target items, for inspection
 *   training-state/       where training stands after the last completed epoch (weights, Adam's
 *                         moments, step counts, the generators' states, the metrics.jsonl length),
 *                         swapped in whole every epoch: what `vaerec train --resume` continues from
 *   stop-request.json     written by a sweep's coordinator to stop the run early (a RunStop); the
 *                         trainer reads it when it is cancelled and records the run as `stopped`
 */

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const MODEL_DIR = 'model';
export const RECOMMENDATIONS_FILE = 'recommendations.json';
export const SPLIT_FILE = 'split.json';
export const STOP_REQUEST_FILE = 'stop-request.json';
export const TRAINING_STATE_DIR = 'training-state';

/** Where a checkpoint swap keeps the last complete copy of `name` while the new one is renamed in. */
export function previousCheckpointDir(name: string): string {
  return `.${name}.prev`;
}
