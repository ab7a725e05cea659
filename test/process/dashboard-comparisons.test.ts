/**
 * The dashboard's "vs baseline" column on runs trained by the bundled CLI, computed as the extension
 * computes it: in the comparison worker (dist/comparisonWorker.js, npm run build first), driven by
 * BaselineComparisons. Each figure equals `vaerec compare RUN BASELINE --json`; runs on another
 * split, a run still training that then finishes, and a deleted baseline show as the user meets them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { BaselineComparisons } from '../../src/extension/dashboard/baselineComparisons';
import { ComparisonWorkerClient } from '../../src/extension/dashboard/comparisonWorkerClient';
import type { ComparisonsUpdate } from '../../src/shared/dashboardComparisons';
import { readRun } from '../../src/shared/runReader';
import type { RunEntry } from '../../src/shared/runSchema';
import type { RunComparison } from '../../src/shared/statsContracts';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli, lastJson, trainRun, waitFor } from '../helpers/cli';
import { fakeMemento } from '../helpers/fakeVscode';
import { copyRunDir, editRecord } from '../helpers/runDirs';

const WORKER = path.resolve(__dirname, '../../dist/comparisonWorker.js');
if (!fs.existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build first`);

let runs: string;
const ids: Record<'pop' | 'mvae' | 'mdae' | 'popSeed5', string> = { pop: '', mvae: '', mdae: '', popSeed5: '' };

before(() => {
  runs = tempDir('vaerec-vs-runs-');
  const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
  ids.pop = path.basename(trainRun(data, runs, ['--model', 'pop']));
  ids.mvae = path.basename(trainRun(data, runs, ['--model', 'mvae', '--epochs', '2']));
  ids.mdae = path.basename(trainRun(data, runs, ['--model', 'mdae', '--epochs', '2']));
  ids.popSeed5 = path.basename(trainRun(data, runs, ['--model', 'pop', '--seed', '5']));
});
after(removeTempDirs);

/** The column as the dashboard's host drives it, on the runs directory as it is on disk now. */
function column() {
  const posted: ComparisonsUpdate[] = [];
  const warnings: string[] = [];
  const get = (id: string): RunEntry | undefined => (fs.existsSync(path.join(runs, id)) ? readRun(path.join(runs, id)) : undefined);
  const service = new BaselineComparisons(
    { get, post: (u) => posted.push(u), warn: (m) => warnings.push(m) },
    fakeMemento(),
    new ComparisonWorkerClient(WORKER),
  );
  const now = () => posted.at(-1)?.comparisons ?? {};
  const settled = () => waitFor('the comparisons', () => (Object.values(now()).some((c) => c.state === 'pending') ? undefined : now()), 60_000);
  return { service, posted, warnings, now, settled };
}

test('each ticked run against the baseline: the figures of `vaerec compare RUN BASELINE --json`, computed in the worker', async () => {
  const { service, settled, warnings } = column();
  try {
    service.setBaseline(ids.pop);
    service.update([ids.mvae, ids.pop, ids.mdae]);
    const cells = await settled();
    assert.deepEqual(Object.keys(cells).sort(), [ids.mdae, ids.mvae].sort(), 'the baseline is not compared with itself');
    for (const id of [ids.mvae, ids.mdae]) {
      const cell = cells[id];
      assert.equal(cell.state, 'done', JSON.stringify(cell));
      if (cell.state !== 'done') continue;
      const r = cli(['compare', id, ids.pop, '--runs-dir', runs, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const expected = lastJson<RunComparison>(r.stdout);
      assert.equal(cell.users, expected.users);
      assert.deepEqual(cell.metrics, expected.metrics);
      assert.deepEqual(cell.warnings, []);
      assert.deepEqual(
        cell.metrics.map((m) => m.metric),
        ['ndcg@100', 'recall@20'],
      );
    }
    assert.deepEqual(warnings, []);
  } finally {
    service.dispose();
  }
});

test('another split, a run still training (compared once it finishes) and a deleted baseline', async () => {
  const training = copyRunDir(path.join(runs, ids.mvae), runs, 'mvae-training');
  const finished = fs.readFileSync(path.join(training, 'run.json'));
  editRecord(training, (r) => {
    r.id = 'mvae-training';
    r.status = 'running';
    delete r.artifacts.recommendations;
    // Its trainer is alive: this test's process plays it.
    r.pid = process.pid;
    delete r.pidStart;
    r.updatedAt = new Date().toISOString();
  });
  const baseline = copyRunDir(path.join(runs, ids.pop), runs, 'pop-baseline');
  editRecord(baseline, (r) => (r.id = 'pop-baseline'));
  const { service, settled, now, posted } = column();
  try {
    service.setBaseline('pop-baseline');
    service.update([ids.popSeed5, 'mvae-training']);
    let cells = await settled();
    assert.deepEqual(cells[ids.popSeed5], {
      state: 'unavailable',
      short: 'different split',
      reason: `${ids.popSeed5} and pop-baseline cannot be compared user by user: their split seeds differ (5 vs 98765).`,
    });
    assert.deepEqual(cells['mvae-training'], {
      state: 'unavailable',
      short: 'not finished',
      reason: 'mvae-training is still training: it has no test results yet.',
    });

    // The run finishes: run.json is rewritten (a later modification time) and the column follows.
    const later = new Date(Date.now() + 2_000);
    fs.writeFileSync(path.join(training, 'run.json'), finished);
    editRecord(training, (r) => (r.id = 'mvae-training'));
    fs.utimesSync(path.join(training, 'run.json'), later, later);
    service.update([ids.popSeed5, 'mvae-training']);
    assert.deepEqual(now()['mvae-training'], { state: 'pending' });
    cells = await settled();
    assert.equal(cells['mvae-training'].state, 'done');

    // The baseline's run is deleted: the column goes, and the baseline is forgotten.
    fs.rmSync(baseline, { recursive: true });
    service.update([ids.popSeed5, 'mvae-training']);
    assert.deepEqual(posted.at(-1), { type: 'comparisons', baseline: null, comparisons: {} });
    assert.equal(service.baseline, null);
  } finally {
    service.dispose();
  }
});
