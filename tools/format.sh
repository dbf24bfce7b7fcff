#!/bin/sh
# tools/format.sh - apply .clang-format to every C source of the project
# (what the test "format" checks). tools/format.sh --check only reports.
set -eu
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$cf" ] || { echo "format.sh: install clang-format (Debian: apt-get install clang-format)" >&2; exit 1; }
files=$(find libukiyo ukiyod ukiyoctl tests examples bench -name '*.[ch]' -o -name '*.cpp' | sort)
if [ "${1:-}" = "--check" ]; then
    # shellcheck disable=SC2086
    exec "$cf" --dry-run --Werror $files
fi
# shellcheck disable=SC2086
"$cf" -i $files
