import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricsLine, RunRecord } from '../../src/shared/runSchema';
import { csvField, defaultExportFileName, formatRunsCsv, formatRunsJson, type ExportedRun } from '../../src/extension/dashboard/exportFormat';

function record(id: string, name: string): RunRecord {
  return {
    schemaVersion: 1,
    id,
    name,
    model: 'mvae',
    status: 'completed',
    config: {} as RunRecord['config'],
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    epochsCompleted: 1,
    steps: 2,
    epochSeconds: [2],
    artifacts: {},
  };
}

const lines: MetricsLine[] = [
  { kind: 'step', step: 1, epoch: 1, time: 0.5, loss: 3, nll: 2.5, kl: 5, beta: 0, negElbo: 7.5 },
  { kind: 'epoch', epoch: 1, step: 1, time: 0.75, seconds: 0.7, loss: 3, nll: 2.5, kl: 5, beta: 0, negElbo: 7.5, 'val_ndcg@100': 0.25 },
];

test('csvField quotes commas, quotes and line breaks only', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(0.125), '0.125');
  assert.equal(csvField(NaN), 'NaN');
  assert.equal(csvField(undefined), '');
});

test('CSV has a header, one row per line, escaped names and empty epoch-only cells on step rows', () => {
  const runs: ExportedRun[] = [{ record: record('r1', 'beta 0.2, "fast"'), lines }];
  const rows = formatRunsCsv(runs).split('\r\n');
  assert.equal(rows[0], 'run_id,run_name,model,kind,step,epoch,time,loss,nll,kl,beta,neg_elbo,epoch_seconds,val_ndcg@100,lambda');
  assert.equal(rows[1], 'r1,"beta 0.2, ""fast""",mvae,step,1,1,0.5,3,2.5,5,0,7.5,,,');
  assert.equal(rows[2], 'r1,"beta 0.2, ""fast""",mvae,epoch,1,1,0.75,3,2.5,5,0,7.5,0.7,0.25,');
  assert.equal(rows[3], '');
  assert.equal(rows.length, 4);
});

test("an EASE run's fit lines give a row per lambda: its fit time, validation NDCG@100 and lambda, no loss", () => {
  const fits: MetricsLine[] = [
    { kind: 'fit', step: 1, epoch: 0, time: 12.5, seconds: 12, lambda: 250, 'val_ndcg@100': 0.41 },
    { kind: 'fit', step: 2, epoch: 0, time: 25, seconds: 12.25, lambda: 500, 'val_ndcg@100': 0.42 },
  ];
  const rows = formatRunsCsv([{ record: record('e1', 'ease'), lines: fits }]).split('\r\n');
  assert.equal(rows[1], 'e1,ease,mvae,fit,1,0,12.5,,,,,,12,0.41,250');
  assert.equal(rows[2], 'e1,ease,mvae,fit,2,0,25,,,,,,12.25,0.42,500');
});

test('CSV of several runs concatenates their rows', () => {
  const csv = formatRunsCsv([
    { record: record('a', 'A'), lines },
    { record: record('b', 'B'), lines: lines.slice(0, 1) },
  ]);
  assert.equal(csv.trim().split('\r\n').length, 1 + 2 + 1);
});

test('JSON keeps the record and the full series', () => {
  const doc = JSON.parse(formatRunsJson([{ record: record('r1', 'n'), lines }], new Date('2026-02-03T04:05:06Z')));
  assert.equal(doc.exportedAt, '2026-02-03T04:05:06.000Z');
  assert.equal(doc.runs.length, 1);
  assert.equal(doc.runs[0].id, 'r1');
  assert.equal(doc.runs[0].record.name, 'n');
  assert.deepEqual(doc.runs[0].metrics, lines);
});

test('default export file names', () => {
  const now = new Date('2026-02-03T04:05:06Z');
  assert.equal(defaultExportFileName('csv', [{ record: record('r1', 'n'), lines }], now), 'vaerec-r1-2026-02-03-04-05-06.csv');
  assert.equal(
    defaultExportFileName(
      'json',
      [
        { record: record('a', 'n'), lines },
        { record: record('b', 'n'), lines },
      ],
      now,
    ),
    'vaerec-2-runs-2026-02-03-04-05-06.json',
  );
});
