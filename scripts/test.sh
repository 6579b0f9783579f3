#!/usr/bin/env bash
# The test command: installs dependencies, checks types and the composed supergraph, then runs
# every unit, integration and end-to-end test against the machine's PostgreSQL and NATS.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/pnpm.sh install --frozen-lockfile --reporter=silent
echo "== typecheck"
node_modules/.bin/tsc -p tsconfig.json
echo "== supergraph composition"
node --import tsx gateway/scripts/compose-supergraph.ts --check
echo "== tests"
node_modules/.bin/vitest run "$@"
