// Packages the extension with vsce: the universal .vsix (WebAssembly only: no dawn.node) and one
// .vsix per platform dawn.node is built for, each carrying only that platform's dawn.node (12-39 MB
// a platform uncompressed; all of them would make every install ~150 MB). Marketplace clients pick
// a platform package when there is one for their platform, else the universal one.
//
// Every package is .vscodeignore as it is (which leaves out all of node_modules/webgpu/dist); a
// platform package adds one line that re-includes its own folder, written to a temporary ignore
// file passed with --ignoreFile.
//
// Every package's details page is resources/marketplace/README.md with its images embedded
// (scripts/marketplaceReadme.ts): the developers' README.md stays out (.vscodeignore).
//
//   node --import tsx scripts/package.mjs [--targets universal,linux-x64,...] [--out-dir DIR]
//
// Prints each package's size. Run `npm run build` first (`npm run package` does).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMarketplaceReadme } from './marketplaceReadme.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** vsce target -> the folder of node_modules/webgpu/dist that holds its dawn.node (macOS: one universal binary). */
const DAWN_FOLDERS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};
const ALL = ['universal', ...Object.keys(DAWN_FOLDERS)];

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const targets = option('--targets', ALL.join(',')).split(',');
const outDir = path.resolve(option('--out-dir', root));
for (const t of targets) if (!ALL.includes(t)) throw new Error(`unknown target '${t}' (known: ${ALL.join(', ')})`);
if (!fs.existsSync(path.join(root, 'dist', 'trainer.js'))) throw new Error('dist/trainer.js is missing: run npm run build first');

const { name } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const baseIgnore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
const readme = writeMarketplaceReadme(root);
fs.mkdirSync(outDir, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-package-'));
const results = [];
try {
  for (const target of targets) {
    const universal = target === 'universal';
    const out = path.join(outDir, universal ? `${name}.vsix` : `${name}-${target}.vsix`);
    const ignoreFile = path.join(tmp, `${target}.vscodeignore`);
    const extra = universal ? '' : `\n# ${target}: its own dawn.node (scripts/package.mjs)\n!node_modules/webgpu/dist/${DAWN_FOLDERS[target]}/**\n`;
    fs.writeFileSync(ignoreFile, baseIgnore + extra);
    const args = ['package', ...(universal ? [] : ['--target', target]), '--ignoreFile', ignoreFile];
    // No repository in package.json to rewrite relative links against: the page has none left.
    args.push('--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--readme-path', readme, '--out', out);
    const r = spawnSync(path.join(root, 'node_modules', '.bin', 'vsce'), args, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vsce ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    results.push({ target, file: path.relative(root, out) || out, bytes: fs.statSync(out).size });
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
for (const r of results) console.log(`${r.target.padEnd(12)} ${(r.bytes / 1e6).toFixed(1).padStart(6)} MB  ${r.file}`);
