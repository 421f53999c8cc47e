#!/usr/bin/env bash
# The README's "run all tests" command. Works on a fresh Debian machine (as root, or with sudo):
# installs Chromium and code-server's build needs, the npm packages (which bring Node 24),
# code-server for the end-to-end tests, then runs unit, integration and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

echo "== npm ci"
npm ci --no-audit --no-fund

if [ -f scripts/setup-e2e.sh ]; then
  echo "== e2e setup (code-server)"
  bash scripts/setup-e2e.sh
fi

echo "== npm test (build, typecheck, unit and integration)"
npm test

echo "== npm run test:e2e (real VS Code = code-server, in Chromium)"
npm run test:e2e
