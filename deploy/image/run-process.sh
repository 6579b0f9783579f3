#!/bin/sh
# Entrypoint of the Conveyor image. Runs one process of the platform, chosen by the first
# argument (or CONVEYOR_PROCESS, set from the PROCESS build argument), with `exec` so that node is
# PID 1 and receives SIGTERM itself: every process shuts down gracefully within
# SHUTDOWN_TIMEOUT_MS, which the Kubernetes grace period and compose's stop_grace_period exceed.
set -eu
app_root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
process=${1:-${CONVEYOR_PROCESS:-gateway}}

case "$process" in
  gateway)
    cd "$app_root/gateway" ;;
  auth | schemas | executions | scheduler | catalog)
    cd "$app_root/services/$process" ;;
  migrate)
    # Creates the database if missing, applies every service's migrations, creates the streams.
    cd "$app_root"
    exec node --import tsx scripts/migrate.ts ;;
  *)
    echo "unknown process '$process': expected gateway, auth, schemas, executions, scheduler, catalog or migrate" >&2
    exit 64 ;;
esac
# V8's young generation (MiB per semi-space), as under `npm start`: see scripts/start.ts.
exec node --max-semi-space-size="${NODE_SEMI_SPACE_MB:-32}" --import tsx src/main.ts
