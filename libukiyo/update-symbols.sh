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
    grep -ho '^UKIYO_EXTERN [^(]*(' include/ukiyo/*.h include/ukiyo/*.h.in |
        sed -E 's/.*[ *]([a-z_0-9]+)\($/    \1;/' | sort -u
    echo "local:"
    echo "    *;"
    echo "};"
} >libukiyo.sym
