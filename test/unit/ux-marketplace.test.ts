/**
 * Issue 14, item 12: the package's details page (resources/marketplace/README.md, made into the
 * .vsix's README by scripts/package.mjs) is for users: it names every command and setting the
 * package contributes, and every image it shows reaches the page, which VS Code renders with images
 * from https: and data: URIs only. test/e2e/vsix.e2e.ts checks the packaged page and that it renders.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { MARKETPLACE_README, embedImages, imageSources, isHttps } from '../../scripts/marketplaceReadme';
import { dirWith, removeTempDirs } from '../fixtures/tempDir';

after(removeTempDirs);

const ROOT = path.resolve(__dirname, '../..');
const page = fs.readFileSync(path.join(ROOT, MARKETPLACE_README), 'utf8');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  contributes: { commands: { command: string; title: string; category: string }[]; configuration: { properties: Record<string, unknown> } };
};
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("the package's details page", () => {
  it('starts with what the extension does, not with developer commands', () => {
    const firstLines = page.split('\n').slice(0, 12).join('\n');
    assert.match(firstLines, /^# VAE Recommender Lab\n/);
    assert.doesNotMatch(firstLines, /npm (ci|test|run)|```/);
  });

  it('names every contributed command and every setting', () => {
    for (const c of manifest.contributes.commands) assert.ok(page.includes(`${c.category}: ${c.title}`), `${c.category}: ${c.title}`);
    for (const key of Object.keys(manifest.contributes.configuration.properties)) assert.ok(page.includes(`\`${key}\``), key);
  });

  it('shows at least one screenshot, and every image is a PNG of the repository or an https URL', () => {
    const images = imageSources(page);
    assert.ok(images.length >= 1, 'a screenshot');
    for (const { src } of images) {
      if (isHttps(src)) continue;
      const file = path.resolve(path.dirname(path.join(ROOT, MARKETPLACE_README)), src);
      assert.ok(fs.existsSync(file), `${src} exists`);
      assert.deepEqual(fs.readFileSync(file).subarray(0, 8), PNG_SIGNATURE, `${src} is a PNG`);
    }
  });

  it('the packaged page embeds each local image as a data: URI of the same bytes and keeps https images', () => {
    const dir = dirWith({ 'shot.png': Buffer.concat([PNG_SIGNATURE, Buffer.from('pixels')]) });
    const out = embedImages('![a](shot.png) and ![b](https://example.org/b.png "title") <img src="shot.png" width="10">', dir);
    const sources = imageSources(out).map((i) => i.src);
    assert.equal(sources.length, 3);
    assert.equal(sources[1], 'https://example.org/b.png');
    for (const src of [sources[0], sources[2]]) {
      assert.match(src, /^data:image\/png;base64,/);
      assert.deepEqual(Buffer.from(src.split(',')[1], 'base64'), fs.readFileSync(path.join(dir, 'shot.png')));
    }
    assert.throws(() => embedImages('![x](missing.png)', dir), /missing\.png: no such file/);
    assert.throws(() => embedImages('![x](logo.svg)', dir), /not a PNG, JPEG or GIF/);
    assert.throws(() => embedImages('![x](http://example.org/x.png)', dir), /must be a file of the repository or an https URL/);
    const real = embedImages(page, path.dirname(path.join(ROOT, MARKETPLACE_README)));
    assert.ok(imageSources(real).every((i) => isHttps(i.src) || i.src.startsWith('data:image/png;base64,')));
  });

  it("npm run package uses it, and the developers' README.md stays out of the package", () => {
    for (const script of [manifest.scripts.package, manifest.scripts['package:platforms']]) assert.match(script, /scripts\/package\.mjs/);
    const packager = fs.readFileSync(path.join(ROOT, 'scripts', 'package.mjs'), 'utf8');
    assert.match(packager, /writeMarketplaceReadme\(root\)/);
    assert.match(packager, /'--readme-path', readme/);
    const ignored = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignored.includes('README.md'));
  });
});
