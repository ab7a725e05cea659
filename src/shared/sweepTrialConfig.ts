/**
 * A trial's configuration from its sweep's spec: base, then its parameters, its seed and (ASHA) the
 * epochs. Shared so that the extension host can say how long a trial will train.
 */
import { mergeConfigs, setConfigValue } from './configKeys';
import type { TrainConfig } from './runSchema';
import type { ParameterValue, SweepSpec } from './sweepSchema';
import { makeConfig } from './trainConfig';

export interface TrialPoint {
  params: Record<string, ParameterValue>;
  seed: number;
}

/** The partial configuration of a trial: base, then its parameters, its seed and (ASHA) the epochs. */
export function trialOverrides(spec: SweepSpec, plan: TrialPoint): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plan.params)) setConfigValue(params, k, v);
  const fixed: Record<string, unknown> = { seed: plan.seed };
  if (spec.earlyStopping.type === 'asha') fixed.epochs = spec.earlyStopping.maxEpochs;
  return mergeConfigs(spec.base, params, fixed);
}

export function trialConfig(spec: SweepSpec, dataSource: string, plan: TrialPoint): TrainConfig {
  return makeConfig(spec.model, dataSource, trialOverrides(spec, plan));
}
