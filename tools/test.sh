#!/bin/sh
# tools/test.sh - the second quick-start command, and what CI runs:
# install what is missing, start the Docker engine and the loopback
# registry, build the test images, build ukiyo, and run every test in the
# plain build, then all but the slow container suites (meson's suite
# "slow") under AddressSanitizer+UBSan and under valgrind.
#
#   tools/test.sh            everything (as CI does)
#   tools/test.sh --quick    the plain build only
#   UKIYO_TEST_ARGS="--suite unit" tools/test.sh --quick   pass options to meson test
set -eu
cd "$(dirname "$0")/.."
. tests/env/lib.sh

quick=false
[ "${1:-}" = "--quick" ] && quick=true

# shellcheck disable=SC2086
ensure_packages $BUILD_PACKAGES valgrind clang clang-format libclang-rt-14-dev man-db prometheus ca-certificates python3
ensure_browser
tests/env/setup.sh

run_suite() { # run_suite BUILDDIR [meson setup options] -- [meson test options]
    dir=$1; shift
    setup_opts=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do setup_opts="$setup_opts $1"; shift; done
    [ $# -gt 0 ] && shift
    if [ -d "$dir" ]; then
        # shellcheck disable=SC2086
        meson setup --reconfigure "$dir" $setup_opts >/dev/null
    else
        # shellcheck disable=SC2086
        meson setup "$dir" $setup_opts >/dev/null
    fi
    ninja -C "$dir" >/dev/null
    # shellcheck disable=SC2086
    meson test -C "$dir" --print-errorlogs ${UKIYO_TEST_ARGS:-} "$@"
}

# failed_tests DIR [SETUP]: the names of the tests that the last "meson test" in DIR failed.
failed_tests() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    test = json.loads(line)
    if test["result"] not in ("OK", "SKIP", "EXPECTEDFAIL"):
        print(test["name"].split(" / ")[-1])' "$1/meson-logs/testlog${2:+-$2}.json"
}

# engine_recovered DIR: after failed tests, false when the Docker engine works (the
# failures are ukiyo's). Else it stopped answering during them (dockerd 20.10 can wedge
# for good with _ping still answering): say what it was doing, restart it, set the
# environment up again, true.
engine_recovered() {
    engine_works && return 1
    say "the Docker engine stopped answering during the tests; what it was doing:"
    engine_report "$1/meson-logs/dockerd-goroutines.txt"
    say "restarting the Docker engine"
    engine_restart
    tests/env/setup.sh
}

# rerun_failed DIR [SETUP [meson test options]]: the tests that failed in DIR, once more.
rerun_failed() {
    dir=$1 setup=${2:-}
    if [ $# -gt 2 ]; then shift 2; else set --; fi
    failed=$(failed_tests "$dir" "$setup" | tr "\n" " ")
    [ -n "$failed" ] || return 1
    say "running once more the tests that failed while the engine did not answer:" "$failed"
    # shellcheck disable=SC2086
    meson test -C "$dir" --print-errorlogs ${setup:+--setup=$setup} "$@" $failed
}

say "tests: plain build"
if ! run_suite build --; then
    engine_recovered build || die "the plain build's tests failed"
    rerun_failed build || die "the plain build's tests failed again after the engine's restart"
fi
if ! $quick; then
    # The two checked runs mostly wait on containers: run them side by side, each
    # into its own log, and show both.
    say "tests: AddressSanitizer + UndefinedBehaviorSanitizer, and valgrind, side by side"
    logs=$(mktemp -d)
    (ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        run_suite build-sanitize -Db_sanitize=address,undefined -Db_lundef=false \
        -- --setup=sanitize --no-suite slow >"$logs/sanitize" 2>&1) &
    sanitize_pid=$!
    valgrind_rc=0
    run_suite build -- --setup=valgrind --no-suite slow >"$logs/valgrind" 2>&1 || valgrind_rc=$?
    sanitize_rc=0
    wait "$sanitize_pid" || sanitize_rc=$?
    say "tests: AddressSanitizer + UndefinedBehaviorSanitizer"
    cat "$logs/sanitize"
    say "tests: valgrind"
    cat "$logs/valgrind"
    rm -rf "$logs"
    if { [ "$sanitize_rc" != 0 ] || [ "$valgrind_rc" != 0 ]; } && engine_recovered build; then
        if [ "$sanitize_rc" != 0 ]; then
            sanitize_rc=0
            rerun_failed build-sanitize sanitize --no-suite slow || sanitize_rc=$?
        fi
        if [ "$valgrind_rc" != 0 ]; then
            valgrind_rc=0
            rerun_failed build valgrind --no-suite slow || valgrind_rc=$?
        fi
    fi
    [ "$sanitize_rc" = 0 ] || die "the sanitizer run failed"
    [ "$valgrind_rc" = 0 ] || die "the valgrind run failed"
fi
if ! $quick; then
    # The fuzz build as the README gives it: clang, libFuzzer, each parser of untrusted
    # input fuzzed for a few seconds from its stored corpus (new finds go to a temporary
    # directory, not into the tree).
    say "fuzzing: build-fuzz (clang, libFuzzer), 10 s per target"
    [ -d build-fuzz ] || CC=clang meson setup build-fuzz -Dfuzzing=true -Db_lundef=false >/dev/null
    targets=$(ls tests/fuzz/corpus)
    # shellcheck disable=SC2046
    ninja -C build-fuzz $(for t in $targets; do printf 'tests/fuzz/fuzz_%s-libfuzzer ' "$t"; done) >/dev/null
    for t in $targets; do
        found=$(mktemp -d)
        LD_LIBRARY_PATH=build-fuzz/libukiyo "build-fuzz/tests/fuzz/fuzz_$t-libfuzzer" \
            -max_total_time=10 -print_final_stats=1 "$found" "tests/fuzz/corpus/$t" \
            >"$found.log" 2>&1 || { tail -40 "$found.log"; die "fuzz_$t found a crash"; }
        say "fuzz_$t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$found.log") inputs, no crash"
        rm -rf "$found" "$found.log"
    done
fi
say "all tests passed"
