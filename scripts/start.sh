#!/usr/bin/env bash
# The start command: installs dependencies, then sets up and starts the whole platform.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/pnpm.sh install --frozen-lockfile --reporter=silent
exec node --import tsx scripts/start.ts
