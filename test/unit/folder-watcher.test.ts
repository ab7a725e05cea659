/**
 * The runs and sweeps stores' own watcher (src/extension/folderWatcher.ts): every replacement of a
 * record by a rename is reported, in subfolders there from the start and in ones made later.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { watchFolder, type FolderWatcher } from '../../src/extension/folderWatcher';

/** Writes a record the way the trainer and the coordinator do: a temporary file renamed over it. */
function replace(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

describe('watchFolder', () => {
  let dir: string;
  let watcher: FolderWatcher | undefined;
  let names: string[];
  let waiters: { want: string; resolve: () => void }[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-watch-'));
    names = [];
    waiters = [];
  });
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = () => {
    watcher = watchFolder(
      dir,
      (name) => {
        names.push(name ?? '');
        for (const w of waiters.filter((x) => x.want === name)) w.resolve();
        waiters = waiters.filter((x) => x.want !== name);
      },
      () => undefined,
    );
    assert.ok(watcher);
  };
  /**
   * Resolves at the next event naming `want`, then after a quiet moment, so that one write's
   * duplicate events cannot stand for the next write's; fails after 5 s.
   */
  const next = (want: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event for ${want} within 5 s; saw ${names.join(', ') || 'none'}`)), 5000);
      waiters.push({ want, resolve: () => (clearTimeout(timer), setTimeout(resolve, 300)) });
    });

  it('reports every replacement of a record in a subfolder that was there from the start', async () => {
    fs.mkdirSync(path.join(dir, 'sweep-a'));
    replace(path.join(dir, 'sweep-a', 'sweep.json'), '{"status":"running"}');
    start();
    for (const status of ['stopped', 'running', 'completed']) {
      const seen = next(path.join('sweep-a', 'sweep.json'));
      replace(path.join(dir, 'sweep-a', 'sweep.json'), `{"status":"${status}"}`);
      await seen;
    }
  });

  it('follows subfolders made after it started, and reports the new folder itself', async () => {
    start();
    const folder = next('run-b');
    fs.mkdirSync(path.join(dir, 'run-b'));
    await folder;
    for (const status of ['running', 'completed']) {
      const seen = next(path.join('run-b', 'run.json'));
      replace(path.join(dir, 'run-b', 'run.json'), `{"status":"${status}"}`);
      await seen;
    }
  });

  it('follows a subfolder deleted and made again under the same name', async () => {
    fs.mkdirSync(path.join(dir, 'run-c'));
    start();
    const gone = next('run-c');
    fs.rmSync(path.join(dir, 'run-c'), { recursive: true });
    await gone;
    const back = next('run-c');
    fs.mkdirSync(path.join(dir, 'run-c'));
    await back;
    const seen = next(path.join('run-c', 'run.json'));
    replace(path.join(dir, 'run-c', 'run.json'), '{"status":"running"}');
    await seen;
  });

  it('is undefined for a folder that does not exist', () => {
    assert.equal(
      watchFolder(
        path.join(dir, 'missing'),
        () => undefined,
        () => undefined,
      ),
      undefined,
    );
  });
});
