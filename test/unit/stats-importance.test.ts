/**
 * Parameter importance on synthetic sweeps whose answer is known: a parameter that drives the metric
 * against one that is noise (on a grid and on random search), a pure interaction, and a
 * hand-worked decomposition with both; for the fANOVA-style marginal variance and the random
 * forest's permutation importance.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forestImportance } from '../../src/shared/stats/forest';
import { fanovaImportance, levelsOf, type ImportanceTrial } from '../../src/shared/stats/importance';
import type { ImportanceResult } from '../../src/shared/statsContracts';
import { Rng } from '../../src/shared/rng';

const close = (a: number, b: number, what: string, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const byName = (r: ImportanceResult, name: string) => {
  const p = r.parameters.find((x) => x.parameter === name);
  assert.ok(p, `${name} missing`);
  return p;
};

test('grid: the metric follows annealCap only; dropout and a categorical are noise-free and irrelevant: annealCap explains all of it, they nothing', () => {
  const trials: ImportanceTrial[] = [];
  for (const annealCap of [0.1, 0.2, 0.3, 0.5])
    for (const dropout of [0.2, 0.5, 0.8]) for (const act of ['tanh', 'relu']) trials.push({ params: { annealCap, dropout, act }, metric: 0.3 + annealCap });
  const r = fanovaImportance(trials, { metric: 'val_ndcg@100' });
  assert.equal(r.method, 'fanova-marginal-variance');
  assert.match(r.description, /marginal means/);
  assert.equal(r.metric, 'val_ndcg@100');
  assert.equal(r.trials, 24);
  assert.deepEqual(
    r.parameters.map((p) => p.parameter),
    ['annealCap', 'act', 'dropout'],
  );
  close(byName(r, 'annealCap').importance, 1, 'annealCap');
  close(byName(r, 'dropout').importance, 0, 'dropout');
  close(byName(r, 'act').importance, 0, 'act');
  assert.deepEqual(
    r.parameters.map((p) => p.levels),
    [4, 2, 3],
  );
  // Chance level of a 3-level parameter over 24 trials: (3 - 1) / (24 - 1).
  close(byName(r, 'dropout').chance, 2 / 23, 'chance');
  for (const i of r.interactions) close(i.importance, 0, i.parameters.join('x'));
});

test('random search: a continuous learning rate (log-uniform) drives the metric, a uniform dropout is noise; 5 quantile bins each', () => {
  const rng = new Rng(42);
  const trials: ImportanceTrial[] = [];
  for (let t = 0; t < 300; t++) {
    const logLr = -4 + 2 * rng.uniform();
    const dropout = rng.uniform();
    // Peak at lr = 1e-3, plus measurement noise.
    trials.push({ params: { learningRate: 10 ** logLr, dropout }, metric: 0.4 - 0.05 * (logLr + 3) ** 2 + 0.003 * rng.normal() });
  }
  const r = fanovaImportance(trials);
  const lr = byName(r, 'learningRate');
  const dropout = byName(r, 'dropout');
  assert.equal(lr.levels, 5);
  assert.equal(dropout.levels, 5);
  // Five bins of a parabola keep ~0.78 of its variance (the rest varies within the bins; by hand
  // from the bins' means of x^2 on [-1, 1], with the noise): the method's ceiling here, not 1.
  assert.ok(lr.importance > 0.65, `learningRate ${lr.importance}`);
  // Noise scores around its chance level, (5 - 1) / 299 = 0.013.
  assert.ok(dropout.importance < 3 * dropout.chance, `dropout ${dropout.importance} vs chance ${dropout.chance}`);
  assert.equal(r.parameters[0].parameter, 'learningRate');
});

test('pure interaction (metric = a XOR b, replicated grid): no main effects, the pair explains everything', () => {
  const trials: ImportanceTrial[] = [];
  for (let rep = 0; rep < 3; rep++) for (const a of [0, 1]) for (const b of [0, 1]) trials.push({ params: { a, b }, metric: a ^ b });
  const r = fanovaImportance(trials);
  close(byName(r, 'a').importance, 0, 'a');
  close(byName(r, 'b').importance, 0, 'b');
  assert.equal(r.interactions.length, 1);
  assert.deepEqual(r.interactions[0].parameters, ['a', 'b']);
  close(r.interactions[0].importance, 1, 'a x b');
});

test('by hand: y = a + b + 2ab on {0,1}^2 has variance 9/4, each main effect 1 (4/9) and the interaction 1/4 (1/9)', () => {
  const trials: ImportanceTrial[] = [];
  for (const a of [0, 1]) for (const b of [0, 1]) trials.push({ params: { a, b, fixed: 7 }, metric: a + b + 2 * a * b });
  const r = fanovaImportance(trials);
  close(byName(r, 'a').importance, 4 / 9, 'a');
  close(byName(r, 'b').importance, 4 / 9, 'b');
  close(r.interactions[0].importance, 1 / 9, 'a x b');
  // A parameter that never varies explains nothing and is not listed.
  assert.equal(
    r.parameters.find((p) => p.parameter === 'fixed'),
    undefined,
  );
});

test('trials without a metric are left out; a parameter some trials lack gets a level of its own; fewer than 2 trials give no ranking', () => {
  const trials: ImportanceTrial[] = [
    { params: { model: 'mvae', hidden: 600 }, metric: 0.4 },
    { params: { model: 'mvae', hidden: 300 }, metric: 0.38 },
    { params: { model: 'pop' }, metric: 0.2 },
    { params: { model: 'pop' }, metric: 0.21 },
    { params: { model: 'mvae', hidden: 600 }, metric: undefined },
    { params: { model: 'mdae', hidden: 600 }, metric: NaN },
  ];
  const r = fanovaImportance(trials);
  assert.equal(r.trials, 4);
  assert.equal(byName(r, 'hidden').levels, 3);
  assert.equal(byName(r, 'model').levels, 2);
  assert.ok(byName(r, 'model').importance > 0.95);
  assert.deepEqual(fanovaImportance(trials.slice(0, 1)).parameters, []);
  assert.throws(() => fanovaImportance(trials, { bins: 1 }), /bins must be an integer >= 2/);
});

test('levels: few distinct values are levels as they are; many are quantile bins that never split equal values', () => {
  assert.deepEqual(Array.from(levelsOf([0.5, 0.1, 0.5, 0.3], 5).of), [2, 0, 2, 1]);
  assert.deepEqual(Array.from(levelsOf(['b', 'a', true, 'b'], 5).of), [1, 0, 2, 1]);
  const ten = levelsOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5);
  assert.equal(ten.count, 5);
  assert.deepEqual(Array.from(ten.of), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  // Six equal values in the middle go whole into the bin of their middle rank (4.5 of 10: bin 1 of 3).
  const tied = levelsOf([10, 2, 5, 5, 5, 1, 5, 5, 5, 9], 3);
  assert.deepEqual(Array.from(tied.of), [2, 0, 1, 1, 1, 0, 1, 1, 1, 2]);
  assert.equal(tied.count, 3);
  // A run that covers two bins' ranks leaves a bin empty: the levels are closed up.
  const gap = levelsOf([1, 5, 5, 5, 5, 5, 5, 5, 5, 9], 5);
  assert.deepEqual(Array.from(gap.of), [0, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
  assert.equal(gap.count, 3);
  const missing = levelsOf([1, undefined, 2, undefined], 5);
  assert.deepEqual(Array.from(missing.of), [0, 2, 1, 2]);
  assert.equal(missing.count, 3);
});

/** A random search over a log-uniform learning rate (peaked), a categorical activation (small effect) and a uniform dropout (noise). */
function randomSearch(n: number, seed: number): ImportanceTrial[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const logLr = -4 + 2 * rng.uniform();
    const dropout = rng.uniform();
    const activation = rng.uniform() < 0.5 ? 'tanh' : 'relu';
    const metric = 0.4 - 0.05 * (logLr + 3) ** 2 + (activation === 'tanh' ? 0.01 : 0) + 0.003 * rng.normal();
    return { params: { learningRate: 10 ** logLr, dropout, activation }, metric };
  });
}

