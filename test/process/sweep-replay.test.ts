/**
 * `vaerec sweep replay` through the bundled CLI on a generated fixture: a grid run in full, then
 * ASHA and the median rule replayed on its recorded curves (epochs no more than the full sweep's,
 * every trial accounted for, picks that are the grid's own trials' metrics); what it refuses.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeTempDirs } from '../fixtures/tempDir';
import { cli, lastJson } from '../helpers/cli';
import { onlySweepDir, readJson, sweepFixture, sweepFolder, type StatusJson } from '../helpers/sweep';

after(removeTempDirs);

interface ReplayJson {
  full: { epochs: number; best: { configIndex: number; metric: number } | null };
  rules: {
    rule: { type: string };
    epochs: number;
    share: number;
    best: { configIndex: number; metric: number } | null;
    gap: number | null;
    trials: { index: number; state: string; epochs: number; stop?: { rule: string; epoch: number } }[];
    orders?: { n: number; samePick: number; epochs: { min: number; max: number } };
  }[];
}

describe('vaerec sweep replay', () => {
  let f: ReturnType<typeof sweepFolder>;
  let grid: StatusJson;

  before(() => {
    f = sweepFolder({
      name: 'full',
      model: 'mvae',
      dataset: sweepFixture(),
      base: { epochs: 6, protocol: { heldoutUsers: 20 } },
      parameters: { hidden: { values: [8, 48] }, dropout: { values: [0.2, 0.5] } },
      executor: { type: 'local', concurrency: 2 },
    });
    const r = cli(['sweep', 'run', f.file, '--runs-dir', f.runs, '--json']);
    assert.equal(r.code, 0, r.stderr);
    grid = lastJson<StatusJson>(r.stdout);
  });

  it('replays ASHA and the median rule on the curves the grid recorded', () => {
    // One at a time: the arrival order is the trials' order, whatever the epochs' recorded durations.
    const r = cli(['sweep', 'replay', grid.sweepId, '--runs-dir', f.runs, '--asha', '1,2', '--median', '2', '--orders', '5', '--concurrency', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson<ReplayJson>(r.stdout);
    assert.equal(out.full.epochs, 4 * 6, 'the full sweep: every trial to its end');
    assert.equal(out.full.best?.configIndex, grid.best?.index, "the full replay picks the grid's own answer");
    assert.ok(Math.abs((out.full.best?.metric ?? 0) - (grid.best?.metric ?? 0)) < 1e-12);
    assert.deepEqual(
      out.rules.map((x) => x.rule.type),
      ['asha', 'median'],
    );
    for (const rule of out.rules) {
      assert.equal(rule.trials.length, 4, 'every trial accounted for');
      assert.equal(
        rule.epochs,
        rule.trials.reduce((s, t) => s + t.epochs, 0),
      );
      assert.ok(rule.epochs <= out.full.epochs);
      for (const t of rule.trials) {
        if (t.state === 'completed') assert.equal(t.epochs, 6);
        else {
          assert.equal(t.state, 'stopped');
          assert.equal(t.stop?.rule, rule.rule.type);
          assert.ok(t.epochs < 6);
        }
      }
      // A pick is one of the grid's trials, with the metric that trial reached.
      assert.ok(rule.best);
      const trial = grid.trials[rule.best.configIndex];
      assert.ok(Math.abs((trial.metric ?? NaN) - rule.best.metric) < 1e-12, `${rule.rule.type}: ${rule.best.metric} against ${trial.metric}`);
      assert.ok(rule.orders && rule.orders.n === 5 && rule.orders.samePick <= 5 && rule.orders.epochs.min <= rule.orders.epochs.max);
    }
    // ASHA with eta 2 at epoch 1: the second trial to arrive is judged against the first.
    assert.ok(
      out.rules[0].trials.some((t) => t.state === 'stopped'),
      'ASHA stopped something',
    );
    const text = cli(['sweep', 'replay', grid.sweepId, '--runs-dir', f.runs, '--asha', '1,2']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^sweep ${grid.sweepId}: 4 trials, 24 epochs in full, 2 at a time; its pick: #\\d `));
    assert.match(text.stdout, /\nasha 1,2 +\d+ \(\d+\.\d%\) +#\d /);
  });

  it('refuses a sweep whose trials did not all run to their end, and rules that make no sense', () => {
    const dir = onlySweepDir(f.sweeps);
    assert.ok(dir);
    const copy = path.join(f.sweeps, 'stopped-copy');
    fs.cpSync(dir, copy, { recursive: true });
    const record = readJson<{ id: string; trials: { state: string }[] }>(path.join(copy, 'sweep.json'));
    record.id = 'stopped-copy';
    record.trials[1].state = 'stopped';
    fs.writeFileSync(path.join(copy, 'sweep.json'), JSON.stringify(record));
    const stopped = cli(['sweep', 'replay', copy, '--asha', '1,2']);
    assert.equal(stopped.code, 2);
    assert.equal(stopped.stderr, 'vaerec: error: trial 1 is stopped: a replay needs every trial trained to its end (a sweep run without early stopping)\n');
    for (const [args, message] of [
      [[], /name a rule to replay/],
      [['--asha', '0,3'], /--asha 0,3: the grace epochs must be a whole number from 1 to 5/],
      [['--asha', '2,1'], /--asha 2,1: the reduction factor must be greater than 1/],
      [['--median', 'x'], /--median x: expected AFTER or AFTER,MIN_TRIALS/],
      [['--asha', '1,2', '--orders', '-1'], /--orders -1: expected a whole number/],
    ] as [string[], RegExp][]) {
      const r = cli(['sweep', 'replay', grid.sweepId, '--runs-dir', f.runs, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });
});
