/** Which runs the inspector can open, and the choices of a second run to compare with. */
import type { RunChoice } from '../../shared/inspectorMessages';
import { modelLabel } from '../../shared/modelKinds';
import type { RunEntry } from '../../shared/runSchema';

/** A run the inspector can open: readable, with saved weights. */
export function isInspectable(entry: RunEntry | undefined): boolean {
  return entry !== undefined && entry.ok && entry.record.artifacts.model !== undefined && entry.record.status !== 'running';
}

/** Every other inspectable run, labelled with its name and model. */
export function compareChoices(entries: readonly RunEntry[], runId: string): RunChoice[] {
  return entries
    .filter((e) => isInspectable(e) && e.ok && e.record.id !== runId)
    .map((e) => ({ runId: e.ok ? e.record.id : e.id, label: e.ok ? `${e.record.name} (${modelLabel(e.record.model)})` : e.id }));
}
