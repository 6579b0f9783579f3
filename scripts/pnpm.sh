#!/usr/bin/env bash
# Runs the pinned pnpm without needing it installed: corepack's signature check fails on this
# machine's corepack (0.34), so npx fetches the exact version from the npm registry instead.
set -euo pipefail
exec npx --yes pnpm@10.34.9 "$@"
