/**
 * Issue 13, the CLI attacked as an adversary would: every failure is one line that starts with
 * `vaerec: error:` and names the file it is about, with the documented exit code (2 bad input,
 * 1 a command that could not do its work); nothing is lost silently. Cases by class: argument
 * errors, paths that are not what they claim (a link to a directory, a named pipe, a link loop, a
 * read-only mount), values too large, damaged weights, runs directories that are not there,
 * warnings under --quiet and --json, and an export that cannot be cut mid-row.
 * Runs the bundled dist/cli.js (npm test builds first).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readRun } from '../../src/shared/runReader';
import { generateMovies, generateRatings } from '../fixtures/generate';
import { dirWith, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli } from '../helpers/cli';

after(removeTempDirs);

const ROOT = path.resolve(__dirname, '../..');
const DISK_FULL = path.join(ROOT, 'test/fixtures/diskFull.mjs');

const rows = generateRatings({ users: 120, items: 60, seed: 21, clusters: 3 });
const datLines = rows.map((r) => `${r.user}::${r.item}::${r.rating}::${r.timestamp}`);
const moviesDat = generateMovies(60, 21)
  .map((m) => `${m.id}::${m.title}::${m.genres.join('|')}`)
  .join('\n');

/** A MovieLens-1M layout directory whose ratings.dat has `replace` applied to its lines. */
function dataset(replace: (lines: string[]) => void = () => undefined): string {
  const lines = [...datLines];
  replace(lines);
  return dirWith({ 'ratings.dat': lines.join('\n') + '\n', 'movies.dat': moviesDat + '\n' });
}

/** `--quiet`: stderr holds only warnings and the error, which is what these tests look at. */
const train = (data: string, runs: string, extra: string[] = ['--quiet']) =>
  cli(['train', '--data', data, '--runs-dir', runs, '--epochs', '1', '--heldout', '10', '--backend', 'cpu', ...extra]);

