/**
 * docs/RELIABILITY.md promises that every row is backed by a test that runs in `npm test`. This keeps
 * the promise checkable: every `file › describe › test` reference in it must name a test file of a
 * suite `npm test` runs, and every part of the name must be in that file (a renamed or deleted test
 * fails here). "…" in a reference stands for an omitted part; names built from template literals are
 * matched with their `${…}` parts as wildcards.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');
/** The suites `npm test` runs: unit tests, process tests, the extension-host integration suites and the end-to-end specs. */
const SUITE_DIRS = ['test/unit', 'test/process', 'test/integration', 'test/e2e'];

interface Reference {
  file: string;
  segments: string[];
  row: string;
}

function references(markdown: string): Reference[] {
  const refs: Reference[] = [];
  for (const row of markdown.split('\n').filter((l) => l.startsWith('|'))) {
    let file: string | undefined;
    // `file.test.ts › a › b` or, continuing the same file, `› b`
    for (const m of row.matchAll(/`(?:([\w.-]+\.(?:test|e2e)\.ts)(?: \([a-z]+\))? )?› ([^`]+)`/g)) {
      file = m[1] ?? file;
      assert.ok(file, `a reference without a file: ${m[0]}`);
      refs.push({ file, segments: m[2].split(' › '), row: row.slice(0, 80) });
    }
  }
  return refs;
}

/** Regular expressions for the test names the file builds from template literals, `${…}` standing for anything. */
function templates(text: string): RegExp[] {
  const out: RegExp[] = [];
  for (const m of text.matchAll(/\b(?:it|test|describe|suite)\(\s*`([^`]*\$\{[^`]*)`/g)) {
    const pattern = m[1]
      .split(/\$\{[^}]*\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    out.push(new RegExp(`^${pattern}$`));
  }
  return out;
}

test('every test docs/RELIABILITY.md cites exists in a suite that npm test runs', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/RELIABILITY.md'), 'utf8');
  const refs = references(doc);
  assert.ok(refs.length >= 60, `found only ${refs.length} references`);
  const missing: string[] = [];
  for (const ref of refs) {
    const dir = SUITE_DIRS.find((d) => fs.existsSync(path.join(ROOT, d, ref.file)));
    if (!dir) {
      missing.push(`${ref.file}: no such test file in ${SUITE_DIRS.join(', ')}`);
      continue;
    }
    const text = fs.readFileSync(path.join(ROOT, dir, ref.file), 'utf8');
    const patterns = templates(text);
    for (const segment of ref.segments) {
      const fragments = segment
        .split('…')
        .map((f) => f.trim())
        .filter((f) => f.length > 0);
      const found = fragments.every((f) => text.includes(f)) || (!segment.includes('…') && patterns.some((p) => p.test(segment)));
      if (!found) missing.push(`${ref.file} › ${segment}`);
    }
  }
  assert.deepEqual(missing, []);
});
