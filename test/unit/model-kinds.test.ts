/**
 * The two tables of model kinds (src/shared/modelKinds.ts, src/trainer/modelKinds.ts): every kind
 * has both entries and they agree; its defaults make a valid config; it goes through split, create
 * or fit, a training step, save and load by its entries alone; and no code outside the tables
 * branches on a model's name.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MODEL_INFO, MODEL_KINDS, isModelKind, modelLabel } from '../../src/shared/modelKinds';
import { DEFAULT_CONFIG, makeConfig } from '../../src/shared/trainConfig';
import { selectBackend } from '../../src/trainer/backend';
import type { Interactions } from '../../src/trainer/data/types';
import { isDeviceRecommender, type Recommender } from '../../src/trainer/model/types';
import { TRAINER_KINDS } from '../../src/trainer/modelKinds';
import { NumpyRandomState } from '../../src/trainer/protocol/mt19937';
import { splitSequential } from '../../src/trainer/protocol/sequential';
import { gatherRows, rowsToBatch } from '../../src/trainer/protocol/split';
import { generateRatings } from '../fixtures/generate';

const ROOT = path.resolve(__dirname, '..', '..');

function interactions(): Interactions {
  const rows = generateRatings({ users: 60, items: 40, seed: 5, itemsPerUser: [8, 20] });
  const users = [...new Set(rows.map((r) => String(r.user)))];
  const items = [...new Set(rows.map((r) => String(r.item)))];
  const userIndex = new Map(users.map((u, i) => [u, i]));
  const itemIndex = new Map(items.map((u, i) => [u, i]));
  return {
    users,
    items,
    user: Int32Array.from(rows, (r) => userIndex.get(String(r.user)) ?? -1),
    item: Int32Array.from(rows, (r) => itemIndex.get(String(r.item)) ?? -1),
    rating: Float32Array.from(rows, (r) => r.rating),
    timestamp: Float64Array.from(rows, (r) => r.timestamp),
    length: rows.length,
  };
}

describe('model kinds', () => {
  it('every kind has a shared and a trainer entry, and nothing more', () => {
    assert.deepEqual([...MODEL_KINDS].sort(), Object.keys(TRAINER_KINDS).sort());
    assert.deepEqual([...MODEL_KINDS], ['mvae', 'mdae', 'pop', 'svae', 'ease', 'recvae'], 'the order the CLI help lists them in');
    for (const kind of MODEL_KINDS) assert.ok(isModelKind(kind));
    assert.equal(isModelKind('toString'), false, 'an inherited property is no kind');
    assert.equal(modelLabel('slim'), 'slim', 'an unknown name is shown as it is');
  });

  it('labels are unique and not empty', () => {
    const labels = MODEL_KINDS.map((k) => MODEL_INFO[k].label);
    assert.ok(labels.every((l) => l.trim().length > 0));
    assert.equal(new Set(labels).size, labels.length, labels.join(', '));
  });

  it("each kind's defaults validate through makeConfig and are what it gets", () => {
    for (const kind of MODEL_KINDS) {
      const info = MODEL_INFO[kind];
      const config = makeConfig(kind, 'ml-1m');
      for (const [key, value] of Object.entries(info.defaults)) assert.deepEqual(config[key as keyof typeof config], value, `${kind}.${key}`);
      for (const rule of info.ownKeys) {
        const value = config[rule.key];
        if (rule.list) assert.ok(Array.isArray(value) && value.every((v) => typeof v === 'number'), `${kind} has a default list for its own ${rule.key}`);
        else assert.equal(typeof value, 'number', `${kind} has a default for its own ${rule.key}`);
      }
      for (const [key, value] of Object.entries(DEFAULT_CONFIG))
        if (!(key in info.defaults)) assert.deepEqual(config[key as keyof typeof config], value, `${kind}.${key}`);
    }
  });

  it("a kind's own hyperparameters are refused for the others, naming the kind they belong to", () => {
    for (const owner of MODEL_KINDS) {
      for (const rule of MODEL_INFO[owner].ownKeys) {
        for (const other of MODEL_KINDS.filter((k) => !MODEL_INFO[k].ownKeys.some((r) => r.key === rule.key))) {
          const value = makeConfig(owner, 'ml-1m')[rule.key];
          assert.throws(() => makeConfig(other, 'ml-1m', { [rule.key]: value }), new RegExp(`${rule.key} applies to ${owner} only`));
        }
      }
    }
  });

  it('the trainer entry agrees with the shared one: fitted or trained in epochs, sequential or not', () => {
    for (const kind of MODEL_KINDS) {
      const info = MODEL_INFO[kind];
      const entry = TRAINER_KINDS[kind];
      assert.equal(entry.create !== undefined, info.epochs, `${kind}: create for kinds trained in epochs, fit for the others`);
      assert.equal(entry.fit !== undefined, !info.epochs, kind);
      assert.equal(entry.split === splitSequential, info.sequential, `${kind}: the sequential split for sequential kinds`);
      if (info.kl) assert.ok(info.epochs, `${kind}: a β schedule needs training steps`);
    }
  });

  it("each train command is contributed in package.json, and every contributed train command is a kind's", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const contributed = manifest.contributes.commands.map((c) => c.command).filter((c) => /^vaerec\.train[A-Z]/.test(c));
    const registered = MODEL_KINDS.flatMap((k) => MODEL_INFO[k].trainCommand ?? []);
    assert.deepEqual([...registered].sort(), [...contributed].sort());
  });

  it('each train command is in the palette and the Runs view only in a trusted workspace, and every menu entry names a command', () => {
    type MenuEntry = { command?: string; when?: string };
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, MenuEntry[]> } };
    const menus = manifest.contributes.menus;
    for (const [menu, entries] of Object.entries(menus)) for (const e of entries) assert.ok(e.command, `${menu}: an entry without a command`);
    for (const kind of MODEL_KINDS) {
      const command = MODEL_INFO[kind].trainCommand;
      if (!command) continue;
      const palette = menus.commandPalette.filter((e) => e.command === command);
      assert.deepEqual(palette, [{ command, when: 'isWorkspaceTrusted' }], `${command} in the palette`);
      const title = menus['view/title'].filter((e) => e.command === command);
      assert.equal(title.length, 1, `${command} in the Runs view's title menu`);
      assert.match(title[0].when ?? '', /^view == vaerec\.runs && isWorkspaceTrusted$/, `${command} in the Runs view's title menu`);
    }
  });

  describe('through the registry alone: split, make, a training step, save, load', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-kinds-'));
    const data = interactions();
    before(async () => {
      await selectBackend('cpu', () => undefined);
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    for (const kind of MODEL_KINDS) {
      it(kind, async () => {
        const info = MODEL_INFO[kind];
        const entry = TRAINER_KINDS[kind];
        const config = makeConfig(kind, 'fixture', { hidden: 8, latent: 4, batchSize: 16, protocol: { heldoutUsers: 6 } });
        const split = entry.split(data, config.protocol, config.seed);
        assert.equal(split.validation.users.length, 6);
        const numItems = split.items.length;
        let model: Recommender;
        if (entry.fit) {
          model = await entry.fit(split.train, numItems, config, {
            validation: split.validation,
            threads: 1,
            signal: new AbortController().signal,
            onFit: () => undefined,
            onProgress: () => undefined,
          });
        } else {
          const trained = entry.create(config, numItems, 1);
          assert.equal(trained.threads, 1);
          const order = entry.batchOrder(split.train, config.batchSize, new NumpyRandomState(config.seed));
          assert.deepEqual(
            [...order].sort((a, b) => a - b),
            [...split.train.users.keys()],
            'an epoch visits every training user once',
          );
          // On the cpu backend every kind trains on the host (device models are for webgpu: gpu-*.test.ts).
          assert.ok(!isDeviceRecommender(trained));
          const stats = trained.trainStep(gatherRows(split.train, order, 0, config.batchSize), 0.1);
          assert.ok(Number.isFinite(stats.loss) && stats.loss > 0, `loss ${stats.loss}`);
          if (!info.kl && !info.klWeight) assert.equal(stats.kl, 0, 'no KL term');
          else assert.ok(stats.kl > 0, 'a KL term');
          model = trained;
        }
        assert.equal(model.numItems, numItems);
        assert.equal(
          typeof (model as { encode?: unknown }).encode === 'function',
          info.noLatent === undefined,
          'a per-user latent space exactly when no reason says otherwise',
        );

        const dir = path.join(root, kind);
        fs.mkdirSync(dir);
        await model.save(dir);
        const loaded = await entry.load(dir);
        assert.ok(!isDeviceRecommender(loaded));
        const batch = rowsToBatch(split.test.foldIn);
        assert.deepEqual(loaded.score(batch), model.score(batch));
        loaded.dispose();
        model.dispose();
      });
    }
  });

  it('no code outside the two tables compares a model against a kind name', () => {
    const names = MODEL_KINDS.join('|');
    const branch = new RegExp(`[!=]==\\s*['"](${names})['"]|['"](${names})['"]\\s*[!=]==|case\\s+['"](${names})['"]`);
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, d.name);
        if (d.isDirectory()) walk(p);
        else if (p.endsWith('.ts'))
          fs.readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (branch.test(line)) found.push(`${path.relative(ROOT, p)}:${i + 1}: ${line.trim()}`);
            });
      }
    };
    for (const top of ['src', 'webview']) walk(path.join(ROOT, top));
    assert.deepEqual(found, []);
  });
});
