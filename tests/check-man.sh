#!/bin/sh
# check-man.sh BUILDDIR SRCDIR: every man page renders with man(1) without a
# warning, and says what it must (every ukiyod flag, every ukiyoctl command,
# every label the library reads).
set -eu
build=$1 src=$2
fail() { echo "man: $*" >&2; exit 1; }
for page in ukiyod.8 ukiyoctl.1 libukiyo.3 ukiyo-labels.7; do
    [ -s "$build/man/$page" ] || fail "$page was not built"
    text=$(MANWIDTH=100 man --warnings -l -P cat "$build/man/$page" 2>"$build/man/$page.warnings")
    [ ! -s "$build/man/$page.warnings" ] || { cat "$build/man/$page.warnings" >&2; fail "$page warns"; }
    [ -n "$text" ] || fail "$page renders empty"
done
# Every flag of ukiyod --help and every command of ukiyoctl --help is in its page.
"$build/ukiyod/ukiyod" --help | grep -o -- '--[a-z-]*' | sort -u | while read -r flag; do
    man -l -P cat "$build/man/ukiyod.8" 2>/dev/null | grep -q -- "$flag" || fail "ukiyod(8) lacks $flag"
done
"$build/ukiyoctl/ukiyoctl" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 {print $1}' |
    while read -r cmd; do
        man -l -P cat "$build/man/ukiyoctl.1" 2>/dev/null | grep -qE "^       $cmd( |$)" ||
            fail "ukiyoctl(1) lacks $cmd"
    done
# ukiyo/labels.h and ukiyo-labels(7) name the same labels, and no source
# spells a label but labels.h.
labels="$src/libukiyo/include/ukiyo/labels.h"
sed -n 's/^#define UKIYO_LABEL_[A-Z_]* *"\(.*\)"$/\1/p' "$labels" | sort -u >"$build/man/labels.h.list"
man -l -P cat "$build/man/ukiyo-labels.7" 2>/dev/null | grep -oE '(ukiyo|com\.docker\.compose|com\.docker\.swarm|com\.centurylinklabs\.watchtower)\.[a-z_.-]*[a-z]' |
    sort -u >"$build/man/labels.7.list"
missing=$(comm -23 "$build/man/labels.h.list" "$build/man/labels.7.list")
[ -z "$missing" ] || fail "ukiyo-labels(7) lacks $missing"
extra=$(grep '^ukiyo\.' "$build/man/labels.7.list" | comm -13 "$build/man/labels.h.list" -)
[ -z "$extra" ] || fail "ukiyo-labels(7) tells of labels ukiyo/labels.h lacks: $extra"
if grep -rnE '"(ukiyo|com\.docker\.compose|com\.docker\.swarm|com\.centurylinklabs\.watchtower)\.[a-z_.-]+"' \
    "$src"/libukiyo/src "$src"/libukiyo/include "$src"/ukiyod "$src"/ukiyoctl | grep -v "ukiyo/labels.h:" | grep -v "#include"; then
    fail "a label spelled outside ukiyo/labels.h (use its UKIYO_LABEL_ names)"
fi
echo "man: ok"
