import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { MetricsLine } from '../../src/shared/runSchema';
import { MetricsCursor, MetricsWatermark } from '../../src/extension/metricsCursor';

const step = (n: number): MetricsLine => ({ kind: 'step', step: n, epoch: 1, time: n, loss: 1, nll: 1, kl: 0, beta: 0, negElbo: 1 });
const epoch = (n: number): MetricsLine => ({ kind: 'epoch', epoch: n, step: n * 10, time: n, seconds: 1, loss: 1, nll: 1, kl: 0, beta: 0, negElbo: 1 });
const jsonl = (lines: MetricsLine[]) => lines.map((l) => JSON.stringify(l) + '\n').join('');

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ext-cursor-')), 'metrics.jsonl');
}

describe('metrics cursor', () => {
  it('returns nothing for a missing file', () => {
    assert.deepEqual(new MetricsCursor(tempFile()).readAppended(), []);
  });

  it('reads only what was appended since the last call', () => {
    const file = tempFile();
    const cursor = new MetricsCursor(file);
    fs.writeFileSync(file, jsonl([step(1), step(2)]));
    assert.deepEqual(cursor.readAppended(), [step(1), step(2)]);
    assert.deepEqual(cursor.readAppended(), []);
    fs.appendFileSync(file, jsonl([step(3), epoch(1)]));
    assert.deepEqual(cursor.readAppended(), [step(3), epoch(1)]);
  });

  it('skipExisting starts after the complete lines already there and keeps a torn tail for the next call', () => {
    const file = tempFile();
    const lines = Array.from({ length: 3000 }, (_, i) => step(i + 1));
    const full = jsonl(lines);
    assert.ok(full.length > 128 * 1024, 'more than one tail chunk');
    const torn = jsonl([step(3001)]);
    fs.writeFileSync(file, full + torn.slice(0, 20));
    const cursor = new MetricsCursor(file);
    cursor.skipExisting();
    assert.deepEqual(cursor.readAppended(), []);
    fs.writeFileSync(file, full + torn);
    assert.deepEqual(cursor.readAppended(), [step(3001)]);
    fs.appendFileSync(file, jsonl([step(3002)]));
    assert.deepEqual(cursor.readAppended(), [step(3002)]);
  });

  it('skipExisting on a missing or newline-free file reads everything later', () => {
    const file = tempFile();
    const cursor = new MetricsCursor(file);
    cursor.skipExisting();
    fs.writeFileSync(file, '{"kind":"st');
    cursor.skipExisting();
    fs.writeFileSync(file, jsonl([step(1)]));
    assert.deepEqual(cursor.readAppended(), [step(1)]);
  });

  it('leaves a torn last line for the next call', () => {
    const file = tempFile();
    const cursor = new MetricsCursor(file);
    const full = jsonl([step(1), step(2)]);
    fs.writeFileSync(file, full.slice(0, full.length - 10));
    assert.deepEqual(cursor.readAppended(), [step(1)]);
    fs.writeFileSync(file, full);
    assert.deepEqual(cursor.readAppended(), [step(2)]);
  });

  it('does not repeat lines that arrived live before they reached the file', () => {
    const file = tempFile();
    const cursor = new MetricsCursor(file);
    assert.deepEqual(cursor.admit([step(1), step(2)]), [step(1), step(2)]);
    fs.writeFileSync(file, jsonl([step(1), step(2), step(3)]));
    assert.deepEqual(cursor.readAppended(), [step(3)]);
    assert.deepEqual(cursor.admit([step(3), epoch(1)]), [epoch(1)]);
  });

  it('starts over when the file was replaced by a shorter one, without repeating lines', () => {
    const file = tempFile();
    const cursor = new MetricsCursor(file);
    fs.writeFileSync(file, jsonl([step(1), step(2), step(3)]));
    cursor.readAppended();
    fs.writeFileSync(file, jsonl([step(4)]));
    assert.deepEqual(cursor.readAppended(), [step(4)]);
  });

  it('keeps step and epoch lines apart in the watermark', () => {
    const mark = new MetricsWatermark();
    assert.deepEqual(mark.admit([step(5), epoch(1), step(5), epoch(1), epoch(2)]), [step(5), epoch(1), epoch(2)]);
  });
});