/** The failure contract: the exit code, exactly one stderr line with our prefix, matching `pattern`. */
function oneLineError(r: { code: number | null; stderr: string }, code: number, pattern: RegExp): string {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr.slice(0, 2000)}`);
  assert.match(lines[0], /^vaerec: error: /);
  assert.match(lines[0], pattern);
  assert.ok(lines[0].length < 600, `a readable line (${lines[0].length} characters)`);
  assert.equal(r.code, code, `exit code (${lines[0]})`);
  return lines[0];
}

describe('argument errors: one line, exit 2, no help text', () => {
  const data = dataset();
  for (const [name, args, pattern] of [
    ['an unknown option', ['train', '--data', data, '--epoch', '3'], /unknown option '--epoch'.*Did you mean --epochs\?.*\(see vaerec train --help\)$/],
    // --data may come from --config instead, so its absence is found after parsing, in the same one line.
    ['a missing dataset', ['train', '--epochs', '3'], /a dataset is required: --data DIR\|FILE\|ml-1m \(or data\.source in --config\)/],
    ['a stray positional argument', ['train', '--data', data, 'ratings.dat'], /too many arguments/],
    ['an invalid number', ['train', '--data', data, '--epochs', 'ten'], /--epochs must be an integer >= 1/],
    ['an unknown command', ['trian'], /unknown command 'trian'/],
    // The longest argument the kernel passes (MAX_ARG_STRLEN is 128 KiB).
    ['a 100 000-character model name', ['train', '--data', data, '--model', 'm'.repeat(100_000)], /unknown model "m{80}"… \(100000 characters\)/],
  ] as const) {
    it(name, () => void oneLineError(cli([...args]), 2, pattern));
  }

  it('--columns or --delimiter for a MovieLens directory are refused, not ignored', () => {
    const runs = tempDir();
    oneLineError(
      train(data, runs, ['--quiet', '--columns', 'user,item,rating']),
      2,
      /columns apply only to a CSV\/TSV ratings file, not to a MovieLens directory/,
    );
    oneLineError(train(data, runs, ['--quiet', '--delimiter', ';']), 2, /delimiter apply only to a CSV\/TSV ratings file/);
    assert.deepEqual(fs.readdirSync(runs), []);
  });
});

describe('paths that are not what they claim: one line naming the path, exit 2, no hang', () => {
  it('ratings.dat is a link to a directory', () => {
    const data = dataset();
    fs.rmSync(path.join(data, 'ratings.dat'));
    fs.symlinkSync(tempDir(), path.join(data, 'ratings.dat'));
    oneLineError(train(data, tempDir()), 2, new RegExp(`${data}/ratings\\.dat: is a directory, not a file$`));
  });

  it('ratings.dat is a named pipe that nobody writes (it would block a reader for ever)', () => {
    const data = dataset();
    fs.rmSync(path.join(data, 'ratings.dat'));
    const made = spawnSync('mkfifo', [path.join(data, 'ratings.dat')]);
    assert.equal(made.status, 0, 'mkfifo');
    oneLineError(train(data, tempDir()), 2, new RegExp(`${data}/ratings\\.dat: is a named pipe \\(FIFO\\), not a regular file$`));
  });

  it('a generic ratings file that is a named pipe', () => {
    const fifo = path.join(tempDir(), 'ratings.csv');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    oneLineError(train(fifo, tempDir()), 2, /ratings\.csv: is a named pipe \(FIFO\), not a regular file$/);
  });

  it('--data is a symbolic link loop: a loop, not "no such file"', () => {
    const dir = tempDir();
    fs.symlinkSync(path.join(dir, 'b'), path.join(dir, 'a'));
    fs.symlinkSync(path.join(dir, 'a'), path.join(dir, 'b'));
    const line = oneLineError(train(path.join(dir, 'a'), tempDir()), 2, /a symbolic link loop \(too many levels of links\) \(ELOOP\)$/);
    assert.doesNotMatch(line, /no such file/);
  });

  it('a runs directory on a read-only mount: EROFS, not ENOENT', (t) => {
    const mountPoint = tempDir();
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mountPoint]).status !== 0) {
      t.skip('mounting a read-only tmpfs needs CAP_SYS_ADMIN');
      return;
    }
    try {
      oneLineError(
        train(dataset(), path.join(mountPoint, 'runs')),
        1,
        new RegExp(`cannot create the runs directory ${mountPoint}/runs: EROFS: read-only file system`),
      );
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  });
});

describe('values and data the protocol cannot use: one line, exit 2', () => {
  it('a 16-digit user id is too large, not "not a non-negative integer"', () => {
    const data = dataset((lines) => (lines[6] = '1234567890123456::3::4::978300760'));
    oneLineError(train(data, tempDir()), 2, new RegExp(`${data}/ratings\\.dat:7: user id "1234567890123456" is too large \\(more than 15 digits\\)$`));
  });

  it('a megabyte of NUL bytes on one line: the line is named, the field cut to 80 characters', () => {
    const data = dataset((lines) => (lines[9] = `${'\u0000'.repeat(1 << 20)}::3::4::978300760`));
    oneLineError(
      train(data, tempDir()),
      2,
      new RegExp(`${data}/ratings\\.dat:10: user id "(\\\\u0000){80}"… \\(1048576 characters\\) is not a non-negative integer$`),
    );
  });

  it('no user qualifies at all: says so, instead of asking for fewer held-out users', () => {
    const data = dataset((lines) => lines.forEach((l, i) => (lines[i] = l.replace(/::[0-9.]+::(\d+)$/, '::1::$1'))));
    oneLineError(train(data, tempDir()), 2, /no user has at least 5 ratings above 3\.5: there is nothing to train on$/);
  });

  it('more held-out users than the data has: exit 2 (bad input), as documented', () => {
    oneLineError(train(dataset(), tempDir(), ['--quiet', '--heldout', '1000']), 2, /too few for 1000 validation \+ 1000 test users/);
  });
});

describe('nothing lost silently', () => {
  it('--quiet and --json still print warnings; run.json records the skipped rows', () => {
    const data = dataset((lines) => {
      lines[4] = 'garbage';
      lines[8] = `${'x'.repeat(1 << 20)}::1::5::1`;
    });
    for (const flag of ['--quiet', '--json']) {
      const runs = tempDir();
      const r = train(data, runs, [flag, '--skip-bad-rows']);
      assert.equal(r.code, 0, r.stderr);
      const warnings = r.stderr.trimEnd().split('\n');
      assert.equal(warnings.length, 1, r.stderr.slice(0, 2000));
      assert.match(warnings[0], /^warning: skipped 2 malformed rows, e\.g\. .*ratings\.dat:5: .*ratings\.dat:9: user id "x{80}"… \(1048576 characters\)/);
      const [id] = fs.readdirSync(runs);
      const entry = readRun(path.join(runs, id));
      assert.ok(entry.ok);
      assert.equal(entry.record.dataWarnings?.skippedRows?.count, 2);
      assert.equal(entry.record.dataWarnings?.skippedRows?.examples.length, 2);
      if (flag === '--json') {
        const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { status: string; warnings?: string[] };
        assert.equal(summary.status, 'completed');
        assert.equal(summary.warnings?.length, 1);
      }
    }
  });

  it('vaerec runs on a runs directory that is missing, a file or unreadable is an error, not "no runs"', () => {
    const missing = path.join(tempDir(), 'nope');
    oneLineError(cli(['runs', '--runs-dir', missing]), 2, new RegExp(`${missing}: no such file or directory \\(ENOENT\\)`));
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    oneLineError(cli(['runs', '--runs-dir', file]), 2, new RegExp(`${file}: not a directory`));
    const empty = tempDir();
    const r = cli(['runs', '--runs-dir', empty]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), `no runs in ${empty}`);
  });
});

describe('damaged weights and exports', () => {
  const runs = tempDir();
  let run = '';
  let user = '';
  before(() => {
    const r = train(dataset(), runs, ['--quiet', '--json']);
    assert.equal(r.code, 0, r.stderr);
    run = String((JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runDir: string }).runDir);
    user = (JSON.parse(fs.readFileSync(path.join(run, 'split.json'), 'utf8')) as { test: { user: string }[] }).test[0].user;
  });

  function damaged(name: string, damage: (dir: string) => void): string {
    const dir = path.join(runs, name);
    fs.cpSync(run, dir, { recursive: true });
    damage(dir);
    return dir;
  }

  it('a damaged model.json: one line naming it, not "Unexpected end of JSON input"', () => {
    const dir = damaged('cut-model-json', (d) => fs.writeFileSync(path.join(d, 'model', 'model.json'), '{"weightsManifest": [{"pa'));
    const line = oneLineError(
      cli(['recommend', '--run', dir, '--user', user]),
      1,
      new RegExp(`${dir}/model/model\\.json: damaged \\(truncated or not valid JSON\\)$`),
    );
    assert.doesNotMatch(line, /Unexpected end of JSON/);
  });

  it('junk appended to weights.bin is refused, naming the file', () => {
    const dir = damaged('junk-weights', (d) => fs.appendFileSync(path.join(d, 'model', 'weights.bin'), Buffer.alloc(100, 7)));
    oneLineError(
      cli(['recommend', '--run', dir, '--user', user]),
      1,
      /weights\.bin: the weights do not match model\.json \(\d+ bytes where it describes \d+\)$/,
    );
  });

  it('weights without their model.json: vaerec runs warns', () => {
    const dir = damaged('no-model-json', (d) => fs.rmSync(path.join(d, 'model', 'model.json')));
    const listed = JSON.parse(cli(['runs', '--runs-dir', runs, '--json']).stdout) as { id: string; warning?: string }[];
    assert.equal(listed.find((r) => r.id === path.basename(dir))?.warning, 'model/model.json is missing');
  });

  it('export to a directory: one line, exit 2; a full disk leaves no CSV cut mid-row', () => {
    const outDir = tempDir();
    oneLineError(cli(['export', '--run', run, '--out', outDir]), 2, new RegExp(`${outDir}: is a directory; --out names the CSV file to write$`));
    const out = path.join(outDir, 'recs.csv');
    fs.writeFileSync(out, 'the previous export\n');
    const r = cli(['export', '--run', run, '--out', out, '--users', 'all'], {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${DISK_FULL}`,
      VAEREC_DISK_FULL_DIR: outDir,
      VAEREC_DISK_FULL_BYTES: '4096',
    });
    oneLineError(r, 1, new RegExp(`cannot write ${out}: no space left on device \\(ENOSPC\\)$`));
    assert.equal(fs.readFileSync(out, 'utf8'), 'the previous export\n', 'the previous file is intact');
    assert.deepEqual(fs.readdirSync(outDir), ['recs.csv'], 'no temporary file is left');
  });
});
