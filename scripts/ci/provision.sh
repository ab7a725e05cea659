#!/usr/bin/env bash
# Installs what the integration and e2e suites need: Debian's chromium (driven by playwright-core),
# and code-server (a real VS Code served to the browser) into a cache directory outside the repo;
# and what the GPU unit tests need: the Vulkan loader (libvulkan1), through which Dawn reaches
# SwiftShader, the software Vulkan driver chromium ships (/usr/lib/chromium/vk_swiftshader_icd.json);
# and Slurm with munge for the sweep suite (test/process/sweep-slurm.test.ts starts its own
# single-node cluster from these binaries and does not use the services the packages install).
# Idempotent and fast when already done. Versions are pinned in scripts/ci/versions.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pin() { node -p "require('$here/versions.json').$1"; }
CODE_SERVER_VERSION="$(pin codeServer)"
RG_PREBUILT="$(pin ripgrepPrebuilt)"
RG_CACHE_DIR="$(pin ripgrepCacheDir)"
CACHE="${VAEREC_CACHE:-$HOME/.cache/vaerec-ci}"
PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
CODE_SERVER_BIN="$PREFIX/node_modules/.bin/code-server"

log() { echo "[provision] $*"; }

# --- Debian packages ------------------------------------------------------------------------
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
dpkg -s libvulkan1 >/dev/null 2>&1 || need_apt+=(libvulkan1)
command -v slurmctld >/dev/null || need_apt+=(slurm-wlm)
command -v munged >/dev/null || need_apt+=(munge)
if ((${#need_apt[@]})); then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# --- code-server ----------------------------------------------------------------------------
# The marker is written only after a verified install, so an interrupted install is redone.
if [[ -f "$PREFIX/.provisioned" && -x "$CODE_SERVER_BIN" ]]; then
  log "code-server $CODE_SERVER_VERSION already in $PREFIX"
  exit 0
fi

# @vscode/ripgrep downloads its binary from GitHub, which this machine cannot reach: seed its
# download cache with a tarball of Debian's rg so its postinstall says "Using cached download".
tmp="${TMPDIR:-/tmp}"
rg_tar="$tmp/$RG_CACHE_DIR/ripgrep-$RG_PREBUILT-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -s "$rg_tar" ]]; then
  log "seeding ripgrep cache $rg_tar"
  mkdir -p "$(dirname "$rg_tar")"
  stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$rg_tar" -C "$stage" rg
  rm -rf "$stage"
fi

log "installing code-server $CODE_SERVER_VERSION into $PREFIX (several minutes: native modules are compiled)"
rm -rf "$PREFIX"
mkdir -p "$PREFIX"
echo '{ "name": "vaerec-ci-code-server", "private": true }' >"$PREFIX/package.json"
# code-server's postinstall refuses to run as root unless npm_config_unsafe_perm is set (npm 11
# warns that it no longer knows the option; the script only checks the variable). node-pty's build
# runs `npx node-gyp` (needs --yes). npm 11 warns that code-server's postinstall and argon2's build
# are "not yet covered by allowScripts" but runs them; the checks below fail loudly if a later npm
# starts skipping them.
(
  cd "$PREFIX"
  npm_config_unsafe_perm=true npm_config_yes=true npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    npm install --no-save --foreground-scripts --ignore-scripts=false "code-server@$CODE_SERVER_VERSION" >"$PREFIX/install.log" 2>&1 \
    || { tail -50 "$PREFIX/install.log"; exit 1; }
)

# Verify that the postinstall really ran: the server's own node_modules and the native modules.
lib="$PREFIX/node_modules/code-server/lib/vscode"
for f in "$lib/node_modules/@vscode/ripgrep/bin/rg" "$lib/node_modules/node-pty/build/Release/pty.node" "$lib/node_modules/@vscode/spdlog/build/Release/spdlog.node"; do
  if [[ ! -e "$f" ]]; then
    log "code-server install is incomplete: $f is missing (install scripts did not run?); see $PREFIX/install.log"
    grep -iE "allowScripts|install-scripts|skipp" "$PREFIX/install.log" | head -20 || true
    exit 1
  fi
done
"$CODE_SERVER_BIN" --version
touch "$PREFIX/.provisioned"
log "done"
