/**
 * The `vaerec train` flag of each config field, so a configuration mistake reported by the shared
 * validation or by the trainer (which name config fields) can tell a terminal user which flag to change.
 */
export const TRAIN_FLAGS: Readonly<Record<string, string>> = {
  epochs: '--epochs',
  seed: '--seed',
  'protocol.heldoutUsers': '--heldout',
  'protocol.minRating': '--min-rating',
  batchSize: '--batch-size',
  learningRate: '--lr',
  l2: '--l2',
  annealCap: '--anneal-cap',
  annealSteps: '--anneal-steps',
  nextK: '--next-k',
  maxLength: '--max-length',
  backend: '--backend',
  'data.source': '--data',
  model: '--model',
};

/** The message with the flag that sets its field, e.g. "... lower the number of held-out users (--heldout)". */
export function withFlag(message: string, field: string | undefined): string {
  const flag = field === undefined ? undefined : TRAIN_FLAGS[field];
  return flag ? `${message} (${flag})` : message;
}
