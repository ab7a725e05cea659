/**
 * What the sweep view shows, built from a sweep record on the host (plain Node, no vscode, so the
 * unit tests build it from records in a temporary folder): the header, the trials as the table and
 * the plots read them, the parameters that vary, fANOVA-style importance and, for configurations
 * repeated over seeds, their spread across the seeds.
 */
import { configurationKey, groupAcrossSeeds } from '../../shared/stats/descriptive';
import { fanovaImportance } from '../../shared/stats/importance';
import type { SweepRecord, SweepTrial } from '../../shared/sweepSchema';
import { bestConfiguration, progressOf, rungEpochs } from '../../shared/sweepSummary';
import type { ImportanceView, SeedGroupView, SweepViewData, SweepViewHeader, SweepViewTrial } from '../../shared/sweepViewMessages';
import { TABLE_TEST_METRICS } from '../../shared/sweepViewMessages';

function earlyStoppingLine(record: SweepRecord): string {
  const e = record.spec.earlyStopping;
  if (e.type === 'asha') return `ASHA (grace ${e.graceEpochs} epochs, reduction factor ${e.reductionFactor}, ${e.maxEpochs} epochs)`;
  if (e.type === 'median') return `median rule from epoch ${e.afterEpochs} (at least ${e.minTrials} other trial${e.minTrials === 1 ? '' : 's'})`;
  return 'none';
}

function header(record: SweepRecord, sweepDir: string): SweepViewHeader {
  const e = record.spec.earlyStopping;
  const best = record.best ?? bestConfiguration(record);
  return {
    id: record.id,
    name: record.name,
    dir: sweepDir,
    status: record.status,
    model: record.spec.model,
    method: record.spec.method,
    metric: record.spec.metric,
    earlyStopping: earlyStoppingLine(record),
    rungEpochs: e.type === 'asha' ? rungEpochs(e) : [],
    repeats: record.spec.repeats,
    progress: progressOf(record),
    best: best
      ? { index: best.index, runId: best.runId ?? null, configIndex: best.configIndex, metric: best.metric, metricStd: best.metricStd, repeats: best.repeats }
      : null,
  };
}

function trialView(t: SweepTrial): SweepViewTrial {
  const test = t.state === 'completed' && t.test ? t.test : undefined;
  return {
    index: t.index,
    configIndex: t.configIndex,
    seedIndex: t.seedIndex,
    seed: t.seed,
    runId: t.runId ?? null,
    params: t.params,
    status: t.state,
    stoppedAt: t.state === 'stopped' && t.stop ? { rule: t.stop.rule, epoch: t.stop.epoch, rung: t.stop.rung ?? null } : null,
    epochs: t.epochs,
    metric: t.metric ?? null,
    test: test ? (Object.fromEntries(TABLE_TEST_METRICS.map((k) => [k, test[k]])) as SweepViewTrial['test']) : null,
    error: t.error ?? null,
  };
}

/** Swept keys whose values are not the same in every trial, in the sweep file's order. */
export function varyingParameters(record: SweepRecord): string[] {
  return Object.keys(record.spec.parameters).filter((k) => new Set(record.trials.map((t) => JSON.stringify(t.params[k] ?? null))).size > 1);
}

/**
 * Importance needs every trial's metric taken at the same budget. Under ASHA that is the first rung,
 * which every trial that got that far reached (a stopped trial's final metric is from fewer epochs
 * than a completed one's); otherwise the completed trials' best metric, stopped trials left out.
 */
export function importanceOf(record: SweepRecord, parameters: readonly string[]): ImportanceView | null {
  if (parameters.length === 0) return null;
  const e = record.spec.earlyStopping;
  const metricName = record.spec.metric.name;
  const firstRung = e.type === 'asha' ? rungEpochs(e)[0] : undefined;
  const atRung = (t: SweepTrial) => t.rungs.find((r) => r.rung === 0)?.metric;
  const trials =
    firstRung !== undefined
      ? record.trials.map((t) => ({ params: t.params, metric: atRung(t) }))
      : record.trials.map((t) => ({ params: t.params, metric: t.state === 'completed' ? t.metric : undefined }));
  const result = fanovaImportance(trials, { metric: metricName, parameters });
  const basis =
    firstRung !== undefined
      ? `${result.trials} trials’ best ${metricName} up to ASHA’s first rung (epoch ${firstRung}), which every trial reached before any was stopped`
      : `${result.trials} completed trials’ best ${metricName}${e.type === 'median' ? ' (trials stopped by the median rule left out: they trained fewer epochs)' : ''}`;
  return { result, basis };
}

/** Configurations trained over several seeds: mean and sample sd of the best metric and the test metrics over their completed repeats. */
export function seedGroups(record: SweepRecord): SeedGroupView[] | null {
  if (record.spec.repeats < 2) return null;
  const done = (t: SweepTrial) => t.state === 'completed';
  const groups = groupAcrossSeeds(
    record.trials,
    (t) => configurationKey(t.params),
    (t) => (done(t) ? t.metric : undefined),
  );
  return groups.map((g) => {
    const tested = g.members.filter((t) => done(t) && t.test);
    const test: SeedGroupView['test'] = {};
    for (const k of ['ndcg@100', 'recall@20'] as const) {
      const s = groupAcrossSeeds(
        tested,
        () => k,
        (t) => t.test?.[k],
      )[0]?.summary;
      if (s) test[k] = s;
    }
    return { configIndex: g.members[0].configIndex, params: g.members[0].params, trials: g.members.length, metric: g.summary ?? null, test };
  });
}

export function buildSweepViewData(record: SweepRecord, sweepDir: string): SweepViewData {
  const parameters = varyingParameters(record);
  const scales: SweepViewData['scales'] = {};
  for (const [key, p] of Object.entries(record.spec.parameters)) if ('scale' in p) scales[key] = p.scale;
  return {
    sweep: header(record, sweepDir),
    parameters,
    scales,
    trials: record.trials.map(trialView),
    importance: importanceOf(record, parameters),
    seeds: seedGroups(record),
  };
}
