#!/usr/bin/env bash
# GPU check for a machine with a real GPU: prints the WebGPU adapter, trains Mult-VAE on the given
# MovieLens-1M folder for 10 epochs on webgpu and then on wasm (same seed, same split), and prints
# each backend's median epoch time and test NDCG@100. Needs Node.js 20+, `npm ci` done in this
# repository, and the data path; about 2-5 minutes (the wasm run is ~30 s of epochs on 2 cores).
#
#   scripts/gpu-check.sh /path/to/ml-1m [epochs]
#
# Exit status: 0 when the webgpu run trained on a hardware GPU adapter; 1 otherwise (the trainer's
# log above says why).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

data="${1:-}"
epochs="${2:-10}"
if [[ -z "$data" ]]; then
  echo "usage: scripts/gpu-check.sh /path/to/ml-1m [epochs]" >&2
  exit 2
fi
if [[ ! -e "$data" ]]; then
  echo "gpu-check: $data does not exist" >&2
  exit 2
fi
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if ((major < 20)); then
  echo "gpu-check: Node.js 20 or later is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi
if [[ ! -d node_modules/webgpu || ! -d node_modules/@tensorflow/tfjs-backend-webgpu ]]; then
  echo "gpu-check: run 'npm ci' in $(pwd) first" >&2
  exit 2
fi

echo "== build"
npm run --silent build

runs="$(mktemp -d "${TMPDIR:-/tmp}/vaerec-gpu-check-XXXXXX")"
trap 'rm -rf "$runs"' EXIT
echo "== $(node --version) on $(node -p 'process.platform + "-" + process.arch'); runs in $runs"

train() {
  local backend="$1"
  echo "== training Mult-VAE on $backend: $epochs epochs of $data"
  node dist/cli.js train --data "$data" --model mvae --epochs "$epochs" --backend "$backend" --runs-dir "$runs/$backend" --cache-dir "$runs/cache"
}

train webgpu
train wasm

node - "$runs" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const runs = process.argv[2];
// One run per runs directory: its run.json is the record.
const record = (backend) => {
  const dir = path.join(runs, backend);
  const [id] = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'run.json')));
  return JSON.parse(fs.readFileSync(path.join(dir, id, 'run.json'), 'utf8'));
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? undefined : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const gpu = record('webgpu');
const wasm = record('wasm');
const adapter = gpu.adapter;
console.log('== result');
if (adapter) {
  console.log(`adapter: vendor "${adapter.vendor}", architecture "${adapter.architecture}", device "${adapter.device}", description "${adapter.description}"${adapter.software ? ' (SOFTWARE: not a GPU)' : ''}`);
} else {
  console.log(`adapter: none (the webgpu run trained on ${gpu.backend}; its log above says why)`);
}
for (const r of [gpu, wasm]) r.medianEpochSeconds = median(r.epochSeconds);
const row = (name, r) => {
  const ndcg = r.test ? r.test['ndcg@100'].toFixed(4) : '-';
  console.log(`${name.padEnd(7)} ran on ${String(r.backend).padEnd(7)} ${r.status.padEnd(10)} median epoch ${r.medianEpochSeconds?.toFixed(3) ?? '-'} s   test NDCG@100 ${ndcg}`);
};
row('webgpu', gpu);
row('wasm', wasm);
if (gpu.medianEpochSeconds && wasm.medianEpochSeconds) console.log(`speed-up (wasm median epoch / webgpu median epoch): ${(wasm.medianEpochSeconds / gpu.medianEpochSeconds).toFixed(2)}x`);
if (gpu.test && wasm.test) console.log(`test NDCG@100 difference (webgpu - wasm): ${(gpu.test['ndcg@100'] - wasm.test['ndcg@100']).toFixed(4)}`);
process.exitCode = gpu.backend === 'webgpu' && gpu.status === 'completed' && adapter && !adapter.software ? 0 : 1;
EOF
