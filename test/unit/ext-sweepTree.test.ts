/**
 * Issue 16, item 2: sweeps in the Runs tree. A sweep is a parent node (status, trials done/total,
 * best metric); its trials are under it (parameters in the description, stopped-early trials with
 * their rung, failed ones with the reason in the tooltip, the best marked) and not repeated at the
 * top level; a damaged sweep.json shows its reason; the menus package.json declares match the
 * nodes they belong to. The tree provider is driven through a fake `vscode`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { RunsChange, RunsSource } from '../../src/extension/runsSource';
import type { SweepListing } from '../../src/extension/sweeps/sweepTreeModel';
import {
  buildSweepTreeModel,
  effectiveSweepStatus,
  sweepContextValue,
  sweepDescription,
  sweepTooltipMarkdown,
  trialView,
} from '../../src/extension/sweeps/sweepTreeModel';
import type { RunEntry, RunRecord, RunStop } from '../../src/shared/runSchema';
import type { SweepRecord, SweepTrial } from '../../src/shared/sweepSchema';
import { parseSweepSpec } from '../../src/shared/sweepSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { FakeEmitter, serveFakeModules } from '../helpers/fakeVscode';
import { sweepTrial } from '../helpers/sweepTrial';

class TreeItem {
  id?: string;
  iconPath?: { id: string };
  description?: string;
  tooltip?: { value: string };
  contextValue?: string;
  command?: { command: string; arguments?: unknown[] };
  accessibilityInformation?: { label: string };
  constructor(
    readonly label: string,
    readonly collapsibleState?: number,
  ) {}
}
const fakeVscode = {
  TreeItem,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1 },
  ThemeIcon: class {
    constructor(
      readonly id: string,
      readonly color?: unknown,
    ) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  MarkdownString: class {
    constructor(readonly value: string) {}
  },
  EventEmitter: FakeEmitter,
};
serveFakeModules((request) => (request === 'vscode' ? fakeVscode : undefined));

const SPEC = parseSweepSpec({
  name: 'grid',
  model: 'mvae',
  dataset: 'ml-1m',
  base: { epochs: 9 },
  parameters: { annealCap: { values: [0.1, 0.3] }, dropout: { values: [0.2, 0.5] } },
  earlyStopping: { type: 'asha', graceEpochs: 1 },
});

function trial(index: number, over: Partial<SweepTrial>): SweepTrial {
  return sweepTrial(index, { annealCap: index < 2 ? 0.1 : 0.3, dropout: index % 2 ? 0.5 : 0.2 }, over);
}

const STOP: RunStop = {
  rule: 'asha',
  epoch: 3,
  rung: 1,
  metric: 0.2,
  reason: 'ASHA rung 1 (epoch 3): val_ndcg@100 0.2000 is not in the top 1 of 2 (cutoff 0.2500)',
};

function sweepRecord(id: string, over: Partial<SweepRecord> = {}): SweepRecord {
  return {
    schemaVersion: 1,
    id,
    name: id.replace(/-\d.*$/, ''),
    status: 'running',
    specFile: '/ws/grid.sweep.json',
    spec: SPEC,
    dataSource: 'ml-1m',
    runsDir: '/ws/.vaerec/runs',
    cacheDir: '/cache',
    createdAt: '2026-01-02T12:00:00.000Z',
    updatedAt: '2026-01-02T12:00:00.000Z',
    elapsedSeconds: 10,
    executor: { type: 'local', concurrency: 2, threadsPerTrial: 1 },
    trials: [
      trial(0, { state: 'completed', metric: 0.3012, runId: 'grid-t0', epochs: 9 }),
      trial(1, { state: 'stopped', metric: 0.2, runId: 'grid-t1', epochs: 3, stop: STOP }),
      trial(2, { state: 'failed', runId: 'grid-t2', error: 'the loss became NaN at epoch 2', epochs: 1 }),
      // Running: its run exists, but the coordinator has not recorded its id yet.
      trial(3, { state: 'running', epochs: 1 }),
    ],
    log: [],
    ...over,
  };
}

function run(id: string, over: Partial<RunRecord> = {}): RunEntry {
  const record: RunRecord = {
    schemaVersion: 1,
    id,
    name: id,
    model: 'mvae',
    status: 'completed',
    config: makeConfig('mvae', '/data', { epochs: 9 }),
    createdAt: '2026-01-02T12:00:05.000Z',
    updatedAt: '2026-01-02T12:00:05.000Z',
    epochsCompleted: 9,
    steps: 9,
    epochSeconds: [],
    artifacts: {},
    ...over,
  };
  return { ok: true, dir: `/ws/.vaerec/runs/${id}`, record };
}

const tag = (sweepId: string, t: number, attempt = 1) => ({ sweepId, trial: t, attempt, seedIndex: 0, parameters: {} });
const SWEEP = 'grid-20260102-120000';

function listing(record: SweepRecord, status = record.status): SweepListing {
  return { id: record.id, dir: `/ws/.vaerec/sweeps/${record.id}`, record, status, createdAt: record.createdAt };
}

const damagedSweep: SweepListing = {
  id: 'broken-20260103-000000',
  dir: '/ws/.vaerec/sweeps/broken-20260103-000000',
  reason: '/ws/.vaerec/sweeps/broken-20260103-000000/sweep.json is truncated or not valid JSON',
  status: 'damaged',
  createdAt: '2026-01-03T00:00:00.000Z',
};

const runs: RunEntry[] = [
  run('broken-t0', { createdAt: '2026-01-03T00:00:01.000Z', sweep: tag('broken-20260103-000000', 0) }),
  run('later-run', { createdAt: '2026-01-02T13:00:00.000Z' }),
  run('grid-t3', { status: 'running', epochsCompleted: 1, sweep: tag(SWEEP, 3) }),
  run('grid-t2', { status: 'failed', error: 'the loss became NaN at epoch 2', sweep: tag(SWEEP, 2) }),
  run('grid-t1-a0', { status: 'interrupted', sweep: tag(SWEEP, 1, 0) }),
  run('grid-t1', { status: 'stopped', stop: STOP, sweep: tag(SWEEP, 1) }),
  run('grid-t0', { best: { epoch: 9, 'ndcg@100': 0.3012 }, sweep: tag(SWEEP, 0) }),
  run('orphan', { createdAt: '2026-01-02T11:00:00.000Z', sweep: tag('deleted-20260101-000000', 0) }),
  run('early-run', { createdAt: '2026-01-01T00:00:00.000Z' }),
];

describe('the Runs tree model of sweeps', () => {
  const sweeps = [listing(sweepRecord(SWEEP)), damagedSweep];
  const model = buildSweepTreeModel(runs, sweeps);

  it("puts sweeps among the runs by time, newest first, and takes their trials' runs off the top level", () => {
    assert.deepEqual(model.top, [
      { kind: 'sweep', sweepId: 'broken-20260103-000000' },
      { kind: 'run', runId: 'later-run' },
      { kind: 'sweep', sweepId: SWEEP },
      // Tagged with a sweep that is not listed (deleted): still shown, at the top level.
      { kind: 'run', runId: 'orphan' },
      { kind: 'run', runId: 'early-run' },
    ]);
  });

  it("lists a sweep's trials in order, each as its run (found by the tag when the record lacks the id), earlier attempts after", () => {
    assert.deepEqual(model.children.get(SWEEP), [
      { kind: 'run', runId: 'grid-t0', index: 0, earlier: false },
      { kind: 'run', runId: 'grid-t1', index: 1, earlier: false },
      { kind: 'run', runId: 'grid-t2', index: 2, earlier: false },
      { kind: 'run', runId: 'grid-t3', index: 3, earlier: false },
      { kind: 'run', runId: 'grid-t1-a0', index: 1, earlier: true },
    ]);
    const pending = buildSweepTreeModel([], [listing(sweepRecord(SWEEP))]);
    assert.deepEqual(
      pending.children.get(SWEEP)?.map((c) => c.kind),
      ['trial', 'trial', 'trial', 'trial'],
      'trials without runs are shown as themselves',
    );
  });

  it('keeps the runs of a damaged sweep under it', () => {
    assert.deepEqual(model.children.get('broken-20260103-000000'), [{ kind: 'run', runId: 'broken-t0', index: 0, earlier: false }]);
  });

  it('describes a sweep by status, trials done / total and the best metric; the menus by its state', () => {
    const s = listing(sweepRecord(SWEEP));
    assert.equal(sweepDescription(s), 'running · 3/4 trials · best val NDCG@100 0.3012');
    assert.equal(sweepContextValue(s), 'sweep running best');
    const fresh = listing(sweepRecord(SWEEP, { trials: [trial(0, { state: 'running', metric: 0.12 }), trial(1, {})] }));
    assert.equal(sweepDescription(fresh), 'running · 0/2 trials · best val NDCG@100 0.1200 so far');
    assert.equal(sweepContextValue(fresh), 'sweep running', 'no completed configuration: nothing to rerun');
    assert.equal(sweepContextValue(listing(sweepRecord(SWEEP), 'interrupted')), 'sweep interrupted best');
    // Trials a stop cancelled are not over: Resume trains them again.
    const stopped = sweepRecord(SWEEP, {
      status: 'stopped',
      trials: [trial(0, { state: 'completed', metric: 0.3 }), trial(1, { state: 'cancelled' }), trial(2, {})],
    });
    assert.equal(sweepDescription(listing(stopped)), 'stopped · 1/3 trials · 1 cancelled · best val NDCG@100 0.3000');
    assert.equal(sweepContextValue(listing(stopped)), 'sweep stopped best');
  });

  it('shows a damaged sweep.json with its reason', () => {
    assert.equal(sweepDescription(damagedSweep), 'damaged');
    assert.equal(sweepContextValue(damagedSweep), 'sweep damaged');
    assert.match(sweepTooltipMarkdown(damagedSweep), /truncated or not valid JSON/);
  });

  it('marks the best trial, stopped trials with their rung, failed ones with the reason in the tooltip', () => {
    const s = listing(sweepRecord(SWEEP));
    const byId = new Map(runs.map((r) => [r.ok ? r.record.id : r.id, r]));
    const best = trialView(s, 0, byId.get('grid-t0'));
    assert.equal(best.label, 'trial 0');
    assert.equal(best.best, true);
    assert.equal(best.description, '★ best · annealCap 0.1, dropout 0.2 · val NDCG@100 0.3012');
    const stopped = trialView(s, 1, byId.get('grid-t1'));
    assert.equal(stopped.best, false);
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.description, 'annealCap 0.1, dropout 0.5 · stopped at rung 1 (epoch 3) · val NDCG@100 0.2000');
    assert.match(stopped.tooltip, /stopped early: ASHA rung 1/);
    const failed = trialView(s, 2, byId.get('grid-t2'));
    assert.equal(failed.description, 'annealCap 0.3, dropout 0.2 · failed');
    assert.match(failed.tooltip, /⚠ the loss became NaN at epoch 2/);
    const running = trialView(s, 3, byId.get('grid-t3'));
    assert.equal(running.description, 'annealCap 0.3, dropout 0.5 · epoch 2/9');
    const earlier = trialView(s, 1, byId.get('grid-t1-a0'), true);
    assert.equal(earlier.label, 'trial 1, attempt 0');
    assert.match(earlier.description, /earlier attempt, interrupted/);
  });

  it('shows the seed of each repeat when a configuration is repeated', () => {
    const repeated = parseSweepSpec({ ...SPEC, repeats: 2, parameters: { dropout: { values: [0.2] } }, base: { epochs: 9 } });
    const s = listing(sweepRecord(SWEEP, { spec: repeated, trials: [trial(0, { seed: 98766, params: { dropout: 0.2 } })] }));
    assert.equal(trialView(s, 0, undefined).description, 'dropout 0.2 · seed 98766 · pending');
  });

  it('reads a running sweep whose coordinator (on this host) is gone as interrupted', () => {
    const r = sweepRecord(SWEEP, { coordinator: { pid: 4242, host: 'here', startedAt: '2026-01-02T12:00:00.000Z' } });
    assert.equal(
      effectiveSweepStatus(r, 'here', () => true),
      'running',
    );
    assert.equal(
      effectiveSweepStatus(r, 'here', () => false),
      'interrupted',
    );
    assert.equal(
      effectiveSweepStatus(r, 'elsewhere', () => false),
      'running',
      'another host: taken at its word',
    );
    assert.equal(
      effectiveSweepStatus({ ...r, coordinator: undefined }, 'here', () => true),
      'interrupted',
    );
    assert.equal(
      effectiveSweepStatus({ ...r, status: 'stopped' }, 'here', () => false),
      'stopped',
    );
  });
});

describe('the Runs tree provider with sweeps', async () => {
  const { RunsTreeProvider } = await import('../../src/extension/runsTree');
  const runsChanged = new FakeEmitter<RunsChange>();
  const source: RunsSource = {
    runsDir: '/ws/.vaerec/runs',
    list: () => runs,
    get: (id) => runs.find((r) => (r.ok ? r.record.id : r.id) === id),
    metrics: () => Promise.reject(new Error('not used')),
    onDidChange: runsChanged.event,
  };
  const sweepList = [listing(sweepRecord(SWEEP, { status: 'completed' })), damagedSweep];
  const sweepsChanged = new FakeEmitter<{ reload: boolean; sweepIds: string[] }>();
  const sweeps = {
    sweepsDir: '/ws/.vaerec/sweeps',
    list: () => sweepList,
    get: (id: string) => sweepList.find((s) => s.id === id),
    onDidChange: sweepsChanged.event,
  };
  const tree = new RunsTreeProvider(source, sweeps);

  it('gives a sweep node whose sweepDir is what vaerec.openSweepView takes; a click opens it', () => {
    const top = tree.getChildren();
    const node = top[2];
    assert.ok(typeof node !== 'string' && node.kind === 'sweep');
    assert.equal(node.sweepDir, `/ws/.vaerec/sweeps/${SWEEP}`);
    assert.strictEqual(tree.getChildren()[2], node, 'the same object each time: the tree knows an element by identity');
    const item = tree.getTreeItem(node) as unknown as TreeItem;
    assert.equal(item.label, 'grid');
    assert.equal(item.collapsibleState, 1);
    assert.equal(item.contextValue, 'sweep completed best');
    assert.equal(item.description, 'completed · 3/4 trials · best val NDCG@100 0.3012');
    assert.deepEqual(item.command, { title: 'Open Sweep View', command: 'vaerec.showSweep', arguments: [{ sweepDir: node.sweepDir }] });
    assert.equal(item.accessibilityInformation?.label, 'grid, sweep completed, completed · 3/4 trials · best val NDCG@100 0.3012');
  });

  it("shows a trial as its run: the run's id and menus, the trial's label, description and icon", () => {
    const node = tree.getChildren()[2];
    const children = tree.getChildren(node);
    assert.deepEqual(children, ['grid-t0', 'grid-t1', 'grid-t2', 'grid-t3', 'grid-t1-a0']);
    const best = tree.getTreeItem('grid-t0') as unknown as TreeItem;
    assert.equal(best.label, 'trial 0');
    assert.equal(best.id, 'grid-t0');
    assert.equal(best.iconPath?.id, 'star-full');
    assert.equal(best.contextValue, 'completed', 'the run menus apply to a trial');
    assert.deepEqual(best.command?.arguments, ['grid-t0']);
    assert.equal((tree.getTreeItem('grid-t1') as unknown as TreeItem).iconPath?.id, 'stop-circle');
    assert.strictEqual(tree.getParent('grid-t1'), node);
    assert.equal(tree.getParent('later-run'), undefined);
  });

  it('shows a damaged sweep with a warning and its reason, and its runs under it', () => {
    const node = tree.getChildren()[0];
    assert.ok(typeof node !== 'string');
    const item = tree.getTreeItem(node) as unknown as TreeItem;
    assert.equal(item.description, 'damaged');
    assert.equal(item.iconPath?.id, 'warning');
    assert.equal(item.command, undefined);
    assert.match(item.tooltip?.value ?? '', /not valid JSON/);
    assert.deepEqual(tree.getChildren(node), ['broken-t0']);
  });

  it('refreshes a sweep node when its record changes, everything when sweeps come or go', () => {
    const fired: unknown[] = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
    sweepsChanged.fire({ reload: false, sweepIds: [SWEEP] });
    assert.strictEqual(fired[0], tree.getChildren()[2]);
    sweepsChanged.fire({ reload: true, sweepIds: [] });
    assert.equal(fired[1], undefined);
    assert.equal(fired.length, 2);
  });
});

describe("package.json's sweep menus", () => {
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[]; menus: Record<string, { command: string; when?: string }[]> };
  };
  const context = manifest.contributes.menus['view/item/context'];
  /** Whether a menu entry is offered on an item with this contextValue in a trusted workspace (the regular expression of its when clause). */
  const offered = (command: string, viewItem: string) =>
    context
      .filter((m) => m.command === command)
      .some((m) => {
        const re = /viewItem =~ \/(.*?)\/( |$)/.exec(m.when ?? '');
        return re ? new RegExp(re[1]).test(viewItem) : /viewItem( |$)/.test(m.when ?? '');
      });

  it("offers Open Sweep View (the sweep view module's command), Open Sweep File, Stop, Resume, Rerun best and Replay where they apply", () => {
    assert.ok(manifest.contributes.commands.some((c) => c.command === 'vaerec.openSweepView'));
    assert.ok(offered('vaerec.openSweepView', 'sweep completed best'));
    assert.ok(offered('vaerec.openSweepView', 'sweep running'));
    assert.ok(!offered('vaerec.openSweepView', 'sweep damaged'));
    assert.ok(offered('vaerec.openSweepFile', 'sweep stopped'));
    assert.ok(!offered('vaerec.openSweepFile', 'sweep damaged'));
    assert.ok(offered('vaerec.replaySweep', 'sweep completed best'));
    assert.ok(!offered('vaerec.replaySweep', 'sweep running best'));
    assert.ok(!offered('vaerec.replaySweep', 'sweep stopped'));
    assert.ok(offered('vaerec.stopSweep', 'sweep running best'));
    assert.ok(!offered('vaerec.stopSweep', 'sweep stopped'));
    assert.ok(offered('vaerec.resumeSweep', 'sweep stopped'));
    assert.ok(offered('vaerec.resumeSweep', 'sweep interrupted best'));
    assert.ok(!offered('vaerec.resumeSweep', 'sweep completed best'));
    assert.ok(offered('vaerec.rerunBestSweep', 'sweep completed best'));
    assert.ok(!offered('vaerec.rerunBestSweep', 'sweep completed'));
  });

  it('keeps the run menus off sweep and trial nodes', () => {
    for (const command of ['vaerec.openDashboard', 'vaerec.revealRunFolder', 'vaerec.deleteRun', 'vaerec.stopTraining', 'vaerec.rerunWithChanges'])
      for (const viewItem of ['sweep running best', 'sweep damaged', 'trial pending']) assert.ok(!offered(command, viewItem), `${command} on ${viewItem}`);
    assert.ok(offered('vaerec.revealRunFolder', 'completed inspectable'));
    assert.ok(offered('vaerec.revealRunFolder', 'damaged'));
  });
});
