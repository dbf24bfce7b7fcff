#!/bin/sh
# check-format.sh SRCDIR: every C source follows .clang-format (Debian 12's
# clang-format 14; another version may format differently). tools/format.sh
# applies it. Skipped (77) only where no clang-format is installed;
# tools/test.sh installs it, so CI always checks.
set -eu
src=$1
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then
    echo "format: clang-format is not installed (apt-get install clang-format)" >&2
    exit 77
fi
cd "$src"
files=$(find libukiyo ukiyod ukiyoctl tests examples bench -name '*.[ch]' -o -name '*.cpp' | sort)
# shellcheck disable=SC2086
if ! "$cf" --dry-run --Werror $files 2>"${TMPDIR:-/tmp}/ukiyo-format.$$"; then
    grep -c 'error:' "${TMPDIR:-/tmp}/ukiyo-format.$$" | sed 's/$/ lines differ from .clang-format/' >&2
    head -40 "${TMPDIR:-/tmp}/ukiyo-format.$$" >&2
    rm -f "${TMPDIR:-/tmp}/ukiyo-format.$$"
    echo "format: run tools/format.sh" >&2
    exit 1
fi
rm -f "${TMPDIR:-/tmp}/ukiyo-format.$$"
echo "format: $(echo "$files" | wc -l) files follow .clang-format"
