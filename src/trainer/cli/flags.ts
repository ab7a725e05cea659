/**
 * The `vaerec train` flag of each config field, so a configuration mistake reported by the shared
 * validation or by the trainer (which name config fields) can tell a terminal user which flag to change.
 * Derived from the configuration-key table, the one list of flags.
 */
import { CONFIG_KEYS } from '../../shared/configKeys';

export const TRAIN_FLAGS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(CONFIG_KEYS.map((k) => [k.key, `--${k.flag}`])),
  'data.source': '--data',
  model: '--model',
};

/** The message with the flag that sets its field, e.g. "... lower the number of held-out users (--heldout)". */
export function withFlag(message: string, field: string | undefined): string {
  const flag = field === undefined ? undefined : TRAIN_FLAGS[field];
  return flag ? `${message} (${flag})` : message;
}
