/**
 * Trial lists: the same spec gives the same trials in the same order (grid: the product in key
 * order, last key fastest; random: NumPy's RandomState(seed).random_sample() draws, checked against
 * values NumPy printed), repeats add to the base seed, and a trial's recorded command, parsed by
 * `vaerec train`'s own option parser, gives exactly the configuration the coordinator trains.
 */
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { describe, it } from 'node:test';
import { parseSweepSpec } from '../../src/shared/sweepSchema';
import { addConfigOptions, configFromOptions } from '../../src/trainer/cli/trainOptions';
import { localPlan } from '../../src/trainer/sweep/concurrency';
import { sbatchScript } from '../../src/trainer/sweep/slurmExecutor';
import { trialConfig } from '../../src/shared/sweepTrialConfig';
import { allTrials, configurations, expandTrials, trialArgs } from '../../src/trainer/sweep/trials';

describe('grid trials', () => {
  const spec = parseSweepSpec({
    name: 'g',
    model: 'mvae',
    dataset: 'ml-1m',
    base: { epochs: 30, seed: 5 },
    parameters: { annealCap: { values: [0.1, 0.3] }, 'protocol.heldoutUsers': { values: [20, 40] }, hidden: { values: [50] } },
    repeats: 2,
  });

  it('the product in key order, the last key varying fastest; repeats adjacent, seeds base + repeat', () => {
    assert.deepEqual(configurations(spec), [
      { annealCap: 0.1, 'protocol.heldoutUsers': 20, hidden: 50 },
      { annealCap: 0.1, 'protocol.heldoutUsers': 40, hidden: 50 },
      { annealCap: 0.3, 'protocol.heldoutUsers': 20, hidden: 50 },
      { annealCap: 0.3, 'protocol.heldoutUsers': 40, hidden: 50 },
    ]);
    const trials = allTrials(spec);
    assert.equal(trials.length, 8);
    assert.deepEqual(
      trials.map((t) => [t.index, t.configIndex, t.seedIndex, t.seed]),
      [
        [0, 0, 0, 5],
        [1, 0, 1, 6],
        [2, 1, 0, 5],
        [3, 1, 1, 6],
        [4, 2, 0, 5],
        [5, 2, 1, 6],
        [6, 3, 0, 5],
        [7, 3, 1, 6],
      ],
    );
    assert.deepEqual(allTrials(spec), trials);
  });

  it("each trial's configuration: base, then its values (nested keys in place), then its seed", () => {
    const c = trialConfig(spec, '/data', allTrials(spec)[3]);
    assert.equal(c.annealCap, 0.1);
    assert.equal(c.protocol.heldoutUsers, 40);
    assert.equal(c.protocol.minRating, 3.5);
    assert.equal(c.hidden, 50);
    assert.equal(c.seed, 6);
    assert.equal(c.epochs, 30);
    assert.equal(c.data.source, '/data');
  });

  it('budget.maxTrials keeps the first trials of the list', () => {
    const cut = parseSweepSpec({ ...structuredClone(spec), budget: { maxTrials: 3 } });
    assert.deepEqual(expandTrials(cut), allTrials(spec).slice(0, 3));
  });

  it('ASHA sets the epochs to maxEpochs', () => {
    const asha = parseSweepSpec({ name: 'a', model: 'mvae', dataset: 'ml-1m', earlyStopping: { type: 'asha', graceEpochs: 2, maxEpochs: 12 } });
    assert.equal(trialConfig(asha, 'ml-1m', allTrials(asha)[0]).epochs, 12);
  });
});

describe('random trials', () => {
  const spec = (seed: number) =>
    parseSweepSpec({
      name: 'r',
      model: 'mvae',
      dataset: 'ml-1m',
      method: 'random',
      trials: 3,
      seed,
      parameters: {
        learningRate: { min: 1e-4, max: 1e-2, scale: 'log' },
        dropout: { min: 0.1, max: 0.6 },
        hidden: { min: 100, max: 700 },
        annealCap: { values: [0.1, 0.2, 0.3, 0.5] },
      },
    });

  it('draws from NumPy RandomState(seed).random_sample(), one per parameter in key order', () => {
    // numpy: np.random.RandomState(0).random_sample(6) = [0.5488135039273248, 0.7151893663724195,
    // 0.6027633760716439, 0.5448831829968969, 0.4236547993389047, 0.6458941130666561]
    const [a, b] = configurations(spec(0));
    assert.equal(a.learningRate, Number((1e-4 * 100 ** 0.5488135039273248).toPrecision(6)));
    assert.equal(a.learningRate, 0.00125207);
    assert.equal(a.dropout, Number((0.1 + 0.5 * 0.7151893663724195).toPrecision(6)));
    assert.equal(a.hidden, 100 + Math.floor(0.6027633760716439 * 601));
    assert.equal(a.hidden, 462);
    assert.equal(a.annealCap, 0.3); // floor(0.5448831829968969 * 4) = 2
    assert.equal(b.learningRate, Number((1e-4 * 100 ** 0.4236547993389047).toPrecision(6)));
  });

  it('the same seed gives the same list; another seed another list; every value in its range', () => {
    assert.deepEqual(configurations(spec(7)), configurations(spec(7)));
    assert.notDeepEqual(configurations(spec(7)), configurations(spec(8)));
    const many = configurations(parseSweepSpec({ ...structuredClone(spec(3)), trials: 300 }));
    for (const c of many) {
      assert.ok((c.learningRate as number) >= 1e-4 && (c.learningRate as number) <= 1e-2);
      assert.ok((c.dropout as number) >= 0.1 && (c.dropout as number) <= 0.6);
      assert.ok(Number.isInteger(c.hidden) && (c.hidden as number) >= 100 && (c.hidden as number) <= 700);
    }
    // A log scale spends as many draws on each decade.
    const low = many.filter((c) => (c.learningRate as number) < 1e-3).length;
    assert.ok(low > 110 && low < 190, `${low} of 300 below 1e-3`);
  });

  it('integer log ranges reach both ends', () => {
    const s = parseSweepSpec({
      name: 'i',
      model: 'mvae',
      dataset: 'ml-1m',
      method: 'random',
      trials: 400,
      parameters: { latent: { min: 1, max: 4, scale: 'log' } },
    });
    const seen = new Set(configurations(s).map((c) => c.latent));
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4]);
  });
});

