/**
 * Sweep files as the editor handles them: checking one before it is started (the CLI's own
 * validator, so the editor refuses exactly what `vaerec sweep run` would), the starter file "New
 * Sweep" writes for a model, the file "Rerun best with N seeds" derives from a finished sweep, and
 * what "Open Sweep File" shows for a sweep.
 * Free of `vscode`, so unit-tested in plain Node.
 */
import { parseTree, type Node } from 'jsonc-parser';
import { setConfigValue } from '../../shared/configKeys';
import { MODEL_INFO, type ModelKind } from '../../shared/modelKinds';
import type { SweepBest, SweepRecord, SweepSpec } from '../../shared/sweepSchema';
import { SweepSpecError, parseSweepSpec } from '../../shared/sweepSchema';
import { rungEpochs } from '../../shared/sweepSummary';
import { DEFAULT_CONFIG } from '../../shared/trainConfig';

export const SWEEP_FILE_SUFFIX = '.sweep.json';

export type SweepFileCheck = { spec: SweepSpec; trials: number } | { error: string; key?: string };

/** The sweep file's text checked as `vaerec sweep run` checks it: JSON, then parseSweepSpec (the message names the key). */
export function checkSweepText(text: string): SweepFileCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { error: `not valid JSON (${(err as Error).message})` };
  }
  try {
    const spec = parseSweepSpec(raw);
    return { spec, trials: trialCount(spec) };
  } catch (err) {
    if (err instanceof SweepSpecError) return { error: err.message, key: err.key };
    throw err;
  }
}

/**
 * Where in the file's text a validator key such as `parameters.protocol.heldoutUsers.values[1]`
 * is: the property name, or the list element, it names (the deepest part of it that exists: a
 * missing key points at the object that lacks it). Parameter names hold dots, so at each object the
 * longest run of the key's parts that names a property is taken. Undefined when the text is not a
 * JSON object.
 */
