/**
 * What `vaerec compare` costs on two real runs, by phase: reading a run's recommendations.json and
 * split.json and recomputing its per-user test metrics (the reason runs store no per-user artifact),
 * then the paired statistics with the bootstrap. Medians over --repeats; no timing assertion (the
 * machine is shared). With --dump FILE it also writes the paired per-user values and our figures, which
 * test/fixtures/stats/scipy_runs.py checks against scipy.
 *
 *   node --import tsx scripts/bench-compare.ts --a RUN_DIR --b RUN_DIR [--repeats 5] [--dump FILE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { comparePaired } from '../src/shared/stats/paired';
import { perUserTestMetrics } from '../src/trainer/stats/perUserMetrics';
import { COMPARED_METRICS, compareRuns, openRun } from '../src/trainer/stats/runComparison';
import { median, option } from './benchCommon';

const dirA = path.resolve(option('a'));
const dirB = path.resolve(option('b'));
const repeats = Number(option('repeats', '5'));
const dump = option('dump', '');

/** Wall and CPU milliseconds: on this shared machine the wall time mostly measures the other jobs. */
function time<T>(f: () => T): { ms: number; cpu: number; value: T } {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(c);
  return { ms: performance.now() - t, cpu: (used.user + used.system) / 1000, value };
}

const runA = openRun(dirA);
const runB = openRun(dirB);
const recompute: number[] = [];
const recomputeCpu: number[] = [];
const statistics: number[] = [];
const statisticsCpu: number[] = [];
const whole: number[] = [];
const wholeCpu: number[] = [];
let pairs: { metric: string; a: number[]; b: number[] }[] = [];
for (let r = 0; r < repeats; r++) {
  const a = time(() => perUserTestMetrics(runA.dir, runA.record));
  const b = time(() => perUserTestMetrics(runB.dir, runB.record));
  recompute.push(a.ms, b.ms);
  recomputeCpu.push(a.cpu, b.cpu);
  const kept = a.value.metrics.map((_, i) => i).filter((i) => Number.isFinite(a.value.metrics[i]['ndcg@100']));
  pairs = COMPARED_METRICS.map((metric) => ({ metric, a: kept.map((i) => a.value.metrics[i][metric]), b: kept.map((i) => b.value.metrics[i][metric]) }));
  const s = time(() => comparePaired(pairs));
  statistics.push(s.ms);
  statisticsCpu.push(s.cpu);
  const w = time(() => compareRuns(dirA, dirB));
  whole.push(w.ms);
  wholeCpu.push(w.cpu);
}
const users = pairs[0]?.a.length ?? 0;
console.log(`${users} paired test users; medians over ${repeats} repeats`);
const report = (what: string, wall: number[], cpu: number[]) => console.log(`${what}: ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU`);
report('read + recompute per-user metrics of one run', recompute, recomputeCpu);
report('paired statistics (10,000 bootstrap resamples, 2 metrics)', statistics, statisticsCpu);
report('compareRuns end to end (both runs)', whole, wholeCpu);
if (dump) {
  fs.writeFileSync(dump, JSON.stringify({ a: runA.record.id, b: runB.record.id, pairs, ours: compareRuns(dirA, dirB).metrics }));
  console.log(`wrote ${dump}`);
}
