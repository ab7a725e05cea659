/**
 * Issue 14, item 7: a popularity run shows what applies to a kind fitted in one pass (no epochs,
 * learning rate, batch or best epoch; no curve but its validation NDCG@100), in the CLI's summary,
 * the Runs tree, the dashboard's table and charts and the trainer's log; and it has its own palette
 * command, contributed through the model-kind registry.
 * What runs the trainer or the CLI for these items is in test/process/ux-cli.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { runDescription, runTooltipMarkdown } from '../../src/extension/runPresentation';
import { trainerLogLine } from '../../src/extension/trainerLog';
import { configSummary, editableHyperparameters } from '../../src/extension/trainSettings';
import { MODEL_INFO } from '../../src/shared/modelKinds';
import type { RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { DashboardModel } from '../../webview/dashboard/dashboardModel';
import { DETAIL_COLUMNS, toRow } from '../../webview/dashboard/runRows';

const ROOT = path.resolve(__dirname, '../..');

function pop(extra: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: 1,
    id: 'pop-1',
    name: 'popularity',
    model: 'pop',
    status: 'completed',
    config: makeConfig('pop', '/data/ml', { protocol: { heldoutUsers: 600 } }),
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:04Z',
    finishedAt: '2026-01-01T00:00:04Z',
    epochsCompleted: 0,
    steps: 0,
    epochSeconds: [],
    artifacts: { model: 'model' },
    backend: 'js',
    best: { epoch: 0, 'ndcg@100': 0.2214 },
    lastValidation: { epoch: 0, 'ndcg@100': 0.2214 },
    test: { 'ndcg@100': 0.2181, 'recall@10': 0.15, 'recall@20': 0.1692, 'recall@50': 0.2403, users: 600 },
    ...extra,
  };
}

describe('popularity runs show what applies to them', () => {
  it('the Runs tree: its validation NDCG@100, no epochs, optimiser or backend in the tooltip', () => {
    const entry = { ok: true as const, dir: '/runs/pop-1', record: pop() };
    assert.equal(runDescription(entry), 'Popularity · val NDCG@100 0.221');
    assert.equal(runDescription({ ...entry, record: pop({ status: 'running', best: undefined }) }), 'Popularity · fitting');
    const md = runTooltipMarkdown(entry);
    assert.match(md, /training \| fitted in one pass/);
    assert.match(md, /val NDCG@100 \| 0\.221/);
    for (const absent of [/epochs \|/, /optimiser/, /lr /, /batch/, /backend/, /\(epoch 0\)/]) assert.doesNotMatch(md, absent);
  });

  it('the dashboard table: "fitted" for epochs, dashes for LR, batch and layers, no "(ep 0)"', () => {
    const record = pop();
    const cell = (key: string) => DETAIL_COLUMNS.find((c) => c.key === key)!;
    assert.equal(cell('epochs').format(record), 'fitted');
    assert.equal(cell('lr').format(record), '–');
    assert.equal(cell('batch').format(record), '–');
    assert.equal(cell('arch').format(record), '–');
    assert.equal(cell('beta').format(record), '–');
    assert.equal(cell('bestVal').format(record), '0.221');
    assert.equal(cell('testNdcg').format(record), '0.218');
    for (const key of ['epochs', 'lr', 'batch', 'arch']) assert.equal(cell(key).value(record), undefined, `${key} sorts last`);
    assert.equal(toRow({ entry: { ok: true, dir: '/r', record }, colour: 0 }).model, 'pop');
  });

  it('the dashboard charts: overlaid, it is drawn as its validation NDCG@100, not as an empty curve', () => {
    const m = new DashboardModel();
    m.apply({
      type: 'state',
      runs: [{ entry: { ok: true, dir: '/r', record: pop() }, colour: 2 }],
      selected: ['pop-1'],
      series: { 'pop-1': [] },
      sampling: {},
    });
    const [charted] = m.chartRuns();
    assert.deepEqual(charted.fitted, { valNdcg: 0.2214 });
    assert.equal(charted.label, 'popularity · Popularity');
  });

  it('the log: one line at the end, without epochs', () => {
    const line = trainerLogLine(
      { type: 'done', status: 'completed', runId: 'pop-1', test: pop().test, best: { epoch: 0, 'ndcg@100': 0.2214 }, epochs: 0, backend: 'js' },
      'pop',
    );
    assert.deepEqual(line, {
      level: 'info',
      text: 'Popularity run pop-1 completed: test NDCG@100 0.218, Recall@20 0.169, Recall@50 0.240 · val NDCG@100 0.221',
    });
  });

  it('Train offers only what applies: the seed and the protocol, no epoch presets', () => {
    const config = makeConfig('pop', '/data');
    assert.deepEqual(Object.keys(editableHyperparameters(config)).sort(), ['protocol', 'seed']);
    assert.equal(configSummary(config), 'fitted in one pass, seed 98765, held-out users auto');
    assert.match(configSummary(makeConfig('mvae', '/data')), /^100 epochs, batch 500, lr 0\.001, 600-200, dropout 0\.5, β cap 0\.2$/);
  });

  it('"Recommender: Train Popularity Baseline" comes from the registry\'s trainCommand and is contributed', () => {
    const command = MODEL_INFO.pop.trainCommand;
    assert.equal(command, 'vaerec.trainPopularity');
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string; title: string; category: string }[]; menus: { commandPalette: { command: string; when: string }[] } };
    };
    const contributed = manifest.contributes.commands.find((c) => c.command === command);
    assert.deepEqual(contributed && `${contributed.category}: ${contributed.title}`, 'Recommender: Train Popularity Baseline');
    assert.equal(manifest.contributes.menus.commandPalette.find((c) => c.command === command)?.when, 'isWorkspaceTrusted');
  });
});