describe("a trial's command", () => {
  it('parsed by vaerec train gives the configuration the coordinator trains', () => {
    const spec = parseSweepSpec({
      name: 'c',
      model: 'mvae',
      dataset: 'ml-1m',
      base: { epochs: 7, batchSize: 64, protocol: { minRating: 3 }, backend: 'cpu' },
      parameters: { learningRate: { values: [0.00125, 1e-7] }, 'protocol.heldoutUsers': { values: [30] }, dropout: { values: [0.25] } },
    });
    for (const t of allTrials(spec)) {
      const tag = { sweepId: 'c-1', trial: t.index, attempt: 1, seedIndex: t.seedIndex, parameters: t.params };
      const args = trialArgs(spec, '/data/ml', t, { runsDir: '/runs', cacheDir: '/cache', name: `c #${t.index}`, tag });
      assert.equal(args[0], 'train');
      const cmd = addConfigOptions(new Command('train').exitOverride()).option('--runs-dir <dir>').option('--cache-dir <dir>').option('--name <name>');
      cmd.parse(args.slice(1), { from: 'user' });
      const parsed = configFromOptions(cmd.opts(), (name) => cmd.getOptionValueSource(name) === 'cli');
      assert.deepEqual(parsed.config, trialConfig(spec, '/data/ml', t));
      assert.deepEqual(parsed.sweep, tag);
      assert.equal(cmd.opts().runsDir, '/runs');
    }
  });
});

describe('local concurrency', () => {
  const machine = { cores: 2, freeMemoryBytes: 8 * 2 ** 30 };
  it('auto: one trial per core on one thread; a lone trial gets two threads; memory caps it', () => {
    assert.deepEqual(localPlan({ type: 'local', concurrency: 'auto' }, machine, 16), { concurrency: 2, threadsPerTrial: 1 });
    assert.deepEqual(localPlan({ type: 'local', concurrency: 'auto' }, machine, 1), { concurrency: 1, threadsPerTrial: 2 });
    assert.deepEqual(localPlan({ type: 'local', concurrency: 'auto' }, { cores: 8, freeMemoryBytes: 3.5 * 2 ** 30 }, 16), {
      concurrency: 3,
      threadsPerTrial: 1,
    });
  });
  it('a fixed concurrency gets two threads per trial only when the cores allow', () => {
    assert.deepEqual(localPlan({ type: 'local', concurrency: 1 }, machine, 16), { concurrency: 1, threadsPerTrial: 2 });
    assert.deepEqual(localPlan({ type: 'local', concurrency: 2 }, machine, 16), { concurrency: 2, threadsPerTrial: 1 });
    assert.deepEqual(localPlan({ type: 'local', concurrency: 2, threadsPerTrial: 2 }, machine, 16), { concurrency: 2, threadsPerTrial: 2 });
  });
});

describe('the sbatch script of a trial', () => {
  const args = [
    'train',
    '--data',
    "/data/it's here",
    '--name',
    'grid #3',
    '--sweep-trial',
    JSON.stringify({ sweepId: 'g-1', trial: 3, parameters: { dropout: 0.5 } }),
  ];
  const script = (spec: Record<string, unknown>, nodePath = '/usr/bin/node', cliPath = '/opt/vaerec/vaerec-cli.js') =>
    sbatchScript({
      spec: parseSweepSpec({ name: 's', model: 'mvae', dataset: 'ml-1m', executor: { type: 'slurm', ...spec } }).executor as never,
      sweepId: 'g-1',
      trial: 3,
      attempt: 2,
      params: { dropout: 0.5 },
      outputFile: '/shared/sweeps/g 1/jobs/trial-3-a2.out',
      nodePath,
      cliPath,
      args,
    });

  it('asks for what the spec says, GPUs included, and names the job after the sweep, trial and attempt', () => {
    const text = script({ partition: 'gpu', cpusPerTask: 4, gpus: 'a100:1', time: '02:00:00', mem: '8G', sbatchArgs: ['--account=lab', '--qos=short'] });
    const directives = text.split('\n').filter((l) => l.startsWith('#SBATCH'));
    assert.deepEqual(directives, [
      '#SBATCH --job-name=vaerec-g-1-t3-a2',
      '#SBATCH --output="/shared/sweeps/g 1/jobs/trial-3-a2.out"',
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=02:00:00',
      '#SBATCH --mem=8G',
      '#SBATCH --gpus=a100:1',
      '#SBATCH --account=lab',
      '#SBATCH --qos=short',
    ]);
    assert.match(text, /^export VAEREC_THREADS=2$/m);
    assert.match(script({ cpusPerTask: 1 }), /^export VAEREC_THREADS=1$/m);
    assert.doesNotMatch(script({}), /--gpus|--partition/);
  });
});
