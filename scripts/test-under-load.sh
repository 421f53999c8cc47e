#!/usr/bin/env bash
# Runs the whole suite (unit, integration, e2e) N times in a row while two busy loops keep both
# cores of this machine loaded, and stops at the first failure. Assumes `bash scripts/test-all.sh`
# ran once (installs done). Usage: bash scripts/test-under-load.sh [N=5]
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
runs="${1:-5}"
burners=()
for _ in 1 2; do
  # Bounded: each burner ends on its own after 3 hours even if this script is killed.
  timeout 10800 sh -c 'while :; do :; done' &
  burners+=($!)
done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT
rm -f ./*.vsix  # the e2e suite packages a fresh .vsix when none is present
mkdir -p test-results
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if npm test > "test-results/under-load-$i.log" 2>&1 && npm run test:e2e >> "test-results/under-load-$i.log" 2>&1; then
    echo "run $i/$runs passed in $(( $(date +%s) - start )) s ($(grep -hE '^ +[0-9]+ passing' "test-results/under-load-$i.log" | tr -s ' ' | paste -sd, -))"
  else
    echo "run $i/$runs FAILED after $(( $(date +%s) - start )) s: see test-results/under-load-$i.log"
    exit 1
  fi
done
echo "$runs passed, 0 failed"
