/**
 * A sweep's trial list: the same spec gives the same trials in the same order, on any machine.
 * Grid: the Cartesian product of the value lists, in the file's key order, the last key varying
 * fastest. Random: `trials` draws from NumPy's legacy MT19937 (`RandomState(seed).random_sample()`),
 * one per parameter in key order. Each configuration is repeated `repeats` times, the repeat index
 * added to the base seed; trial index = configuration index x repeats + repeat index.
 */
import { configArgs, configKey } from '../../shared/configKeys';
import type { RunSweepTag } from '../../shared/runSchema';
import type { ParameterSpec, ParameterValue, SweepSpec } from '../../shared/sweepSchema';
import { trialOverrides } from '../../shared/sweepTrialConfig';
import { DEFAULT_CONFIG } from '../../shared/trainConfig';
import { NumpyRandomState } from '../protocol/mt19937';

export interface TrialPlan {
  index: number;
  configIndex: number;
  seedIndex: number;
  params: Record<string, ParameterValue>;
  seed: number;
}

/** Drawn floats keep 6 significant digits, so a trial's command line carries its exact value. */
const round6 = (x: number) => Number(x.toPrecision(6));

function draw(p: ParameterSpec, u: number): ParameterValue {
  if ('values' in p) return p.values[Math.min(p.values.length - 1, Math.floor(u * p.values.length))];
  if (p.integer) {
    const lo = Math.ceil(p.min);
    const hi = Math.floor(p.max);
    if (p.scale === 'log') {
      // Uniform in log space over [lo - 0.5, hi + 0.5), so the end points get their share.
      const a = Math.log(Math.max(lo - 0.5, lo / 2));
      const b = Math.log(hi + 0.5);
      return Math.min(hi, Math.max(lo, Math.round(Math.exp(a + u * (b - a)))));
    }
    return Math.min(hi, lo + Math.floor(u * (hi - lo + 1)));
  }
  if (p.scale === 'log') return round6(Math.exp(Math.log(p.min) + u * (Math.log(p.max) - Math.log(p.min))));
  return round6(p.min + u * (p.max - p.min));
}

/** The configurations (parameter assignments) a spec searches, in order. */
export function configurations(spec: SweepSpec): Record<string, ParameterValue>[] {
  const names = Object.keys(spec.parameters);
  if (spec.method === 'random') {
    const rng = new NumpyRandomState(spec.seed ?? 0);
    const out: Record<string, ParameterValue>[] = [];
    for (let t = 0; t < (spec.trials ?? 0); t++) {
      const c: Record<string, ParameterValue> = {};
      for (const n of names) c[n] = draw(spec.parameters[n], rng.random());
      out.push(c);
    }
    return out;
  }
  let out: Record<string, ParameterValue>[] = [{}];
  for (const n of names) {
    const p = spec.parameters[n];
    const values = 'values' in p ? p.values : [];
    out = out.flatMap((c) => values.map((v) => ({ ...c, [n]: v })));
  }
  return out;
}

/** Every trial of the spec, before the budget's maxTrials cut. */
export function allTrials(spec: SweepSpec): TrialPlan[] {
  const baseSeed = typeof spec.base.seed === 'number' ? spec.base.seed : DEFAULT_CONFIG.seed;
  return configurations(spec).flatMap((params, configIndex) =>
    Array.from({ length: spec.repeats }, (_, seedIndex) => ({
      index: configIndex * spec.repeats + seedIndex,
      configIndex,
      seedIndex,
      params,
      seed: baseSeed + seedIndex,
    })),
  );
}

/** The trials a sweep runs: the first budget.maxTrials of allTrials. */
export function expandTrials(spec: SweepSpec): TrialPlan[] {
  const all = allTrials(spec);
  return spec.budget.maxTrials !== undefined ? all.slice(0, spec.budget.maxTrials) : all;
}

/**
 * The `vaerec train` arguments that train this trial, as a user could type them: the model, the
 * data, every configuration value the sweep sets (base and parameters; the rest are train's
 * defaults), where runs go and the sweep tag. `data` options other than the source (columns,
 * delimiter...) go through a --config file, which the caller writes (dataOptionsFile).
 */
export function trialArgs(
  spec: SweepSpec,
  dataSource: string,
  plan: Pick<TrialPlan, 'params' | 'seed'>,
  where: { runsDir: string; cacheDir: string; name: string; tag: RunSweepTag; dataOptionsFile?: string },
): string[] {
  const keys = trialOverrides(spec, plan);
  delete keys.data;
  for (const k of Object.keys(keys)) if (k !== 'protocol' && !configKey(k)) throw new Error(`no flag for configuration key ${k}`);
  return [
    'train',
    '--model',
    spec.model,
    '--data',
    dataSource,
    ...(where.dataOptionsFile ? ['--config', where.dataOptionsFile] : []),
    ...configArgs(keys),
    '--runs-dir',
    where.runsDir,
    '--cache-dir',
    where.cacheDir,
    '--name',
    where.name,
    '--sweep-trial',
    JSON.stringify(where.tag),
  ];
}