test('random forest permutation: the driver first, the small categorical effect second, the noise parameter near zero and below both', () => {
  const r = forestImportance(randomSearch(300, 42), { metric: 'val_ndcg@100' });
  assert.equal(r.method, 'random-forest-permutation');
  assert.match(r.description, /out-of-bag/);
  assert.equal(r.trials, 300);
  assert.deepEqual(
    r.parameters.map((p) => p.parameter),
    ['learningRate', 'activation', 'dropout'],
  );
  // Shuffling a parameter that decides the metric adds about its explained variance twice over (the
  // forest's prediction and the metric both vary): the share can pass 1.
  assert.ok(byName(r, 'learningRate').importance > 0.5, JSON.stringify(r.parameters));
  assert.ok(byName(r, 'activation').importance > 0.05, JSON.stringify(r.parameters));
  assert.ok(byName(r, 'dropout').importance < 0.05, JSON.stringify(r.parameters));
  // Each shadow (the parameter's values shuffled) scores about nothing: the chance level.
  for (const p of r.parameters) assert.ok(p.chance < 0.05, JSON.stringify(p));
  assert.equal(byName(r, 'activation').levels, 2);
  assert.deepEqual(r.interactions, []);
});

test('random forest permutation: deterministic for a seed; a grid where only annealCap matters ranks it alone; too few trials give no ranking', () => {
  const trials = randomSearch(60, 7);
  assert.deepEqual(forestImportance(trials, { trees: 20, seed: 3 }), forestImportance(trials, { trees: 20, seed: 3 }));
  const grid: ImportanceTrial[] = [];
  for (const annealCap of [0.1, 0.2, 0.3, 0.5])
    for (const dropout of [0.2, 0.5]) for (const hidden of [300, 600]) grid.push({ params: { annealCap, dropout, hidden }, metric: 0.3 + annealCap });
  const r = forestImportance(grid);
  assert.equal(r.parameters[0].parameter, 'annealCap');
  assert.ok(r.parameters[0].importance > 0.5, JSON.stringify(r.parameters));
  // Trees whose drawn candidates lack annealCap split on the others first, so they keep a little.
  for (const name of ['dropout', 'hidden']) assert.ok(byName(r, name).importance < 0.1 * r.parameters[0].importance, JSON.stringify(r.parameters));
  assert.deepEqual(forestImportance(grid.slice(0, 3)).parameters, []);
});
