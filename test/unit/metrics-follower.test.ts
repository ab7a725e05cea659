/**
 * The shared follower of a run's metrics.jsonl (src/shared/metricsFollower.ts): only what was
 * appended is read, a torn last line waits for its end, a replaced file is read again, a damaged
 * file's overlong line is skipped, and a file too large to chart whole is streamed (the event loop
 * keeps turning) and thinned, saying so.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { MAX_CHARTED_STEPS, MAX_LINE_BYTES, MetricsFollower, readMetricsFile } from '../../src/shared/metricsFollower';
import type { MetricsLine } from '../../src/shared/runSchema';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

const step = (n: number): MetricsLine => ({ kind: 'step', step: n, epoch: 1, time: n, loss: 1, nll: 1, kl: 0, beta: 0, negElbo: 1 });
const epoch = (n: number): MetricsLine => ({ kind: 'epoch', epoch: n, step: n * 10, time: n, seconds: 1, loss: 1, nll: 1, kl: 0, beta: 0, negElbo: 1 });
const jsonl = (lines: MetricsLine[]) => lines.map((l) => JSON.stringify(l) + '\n').join('');
const file = () => path.join(tempDir('vaerec-follow-'), 'metrics.jsonl');

describe('MetricsFollower', () => {
  it('a missing file is an empty series, read once it appears', async () => {
    const f = file();
    const follower = new MetricsFollower(f);
    assert.deepEqual(await follower.poll(), { appended: [], resampled: false });
    fs.writeFileSync(f, jsonl([step(1)]));
    assert.deepEqual((await follower.poll()).appended, [step(1)]);
  });

  it('each poll hands out only what was appended since the last', async () => {
    const f = file();
    const follower = new MetricsFollower(f);
    fs.writeFileSync(f, jsonl([step(1), step(2)]));
    assert.deepEqual((await follower.poll()).appended, [step(1), step(2)]);
    assert.deepEqual((await follower.poll()).appended, []);
    fs.appendFileSync(f, jsonl([step(3), epoch(1)]));
    assert.deepEqual((await follower.poll()).appended, [step(3), epoch(1)]);
    assert.deepEqual(follower.series.lines, [step(1), step(2), step(3), epoch(1)]);
  });

  it('leaves a torn last line for the next poll', async () => {
    const f = file();
    const follower = new MetricsFollower(f);
    const text = jsonl([step(1), step(2)]);
    fs.writeFileSync(f, text.slice(0, text.length - 10));
    assert.deepEqual((await follower.poll()).appended, [step(1)]);
    assert.equal(follower.series.tornTail, true);
    fs.appendFileSync(f, text.slice(text.length - 10));
    assert.deepEqual((await follower.poll()).appended, [step(2)]);
    assert.equal(follower.series.tornTail, false);
  });

  it('a file that shrank or was replaced is read again from the start, and says so', async () => {
    const f = file();
    const follower = new MetricsFollower(f);
    fs.writeFileSync(f, jsonl([step(1), step(2), step(3)]));
    await follower.poll();
    fs.writeFileSync(f + '.new', jsonl([step(7)]));
    fs.renameSync(f + '.new', f);
    assert.deepEqual(await follower.poll(), { appended: [], resampled: true });
    assert.deepEqual(follower.series.lines, [step(7)]);
  });

  it('skips a "line" longer than MAX_LINE_BYTES (a damaged file without newlines) and reads on after it', async () => {
    const f = file();
    fs.writeFileSync(f, jsonl([step(1)]) + 'x'.repeat(MAX_LINE_BYTES + 10) + '\n' + jsonl([step(2)]));
    const series = await readMetricsFile(f);
    assert.deepEqual(series.lines, [step(1), step(2)]);
    assert.equal(series.bad, 1);
  });

  it("an EASE run's fit lines (all of epoch 0, numbered by step) are handed out once each and never thinned", async () => {
    const f = file();
    const fit = (n: number): MetricsLine => ({ kind: 'fit', step: n, epoch: 0, time: n, seconds: 1, lambda: 100 * n, 'val_ndcg@100': 0.4 });
    const follower = new MetricsFollower(f, 2);
    fs.writeFileSync(f, jsonl([fit(1), fit(2)]));
    assert.deepEqual((await follower.poll()).appended, [fit(1), fit(2)]);
    fs.appendFileSync(f, jsonl([fit(3)]));
    assert.deepEqual((await follower.poll()).appended, [fit(3)]);
    fs.appendFileSync(f, jsonl([1, 2, 3, 4, 5].map(step)));
    assert.equal((await follower.poll()).resampled, true);
    assert.deepEqual(
      follower.series.lines.filter((l) => l.kind === 'fit'),
      [fit(1), fit(2), fit(3)],
    );
  });

  it('a file too large to chart whole is streamed (the event loop turns meanwhile) and thinned by step, saying so', async () => {
    const f = file();
    const steps = 2 * MAX_CHARTED_STEPS + 1234;
    const out = fs.openSync(f, 'w');
    for (let s = 1; s <= steps; s += 10_000) {
      const lines: MetricsLine[] = [];
      for (let k = s; k < Math.min(steps + 1, s + 10_000); k++) lines.push(step(k));
      lines.push(epoch(Math.ceil(s / 10_000)));
      fs.writeSync(out, jsonl(lines));
    }
    fs.closeSync(out);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const series = await readMetricsFile(f);
    clearInterval(timer);
    assert.ok(ticks > 0, 'the file was not read in one blocking call');
    assert.equal(series.stepLines, steps);
    assert.equal(series.stride, 4, `${steps} steps over a cap of ${MAX_CHARTED_STEPS}: every 4th`);
    const kept = series.lines.filter((l) => l.kind === 'step');
    assert.equal(kept.length, Math.floor(steps / 4));
    assert.ok(kept.every((l) => l.step % 4 === 0));
    assert.equal(series.lines.filter((l) => l.kind === 'epoch').length, Math.ceil(steps / 10_000), 'every epoch line is kept');
  });
});
