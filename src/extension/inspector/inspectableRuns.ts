/** Which runs the inspector can open, and the choices of a second run to compare with. */
import type { RunChoice } from '../../shared/inspectorMessages';
import { modelLabel } from '../../shared/modelKinds';
import { isInspectableRecord } from '../../shared/runFormat';
import type { RunEntry } from '../../shared/runSchema';

/** A run the inspector can open: readable, not training, with saved weights (whatever its status). */
export function isInspectable(entry: RunEntry | undefined): boolean {
  return entry !== undefined && entry.ok && isInspectableRecord(entry.record);
}

/** Every other inspectable run, labelled with its name and model. */
export function compareChoices(entries: readonly RunEntry[], runId: string): RunChoice[] {
  return entries
    .filter((e) => isInspectable(e) && e.ok && e.record.id !== runId)
    .map((e) => ({ runId: e.ok ? e.record.id : e.id, label: e.ok ? `${e.record.name} (${modelLabel(e.record.model)})` : e.id }));
}
