/**
 * Issue 16, item 1: the lenses at the top of a sweep file. A valid file offers "Run sweep" with its
 * trial count and "Validate"; an invalid one still offers "Run sweep" (which refuses) and shows the
 * validator's message naming the key; other files get none. Driven through a fake `vscode`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serveFakeModules } from '../helpers/fakeVscode';

class Range {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
}
class CodeLens {
  constructor(
    readonly range: Range,
    readonly command: { title: string; command: string; tooltip?: string; arguments?: unknown[] },
  ) {}
}
serveFakeModules((request) => (request === 'vscode' ? { Range, CodeLens } : undefined));

const doc = (fileName: string, text: string) => ({ fileName, uri: { fsPath: fileName }, getText: () => text }) as never;

describe('the sweep file CodeLens', async () => {
  const { SweepCodeLensProvider } = await import('../../src/extension/sweeps/sweepCodeLens');
  const provider = new SweepCodeLensProvider();
  const valid = JSON.stringify({ name: 'g', model: 'mvae', dataset: 'ml-1m', parameters: { dropout: { values: [0.2, 0.3, 0.5] } }, repeats: 2 });

  it('offers Run sweep (with the trial count and executor) and Validate at the top of a valid file', () => {
    const document = doc('/ws/g.sweep.json', valid);
    const lenses = provider.provideCodeLenses(document) as unknown as CodeLens[];
    assert.deepEqual(
      lenses.map((l) => [l.command.title, l.command.command]),
      [
        ['$(play) Run sweep (6 trials, local)', 'vaerec.startSweep'],
        ['$(check) Validate', 'vaerec.validateSweep'],
      ],
    );
    for (const l of lenses) {
      assert.deepEqual(l.range, new Range(0, 0, 0, 0));
      assert.deepEqual(l.command.arguments, [(document as { uri: unknown }).uri]);
    }
  });

  it("shows an invalid file's mistake, naming the key, beside a Run sweep that will refuse", () => {
    const bad = JSON.stringify({ name: 'g', model: 'mvae', dataset: 'ml-1m', parameters: { dropout: { values: [] } } });
    const lenses = provider.provideCodeLenses(doc('/ws/g.sweep.json', bad)) as unknown as CodeLens[];
    assert.equal(lenses.length, 2);
    assert.equal(lenses[0].command.command, 'vaerec.startSweep');
    assert.equal(lenses[1].command.title, '$(warning) parameters.dropout.values: is an empty list');
    assert.equal(lenses[1].command.command, 'vaerec.validateSweep');
  });

  it('shortens a long message in the title and keeps it whole in the tooltip', () => {
    const bad = JSON.stringify({ name: 'g', model: 'mvae', dataset: 'ml-1m', parameters: { nope: { values: [1] } } });
    const lens = (provider.provideCodeLenses(doc('/ws/g.sweep.json', bad)) as unknown as CodeLens[])[1];
    assert.ok(lens.command.title.length <= '$(warning) '.length + 90, lens.command.title);
    assert.match(lens.command.title, /^\$\(warning\) parameters\.nope: vaerec train has no such configuration key.*…$/);
    assert.match(lens.command.tooltip ?? '', /known: epochs, seed/);
  });

  it('gives other JSON files no lens', () => {
    assert.deepEqual(provider.provideCodeLenses(doc('/ws/package.json', valid)), []);
  });
});
