#!/bin/sh
# update-symbols.sh - rewrite libukiyo.sym from the UKIYO_EXTERN functions of
# the public headers. Run it after adding a public function; the "symbols"
# test fails until the map and the headers agree.
set -eu
cd "$(dirname "$0")"
{
    echo "/* libukiyo.sym - exported symbols; regenerate with ./update-symbols.sh. */"
    echo "LIBUKIYO_0.1 {"
    echo "global:"
    # A declaration may break after its return type: join it up to the "(".
    cat include/ukiyo/*.h include/ukiyo/*.h.in | sed -e ':a' -e '/^UKIYO_EXTERN[^(]*$/{N;s/\n/ /;ba' -e '}' |
        grep -o '^UKIYO_EXTERN [^(]*(' |
        sed -E 's/.*[ *]([a-z_0-9]+)\($/    \1;/' | sort -u
    echo "local:"
    echo "    *;"
    echo "};"
} >libukiyo.sym
