#!/usr/bin/env bash
# `npm run demo`: from a fresh checkout to Agent Trace showing a real agent trace in VS Code.
#   1. npm install (only when node_modules is missing), build, package the .vsix
#   2. an editor: desktop `code` when installed with a display (or AGENT_TRACE_EDITOR=code), else code-server
#      (scripts/setup-e2e.sh installs it into .cache/code-server)
#   3. run sample-agent/ once so its trace is already stored, then open the editor on it
#   4. code-server stays in the foreground: open the printed URL; Ctrl+C stops it.
# Environment: PORT (code-server, default 8080), AGENT_TRACE_HTTP_PORT / AGENT_TRACE_GRPC_PORT
# (OTLP, default 4318 / 4317; a busy port is replaced by a free one and printed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

if [[ ! -x node_modules/.bin/node ]]; then
  log "npm install"
  npm install
fi
export PATH="$ROOT/node_modules/.bin:$PATH"

log "build"
npm run build
if node -e 'process.exit(require("./package.json").scripts.package ? 0 : 1)'; then
  log "package"
  rm -f "$ROOT"/*.vsix
  npm run package
fi
VSIX="$(ls -t "$ROOT"/*.vsix 2>/dev/null | head -n1 || true)"
[[ -n "$VSIX" ]] || { log "no .vsix was produced (npm run package)"; exit 1; }
log "extension: $VSIX"

node scripts/build-sample-agent.mjs

port_free() { node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(+process.argv[1],"127.0.0.1",()=>s.close(()=>process.exit(0)))' "$1"; }
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_port() { # port, seconds
  for _ in $(seq 1 $(( $2 * 4 ))); do
    port_free "$1" || return 0
    sleep 0.25
  done
  return 1
}

HTTP_PORT="${AGENT_TRACE_HTTP_PORT:-4318}"
GRPC_PORT="${AGENT_TRACE_GRPC_PORT:-4317}"
port_free "$HTTP_PORT" || { HTTP_PORT="$(free_port)"; log "OTLP HTTP port busy, using $HTTP_PORT"; }
port_free "$GRPC_PORT" || { GRPC_PORT="$(free_port)"; log "OTLP gRPC port busy, using $GRPC_PORT"; }
ENDPOINT="http://127.0.0.1:$HTTP_PORT"

# Desktop VS Code when it is installed and there is a desktop to show it on (or when asked for
# with AGENT_TRACE_EDITOR=code); AGENT_TRACE_EDITOR=code-server forces the browser VS Code.
EDITOR_CHOICE="${AGENT_TRACE_EDITOR:-auto}"
if [[ "$EDITOR_CHOICE" == "auto" ]]; then
  EDITOR_CHOICE=code-server
  if command -v code >/dev/null && { [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] || [[ "$(uname)" == "Darwin" ]]; }; then EDITOR_CHOICE=code; fi
fi
if [[ "$EDITOR_CHOICE" == "code" ]] && command -v code >/dev/null; then
  code --install-extension "$VSIX" --force
  code "$ROOT/sample-agent"
  log "waiting for the extension to listen on $ENDPOINT (it uses the agentTrace.otlp.* settings: default 4318)"
  wait_port "$HTTP_PORT" 90 || { log "nothing listens on $HTTP_PORT: check the Agent Trace status bar item"; exit 1; }
  (cd sample-agent && OTEL_EXPORTER_OTLP_ENDPOINT="$ENDPOINT" node agent.js)
  log "done: open the Agent Traces view in VS Code"
  exit 0
fi

bash scripts/setup-e2e.sh
CODE_SERVER="$ROOT/.cache/code-server/node_modules/.bin/code-server"
DEMO="$ROOT/.cache/demo"
DB="$DEMO/traces.db"
mkdir -p "$DEMO/user-data/User" "$DEMO/user-data/Machine" "$DEMO/extensions"
export XDG_CONFIG_HOME="$DEMO/xdg-config" XDG_DATA_HOME="$DEMO/xdg-data" XDG_CACHE_HOME="$DEMO/xdg-cache"

cat > "$DEMO/user-data/User/settings.json" <<JSON
{
  "workbench.colorTheme": "Default Dark Modern",
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "git.openRepositoryInParentFolders": "never",
  "agentTrace.otlp.httpPort": $HTTP_PORT,
  "agentTrace.otlp.grpcPort": $GRPC_PORT,
  "agentTrace.database.path": "$DB",
  "agentTrace.terminal.injectOtlpEnvironment": true
}
JSON
# database.path is machine-scoped: code-server (a remote-style window) reads it from Machine/.
cat > "$DEMO/user-data/Machine/settings.json" <<JSON
{ "agentTrace.database.path": "$DB" }
JSON
"$CODE_SERVER" --user-data-dir "$DEMO/user-data" --extensions-dir "$DEMO/extensions" --install-extension "$VSIX" --force

# The extension's server starts only when a browser opens the editor, so the first run goes to
# the same trace server, headless (the CLI), writing the database the extension will open.
log "recording one run of sample-agent/ into $DB"
node bin/agent-trace.js serve --host 127.0.0.1 --http-port "$HTTP_PORT" --grpc-port "$GRPC_PORT" --db "$DB" &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null || true' EXIT
wait_port "$HTTP_PORT" 30 || { log "agent-trace serve did not listen on $HTTP_PORT"; exit 1; }
(cd sample-agent && OTEL_EXPORTER_OTLP_ENDPOINT="$ENDPOINT" node agent.js)
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
trap - EXIT

CS_PORT="${PORT:-8080}"
port_free "$CS_PORT" || { CS_PORT="$(free_port)"; log "port ${PORT:-8080} busy, using $CS_PORT"; }
URL="http://127.0.0.1:$CS_PORT/?folder=$ROOT/sample-agent"
cat <<EOF

  Agent Trace demo
  ----------------
  Open:            $URL
  Traces view:     the Agent Traces icon in the activity bar (one trace is already there)
  Run it again:    in the editor's terminal:  node agent.js
                   (new terminals carry OTEL_EXPORTER_OTLP_ENDPOINT=$ENDPOINT)
  Stop:            Ctrl+C

EOF
exec "$CODE_SERVER" --auth none --bind-addr "127.0.0.1:$CS_PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --user-data-dir "$DEMO/user-data" --extensions-dir "$DEMO/extensions" "$ROOT/sample-agent"
