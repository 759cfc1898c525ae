#!/bin/sh
# The container's entrypoint (deploy/Dockerfile), also usable on its own: runs `rtdash serve` with the settings a
# container gets from its environment, as PID 1's only child so SIGTERM reaches the server (it closes viewers with
# 1001, flushes the alert outbox and exits 0).
#
#   RTDASH_APP     where rtdash is installed (default /app)
#   RTDASH_CONFIG  the config file (default /etc/rtdash/config.yaml); when it does not exist, the bundled demo runs
#   RTDASH_HOST    the address to listen on (default 0.0.0.0: every interface of the container)
#   PORT           the port (default 8080); also ${PORT} in the config
#   any other RTDASH_* or ${VAR} the config reads (RTDASH_ADMIN_TOKEN, RTDASH_EMBED_SECRET, …)
set -eu
# V8 flags the server runs with (core/runtime-flags.ts says why).
flags="--no-memory-reducer"
app="${RTDASH_APP:-/app}"
config="${RTDASH_CONFIG:-/etc/rtdash/config.yaml}"
host="${RTDASH_HOST:-0.0.0.0}"
export PORT="${PORT:-8080}"
if [ "$#" -gt 0 ]; then
  # `docker run rtdash validate /etc/rtdash/dashboards`, `… token create …`: any other command of the CLI.
  exec node "$app/dist/bin/rtdash.js" "$@"
fi
if [ -f "$config" ]; then
  exec node $flags "$app/dist/bin/rtdash.js" serve --config "$config" --host "$host"
fi
echo "rtdash: no config at $config (mount one there, or set RTDASH_CONFIG): serving the bundled demo dashboards" >&2
unset RTDASH_CONFIG
exec node $flags "$app/dist/bin/rtdash.js" serve --host "$host"
