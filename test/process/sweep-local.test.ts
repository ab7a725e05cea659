/**
 * `vaerec sweep` end to end with the local executor, on a generated fixture, through the bundled
 * CLI: bad input is one line naming the key and starts nothing; a sweep runs to its answer with
 * ASHA (trials are ordinary runs, stopped ones untested, a NaN-loss trial recorded as failed while
 * the sweep goes on); the median rule stops a hopeless trial; `sweep stop` then `resume`; and
 * kill -9 of the coordinator mid-sweep, then `resume`: no completed trial runs again, a live
 * trainer is adopted, a dead one's run resumed from its last saved epoch, and resume says which.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli, cliInBackground, lastJson, waitFor } from '../helpers/cli';
import { onlySweepDir, readJson, sweepFixture, sweepFolder, type StatusJson } from '../helpers/sweep';

after(removeTempDirs);

const data = sweepFixture();

const rewrite = (file: string, spec: Record<string, unknown>) => fs.writeFileSync(file, JSON.stringify(spec));

function runsOf(runs: string): {
  id: string;
  status: string;
  sweep?: { trial: number; attempt: number };
  test?: unknown;
  stop?: { rule: string; epoch: number };
  error?: string;
  epochsCompleted: number;
}[] {
  return fs.existsSync(runs) ? fs.readdirSync(runs).map((id) => readJson(path.join(runs, id, 'run.json'))) : [];
}

describe('bad input: one line on stderr naming the key, exit 2, nothing started', () => {
  // The CLI is started by its absolute path; a PATH with nothing on it hides Slurm's programs.
  const emptyPath = tempDir('vaerec-empty-path-');
  const base = { name: 'bad', model: 'mvae', dataset: data, base: { epochs: 2, protocol: { heldoutUsers: 20 } }, parameters: { dropout: { values: [0.2] } } };
  const cases: [string, Record<string, unknown>, RegExp, NodeJS.ProcessEnv?][] = [
    ['an unknown key', { ...base, executer: { type: 'local' } }, /: executer: unknown key/],
    ['an empty value list', { ...base, parameters: { dropout: { values: [] } } }, /: parameters\.dropout\.values: is an empty list/],
    [
      'min > max',
      { ...base, method: 'random', trials: 2, parameters: { dropout: { min: 0.5, max: 0.1 } } },
      /: parameters\.dropout: min \(0\.5\) is greater than max/,
    ],
    [
      'a log scale with min <= 0',
      { ...base, method: 'random', trials: 2, parameters: { learningRate: { min: 0, max: 0.1, scale: 'log' } } },
      /: parameters\.learningRate\.min: a log scale needs min > 0/,
    ],
    [
      'a parameter train does not know',
      { ...base, parameters: { hiden: { values: [10] } } },
      /: parameters\.hiden: vaerec train has no such configuration key/,
    ],
    [
      'a grid larger than the limit without --yes',
      { ...base, parameters: { hidden: { values: Array.from({ length: 101 }, (_, i) => i + 1) } } },
      /: parameters: the grid has 101 trials .*--yes/,
    ],
    ['a dataset that does not exist', { ...base, dataset: 'no-such-folder' }, /: dataset: .*no-such-folder does not exist/],
    ['slurm without sbatch on the PATH', { ...base, executor: { type: 'slurm' } }, /: executor\.type: slurm needs sbatch on the PATH/, { PATH: emptyPath }],
  ];
  for (const [what, spec, message, env] of cases) {
    it(what, () => {
      const f = sweepFolder(spec);
      const r = cli(['sweep', 'run', f.file, '--runs-dir', f.runs], env);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].startsWith(`vaerec: error: ${f.file}: `), lines[0]);
      assert.match(lines[0], message);
      assert.equal(r.stdout, '');
      assert.ok(!fs.existsSync(path.join(f.dir, '.vaerec')), 'nothing was created');
    });
  }

  it('--yes lets a large grid through to the next check', () => {
    const f = sweepFolder({ ...base, parameters: { hidden: { values: Array.from({ length: 101 }, (_, i) => i + 1) } }, executor: { type: 'slurm' } });
    const r = cli(['sweep', 'run', f.file, '--runs-dir', f.runs, '--yes'], { PATH: emptyPath });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /executor\.type: slurm needs sbatch/);
  });

  it('a sweep file that is not JSON, a missing file, an unknown sweep id', () => {
    const f = sweepFolder({});
    fs.writeFileSync(f.file, '{ "name": ');
    const broken = cli(['sweep', 'run', f.file, '--runs-dir', f.runs]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr.trim(), /^vaerec: error: .*t\.sweep\.json: not valid JSON/);
    const missing = cli(['sweep', 'run', path.join(f.dir, 'nope.sweep.json'), '--runs-dir', f.runs]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr.trim(), /nope\.sweep\.json: no such file$/);
    for (const cmd of ['resume', 'status', 'stop']) {
      const r = cli(['sweep', cmd, 'no-such-sweep', '--runs-dir', f.runs]);
      assert.equal(r.code, 2, cmd);
      assert.match(r.stderr.trim(), /^vaerec: error: no sweep "no-such-sweep"/);
    }
    assert.ok(!fs.existsSync(path.join(f.dir, '.vaerec')));
  });
});

describe('a local sweep end to end', () => {
  it('ASHA: trials are ordinary runs, stopped ones untested, a NaN-loss trial failed, the best configuration tested', () => {
    const f = sweepFolder({});
    // A relative dataset is relative to the sweep file.
    rewrite(f.file, {
      name: 'asha',
      model: 'mvae',
      dataset: path.relative(f.dir, data),
      base: { protocol: { heldoutUsers: 20 } },
      parameters: { learningRate: { values: [0.002, 10] }, hidden: { values: [16, 48] } },
      earlyStopping: { type: 'asha', graceEpochs: 2, reductionFactor: 2, maxEpochs: 16 },
      executor: { type: 'local', concurrency: 2 },
    });
    const r = cli(['sweep', 'run', f.file, '--runs-dir', f.runs, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson<StatusJson>(r.stdout);
    assert.equal(out.status, 'completed');
    assert.equal(out.trials.length, 4);
    assert.deepEqual(
      out.trials.map((t) => t.params),
      [
        { learningRate: 0.002, hidden: 16 },
        { learningRate: 0.002, hidden: 48 },
        { learningRate: 10, hidden: 16 },
        { learningRate: 10, hidden: 48 },
      ],
    );
    const runs = runsOf(f.runs);
    assert.equal(runs.length, 4, 'one run per trial');
    for (const t of out.trials) {
      const run = runs.find((x) => x.id === t.runId);
      assert.ok(run, `trial ${t.index} has its run`);
      assert.equal(run.sweep?.trial, t.index);
      assert.equal(run.sweep?.attempt, 1);
      if (t.params.learningRate === 10) {
        assert.equal(t.status, 'failed', `trial ${t.index}`);
        assert.match(t.error ?? '', /the loss became NaN/);
        assert.equal(run.status, 'failed');
        continue;
      }
      assert.ok(t.status === 'completed' || t.status === 'stopped', `trial ${t.index}: ${t.status}`);
      assert.equal(run.status, t.status);
      if (t.status === 'stopped') {
        assert.equal(run.stop?.rule, 'asha');
        assert.equal(run.test, undefined, 'a stopped trial is not tested');
        assert.ok(!fs.existsSync(path.join(f.runs, run.id, 'recommendations.json')));
        assert.ok(t.epochs < 16);
      } else {
        assert.ok(run.test, 'a completed trial is tested');
        assert.equal(t.epochs, 16);
      }
    }
    assert.ok(out.best, 'the sweep has an answer');
    const best = out.trials[out.best.index];
    assert.equal(best.status, 'completed');
    assert.equal(out.best.params.learningRate, 0.002);
    const bestRun = readJson<{ test: Record<string, number>; best: { 'ndcg@100': number } }>(path.join(f.runs, String(best.runId), 'run.json'));
    assert.equal(out.best.test?.mean['ndcg@100'], bestRun.test['ndcg@100']);
    assert.equal(out.best.test?.std['ndcg@100'], 0);
    assert.equal(out.best.metric, bestRun.best['ndcg@100']);
    // The record and `sweep status --json` tell the same.
    const sweepDir = onlySweepDir(f.sweeps);
    assert.ok(sweepDir);
    const status = cli(['sweep', 'status', out.sweepId, '--runs-dir', f.runs, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(lastJson(status.stdout), out);
    // Each trial's recorded command is a `vaerec train` a user can re-type.
    const record = readJson<{ trials: { command: string[] }[] }>(path.join(sweepDir, 'sweep.json'));
    assert.deepEqual(record.trials[1].command.slice(0, 5), ['vaerec', 'train', '--model', 'mvae', '--data']);
    assert.ok(record.trials[1].command.includes('--hidden'));
    // `vaerec runs` lists the trials, stopped ones included.
    const listed = JSON.parse(cli(['runs', '--runs-dir', f.runs, '--json']).stdout) as { status: string }[];
    assert.equal(listed.length, 4);
    assert.deepEqual(listed.map((x) => x.status).sort(), runs.map((x) => x.status).sort());
  });

  it('the median rule stops a hopeless trial at its first judged epoch', () => {
    const f = sweepFolder({
      name: 'median',
      model: 'mvae',
      dataset: data,
      base: { epochs: 40, protocol: { heldoutUsers: 20 } },
      parameters: { learningRate: { values: [0.003, 1e-7] } },
      earlyStopping: { type: 'median', afterEpochs: 3 },
      executor: { type: 'local', concurrency: 1 },
    });
    const r = cli(['sweep', 'run', f.file, '--runs-dir', f.runs, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson<StatusJson>(r.stdout);
    assert.deepEqual(
      out.trials.map((t) => [t.params.learningRate, t.seed, t.status]),
      [
        [0.003, 98765, 'completed'],
        [1e-7, 98765, 'stopped'],
      ],
    );
    for (const t of out.trials.slice(1)) {
      assert.equal(t.stop?.rule, 'median');
      assert.equal(t.stop?.epoch, 3);
      assert.match(t.stop?.reason ?? '', /is worse than the median/);
      const run = readJson<{ status: string; epochsCompleted: number; test?: unknown }>(path.join(f.runs, String(t.runId), 'run.json'));
      assert.equal(run.status, 'stopped');
      assert.ok(run.epochsCompleted >= 3 && run.epochsCompleted < 40, `stopped after ${run.epochsCompleted} epochs`);
      assert.equal(run.test, undefined);
    }
    assert.equal(out.best?.params.learningRate, 0.003);
  });

  it("repeats: the answer is the mean and sample standard deviation of the best configuration's runs", () => {
    const f = sweepFolder({
      name: 'repeats',
      model: 'mvae',
      dataset: data,
      base: { epochs: 3, protocol: { heldoutUsers: 20 } },
      parameters: { learningRate: { values: [0.003] } },
      repeats: 2,
      executor: { type: 'local', concurrency: 2 },
    });
    const r = cli(['sweep', 'run', f.file, '--runs-dir', f.runs, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson<StatusJson>(r.stdout);
    assert.deepEqual(
      out.trials.map((t) => [t.seed, t.status]),
      [
        [98765, 'completed'],
        [98766, 'completed'],
      ],
    );
    const tests = out.trials
      .slice(0, 2)
      .map((t) => readJson<{ test: Record<string, number> }>(path.join(f.runs, String(t.runId), 'run.json')).test['ndcg@100']);
    assert.ok(Math.abs((out.best?.test?.mean['ndcg@100'] ?? 0) - (tests[0] + tests[1]) / 2) < 1e-12);
    assert.ok(Math.abs((out.best?.test?.std['ndcg@100'] ?? 0) - Math.abs(tests[0] - tests[1]) / Math.SQRT2) < 1e-12);
    assert.equal(out.best?.test?.n, 2);
  });
});

describe('budget', () => {
  it('maxHours: no trial starts once the time is spent; the rest are skipped and the sweep still answers', () => {
    const f = sweepFolder({
      name: 'budget',
      model: 'mvae',
      dataset: data,
      base: { epochs: 2, protocol: { heldoutUsers: 20 } },
      parameters: { dropout: { values: [0.2, 0.3, 0.4] } },
      // 0.36 s: the first trial starts at once and takes longer than that.
      budget: { maxHours: 0.0001 },
      executor: { type: 'local', concurrency: 1 },
    });
    const r = cli(['sweep', 'run', f.file, '--runs-dir', f.runs, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson<StatusJson>(r.stdout);
    assert.deepEqual(
      out.trials.map((t) => t.status),
      ['completed', 'skipped', 'skipped'],
    );
    assert.equal(out.best?.index, 0);
    assert.equal(fs.readdirSync(f.runs).length, 1);
  });
});

interface RecordTrial {
  index: number;
  state: string;
  runId?: string;
  epochs: number;
  attempt: number;
  resumes?: number;
  previousAttempts: { runId?: string; outcome: string }[];
}

describe('stopping and resuming', () => {
  // Two short trials then two long ones, two at a time. The long ones must outlive a killed
  // coordinator until resume looks for them: 60 epochs of the fixture (~3 s on a quiet machine)
  // could finish first, so they train 400.
  const spec = () => ({
    name: 'resumable',
    model: 'mvae',
    dataset: data,
    base: { protocol: { heldoutUsers: 20 } },
    parameters: { epochs: { values: [4, 400] }, dropout: { values: [0.3, 0.5] } },
    executor: { type: 'local', concurrency: 2 },
  });
  const record = (dir: string) => readJson<{ status: string; trials: RecordTrial[]; log: string[] }>(path.join(dir, 'sweep.json'));

  it('kill -9 of the coordinator, then resume: completed trials are kept, a live trainer adopted, a dead one resumed from its last epoch', async () => {
    const f = sweepFolder(spec());
    const coordinator = cliInBackground(['sweep', 'run', f.file, '--runs-dir', f.runs, '--json'], { cwd: f.dir });
    const sweepDir = await waitFor('the sweep directory', () => onlySweepDir(f.sweeps));
    const mid = await waitFor('two trials done and two long ones training', () => {
      const r = record(sweepDir);
      const long = r.trials.slice(2);
      return r.trials.slice(0, 2).every((t) => t.state === 'completed') && long.every((t) => t.state === 'running' && t.runId && t.epochs >= 1) ? r : undefined;
    });
    process.kill(coordinator.pid, 'SIGKILL');
    assert.equal(await coordinator.exited, null);
    // The trainers outlive their coordinator; kill one of them too, so that resume must resume its run.
    const victim = mid.trials[3];
    const victimRun = readJson<{ pid: number; epochsCompleted: number }>(path.join(f.runs, String(victim.runId), 'run.json'));
    process.kill(victimRun.pid, 'SIGKILL');
    await waitFor('the killed trainer to be gone', () => {
      try {
        process.kill(victimRun.pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    const status = cli(['sweep', 'status', sweepDir, '--json']);
    assert.equal(lastJson<StatusJson>(status.stdout).status, 'interrupted');

    const resumed = cli(['sweep', 'resume', path.basename(sweepDir), '--runs-dir', f.runs, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`trial 2: adopted, its trainer \\(pid \\d+\\) is still running \\(run ${mid.trials[2].runId}`));
    assert.match(
      resumed.stderr,
      new RegExp(
        `trial 3: to be resumed from its last saved epoch \\(run ${victim.runId}, epoch \\d+\\): its trainer was gone \\(run ${victim.runId} interrupted at epoch \\d+\\)`,
      ),
    );
    const out = lastJson<StatusJson>(resumed.stdout);
    assert.equal(out.status, 'completed');
    assert.deepEqual(
      out.trials.map((t) => t.status),
      ['completed', 'completed', 'completed', 'completed'],
    );
    const after = record(sweepDir);
    // Completed trials kept their runs and were not run again; the adopted one kept its run too.
    for (const i of [0, 1, 2]) {
      assert.equal(after.trials[i].runId, mid.trials[i].runId, `trial ${i}`);
      assert.equal(after.trials[i].attempt, 1);
    }
    // The killed trainer's run was continued, not started again: same run, same attempt, and the
    // epochs it had saved were not trained again.
    assert.equal(after.trials[3].runId, victim.runId);
    assert.equal(after.trials[3].attempt, 1);
    assert.equal(after.trials[3].resumes, 1);
    assert.equal(after.trials[3].previousAttempts.length, 0);
    const continued = readJson<{ status: string; epochsCompleted: number; resumes: { afterEpoch: number }[] }>(
      path.join(f.runs, String(victim.runId), 'run.json'),
    );
    assert.equal(continued.status, 'completed');
    assert.equal(continued.epochsCompleted, 400);
    assert.equal(continued.resumes.length, 1);
    assert.ok(continued.resumes[0].afterEpoch >= victimRun.epochsCompleted, `resumed after epoch ${continued.resumes[0].afterEpoch}, not from the start`);
    const epochLines = fs
      .readFileSync(path.join(f.runs, String(victim.runId), 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; epoch: number })
      .filter((l) => l.kind === 'epoch')
      .map((l) => l.epoch);
    assert.deepEqual(
      epochLines,
      Array.from({ length: 400 }, (_, i) => i + 1),
      'each epoch once in its metrics',
    );
    const runs = runsOf(f.runs);
    for (const i of [0, 1, 2, 3]) assert.equal(runs.filter((r) => r.sweep?.trial === i).length, 1, `trial ${i} has one run`);
    // As readers see them: a "running" run whose trainer is gone reads as interrupted.
    const listed = JSON.parse(cli(['runs', '--runs-dir', f.runs, '--json']).stdout) as { id: string; status: string }[];
    const statusOf = (id: string) => listed.find((l) => l.id === id)?.status;
    assert.deepEqual(
      runs.filter((r) => r.sweep?.trial === 3).map((r) => statusOf(r.id)),
      ['completed'],
    );
    assert.equal(after.log.filter((l) => /trial \d: /.test(l)).length, 2);
    // Resuming a finished sweep does nothing.
    const again = cli(['sweep', 'resume', sweepDir, '--json']);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /already over \(completed\): nothing to do/);
    assert.equal(runsOf(f.runs).length, runs.length);
  });

  it('sweep stop cancels the running trials and leaves the rest; resume finishes the sweep', async () => {
    const f = sweepFolder(spec());
    const coordinator = cliInBackground(['sweep', 'run', f.file, '--runs-dir', f.runs], { cwd: f.dir });
    const sweepDir = await waitFor('the sweep directory', () => onlySweepDir(f.sweeps));
    await waitFor('a long trial training', () => (record(sweepDir).trials[2].epochs >= 1 ? true : undefined));
    const twice = cliInBackground(['sweep', 'resume', sweepDir], { cwd: f.dir });
    assert.equal(await twice.exited, 2, 'a sweep with a live coordinator is not resumed a second time');
    assert.match(twice.stderr(), new RegExp(`^vaerec: error: sweep ${path.basename(sweepDir)} is being run by pid ${coordinator.pid}\n$`));
    // In the background too: this process must stay free to reap the coordinator when it exits.
    const stop = cliInBackground(['sweep', 'stop', sweepDir], { cwd: f.dir });
    assert.equal(await stop.exited, 0, stop.stderr());
    assert.match(stop.stdout(), /: stopped/);
    assert.equal(await coordinator.exited, 130, coordinator.stderr());
    const stopped = record(sweepDir);
    assert.equal(stopped.status, 'stopped');
    assert.deepEqual(
      stopped.trials.map((t) => t.state),
      ['completed', 'completed', 'cancelled', 'cancelled'],
    );
    for (const t of stopped.trials.slice(2)) assert.equal(readJson<{ status: string }>(path.join(f.runs, String(t.runId), 'run.json')).status, 'cancelled');
    const resumed = cli(['sweep', 'resume', sweepDir]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /trial 2: to be resumed from its last saved epoch \(run [^,]+, epoch \d+\): it was cancelled when the sweep was stopped/);
    const done = record(sweepDir);
    assert.equal(done.status, 'completed');
    // The cancelled trials continued their runs: same run, same attempt.
    assert.deepEqual(
      done.trials.map((t) => [t.state, t.attempt, t.runId]),
      stopped.trials.map((t) => ['completed', 1, t.runId]),
    );
    for (const t of done.trials.slice(2)) {
      const run = readJson<{ status: string; resumes: { afterEpoch: number }[] }>(path.join(f.runs, String(t.runId), 'run.json'));
      assert.equal(run.status, 'completed');
      assert.ok(run.resumes[0].afterEpoch >= 1, 'resumed after the epochs it had trained');
    }
  });
});
