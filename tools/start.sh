#!/bin/sh
# tools/start.sh - the first quick-start command: install what is missing,
# build, and run ukiyod in the foreground on its embedded sqlite default.
# Extra arguments go to ukiyod (see ukiyod --help), e.g. --listen 127.0.0.1:8080.
set -eu
cd "$(dirname "$0")/.."
. tests/env/lib.sh

# shellcheck disable=SC2086
ensure_packages $BUILD_PACKAGES curl
# ukiyod manages the engine's containers: make sure one answers.
if ! engine_answers; then
    if command -v dockerd >/dev/null || [ "$(id -u)" = 0 ]; then
        ensure_engine
    else
        say "warning: no Docker engine answers on /var/run/docker.sock"
    fi
fi
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
say "starting ukiyod (Ctrl-C stops it)"
exec build/ukiyod/ukiyod "$@"