export function locateKey(text: string, key: string): { offset: number; length: number } | undefined {
  const root = parseTree(text);
  if (root?.type !== 'object') return undefined;
  const parts = key.split('.').flatMap((part) => {
    const m = /^([^[]*)((\[\d+\])*)$/.exec(part);
    if (!m) return [part];
    const indices = [...m[2].matchAll(/\[(\d+)\]/g)].map((i) => Number(i[1]));
    return [...(m[1] ? [m[1]] : []), ...indices];
  });
  let node: Node = root;
  let at: Node = root;
  for (let i = 0; i < parts.length;) {
    let next: Node | undefined;
    let used = 1;
    if (typeof parts[i] === 'number' && node.type === 'array') next = node.children?.[parts[i] as number];
    else if (node.type === 'object') {
      for (let j = parts.length; j > i && !next; j--) {
        if (parts.slice(i, j).some((p) => typeof p === 'number')) continue;
        const name = parts.slice(i, j).join('.');
        const property = node.children?.find((c) => c.children?.[0]?.value === name);
        if (property?.children?.[1]) {
          next = property.children[1];
          used = j - i;
        } else if (property?.children?.[0]) {
          // A property cut before its value (the file is being typed): its name.
          at = property.children[0];
          break;
        }
      }
    }
    if (!next) break;
    node = next;
    // A property is pointed at by its name; a list element by itself.
    at = typeof parts[i] === 'number' ? next : (next.parent?.children?.[0] ?? next);
    i += used;
  }
  return { offset: at.offset, length: at === root ? 1 : at.length };
}

/** Trials the sweep will run: one per configuration (grid: every combination; random: `trials` draws) and repeat, cut by the budget. */
export function trialCount(spec: SweepSpec): number {
  const configurations =
    spec.method === 'random' ? (spec.trials ?? 0) : Object.values(spec.parameters).reduce((n, p) => n * ('values' in p ? p.values.length : 1), 1);
  const all = configurations * spec.repeats;
  return spec.budget.maxTrials === undefined ? all : Math.min(all, spec.budget.maxTrials);
}

/** What a starter file searches for each model: a few values of the settings that matter most for it. */
const STARTER_PARAMETERS: Record<ModelKind, Record<string, (number | string)[]>> = {
  mvae: { annealCap: [0.1, 0.2, 0.3], dropout: [0.2, 0.5] },
  mdae: { learningRate: [0.0003, 0.001, 0.003], dropout: [0.2, 0.5] },
  svae: { learningRate: [0.001, 0.002], annealCap: [0.1, 0.2] },
  recvae: { gamma: [0.003, 0.005, 0.01], dropout: [0.3, 0.5] },
  ease: { lambda: [100, 300, 500, 1000] },
  // Nothing to tune: repeats over seeds show how much the split alone moves the metric.
  pop: {},
};

/**
 * The starter sweep of a model: a small grid with ASHA for models trained over epochs, plain
 * repeats for the others, explained in "$comment" (JSON has no comments; parseSweepSpec ignores it).
 */
export function starterSweep(model: ModelKind, dataset: string): Record<string, unknown> {
  const info = MODEL_INFO[model];
  const parameters = Object.fromEntries(Object.entries(STARTER_PARAMETERS[model]).map(([k, values]) => [k, { values }]));
  const epochs = info.defaults.epochs ?? DEFAULT_CONFIG.epochs;
  // Ray Tune's ASHAScheduler defaults. On the ML-1M grid of docs/SWEEPS.md they found the full
  // grid's best with 21% of its epochs, where grace epochs/10, eta 3 missed it by 0.0072.
  const grace = 1;
  const eta = 4;
  const rungs = rungEpochs({ graceEpochs: grace, reductionFactor: eta, maxEpochs: epochs });
  const names = Object.keys(parameters);
  const comment = [
    `A ${info.label} hyperparameter search: "Run sweep" above (or \`vaerec sweep run <this file>\`) starts it; docs/SWEEPS.md explains every key.`,
    'dataset: "ml-1m" (downloaded once), or a MovieLens folder or CSV/TSV file; a relative path is relative to this file.',
    'base: the configuration every trial shares (any key of `vaerec train`, as in a run\'s "config").',
    names.length > 0
      ? `parameters: the values to try (${names.join(', ')}); a grid trains every combination, "method": "random" draws "trials" of them.`
      : 'parameters: none, so the repeats differ only by their seed (which also draws the split).',
    info.epochs
      ? `earlyStopping: ASHA stops the weaker trials at epochs ${rungs.join(', ')} (Ray Tune's defaults; "none" trains every trial to the end; "median" is the other rule). A rung where the parameters have acted but not yet paid off can mislead: docs/SWEEPS.md replays a finished grid to choose.`
      : `earlyStopping: none (${info.label} is fitted in one pass, there are no epochs to stop at).`,
    'executor: "local" runs trials on this machine\'s cores; { "type": "slurm", ... } submits one sbatch job per trial.',
  ];
  return {
    $comment: comment,
    name: `${model}-sweep`,
    model,
    dataset,
    base: info.epochs ? { epochs } : {},
    parameters,
    method: 'grid',
    repeats: names.length > 0 ? 1 : 3,
    metric: 'val_ndcg@100',
    earlyStopping: info.epochs ? { type: 'asha', graceEpochs: grace, reductionFactor: eta, maxEpochs: epochs } : 'none',
    executor: { type: 'local', concurrency: 'auto' },
  };
}

export function sweepFileText(spec: object): string {
  return JSON.stringify(spec, null, 2) + '\n';
}

/** A sweep name with a suffix, kept within the 64 characters a name may have. */
function suffixed(name: string, suffix: string): string {
  return `${name.slice(0, 64 - suffix.length)}${suffix}`;
}

/**
 * "Rerun best with N seeds": the best configuration's parameters fixed in `base`, nothing searched,
 * `repeats` N (seeds base.seed ... base.seed + N - 1), no early stopping (the repeats are not
 * competing), the dataset as the sweep resolved it and the same executor and metric. Validated
 * with parseSweepSpec, as the file will be when it is started.
 */
export function bestRepeatsSweep(record: SweepRecord, best: SweepBest, repeats: number): Record<string, unknown> {
  const spec = record.spec;
  const base: Record<string, unknown> = structuredClone(spec.base);
  for (const [k, v] of Object.entries(best.params)) setConfigValue(base, k, v);
  if (spec.earlyStopping.type === 'asha') base.epochs = spec.earlyStopping.maxEpochs;
  const params = Object.entries(best.params)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const derived = {
    $comment: [
      `The best configuration of sweep ${record.id} (trial ${best.index}: ${params || 'its base configuration'}), trained with ${repeats} seeds.`,
      `Written by "Rerun best with N seeds" from ${record.specFile}.`,
    ],
    name: suffixed(spec.name, `-best-x${repeats}`),
    model: spec.model,
    dataset: record.dataSource,
    base,
    parameters: {},
    method: 'grid',
    repeats,
    metric: spec.metric,
    earlyStopping: 'none',
    executor: spec.executor,
  };
  parseSweepSpec(derived);
  return derived;
}

/**
 * What "Open Sweep File" opens for a sweep: the file it was started from while that is still there
 * and describes the same search; otherwise the spec the sweep ran, as its record keeps it (defaults
 * filled in), with a note saying why the file itself is not shown.
 */
export function sweepFileToOpen(
  record: Pick<SweepRecord, 'specFile' | 'spec'>,
  readFile: (file: string) => string | undefined,
): { file: string } | { content: string; note: string } {
  const content = sweepFileText(record.spec);
  const text = readFile(record.specFile);
  if (text === undefined) return { content, note: `${record.specFile} is gone: this is the sweep file as the sweep's record keeps it (defaults filled in).` };
  const check = checkSweepText(text);
  if ('spec' in check && JSON.stringify(check.spec) === JSON.stringify(record.spec)) return { file: record.specFile };
  return {
    content,
    note: `${record.specFile} has changed since the sweep started: this is the sweep file the sweep ran, as its record keeps it (defaults filled in).`,
  };
}

/**
 * The rules typed for "Replay Early Stopping": `--asha GRACE,ETA` and `--median AFTER[,MIN_TRIALS]`
 * pairs only (the CLI checks their values), as arguments; undefined for anything else, so no other
 * flag reaches the CLI.
 */
export function replayRuleArgs(text: string): string[] | undefined {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0 || words.length % 2 !== 0) return undefined;
  for (let i = 0; i < words.length; i += 2) {
    const [flag, value] = [words[i], words[i + 1]];
    if (flag === '--asha' && /^\d+,\d+(\.\d+)?$/.test(value)) continue;
    if (flag === '--median' && /^\d+(,\d+)?$/.test(value)) continue;
    return undefined;
  }
  return words;
}
