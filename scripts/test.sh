#!/usr/bin/env bash
# All of pg_bulk's tests (run as root on Debian 12; CI runs this through .ci/run).
#
#   bash scripts/test.sh                 every suite, in the order of SUITES below
#   bash scripts/test.sh unit regress    only the named suites
#
# Suites:
#   unit      GoogleTest unit tests of src/core (CMake build in build/unit, ctest)
#   sanitize  the same unit tests under ASan + UBSan (build/unit-sanitize, -DPG_BULK_SANITIZE=ON)
#   fuzz      libFuzzer over the core (clang++ with ASan + UBSan, built by test/fuzz/build.sh into build/fuzz):
#             test/fuzz/fuzz_validator.cpp on a copy of test/fuzz/corpus, then test/fuzz/fuzz_batch.cpp (the batch
#             rules against a one-operation-at-a-time reference) on a copy of test/fuzz/corpus_batch, then
#             test/fuzz/fuzz_claims.cpp (the workers' claim rule keeps the order) on test/fuzz/corpus_claims, sharing
#             PG_BULK_FUZZ_SECONDS (default 45: 22 s, 15 s and 8 s); any crash, sanitizer report, leak, timeout or
#             disagreement fails it
#   docs      every ```sql example of README.md and docs/*.md is in sql/doc_examples.sql (which regress runs)
#   regress   pg_regress, then the isolation specs, against throwaway servers that preload pg_bulk
#             (make installcheck, as user postgres)
#   tap       Perl TAP tests in test/t/ (prove, as user postgres): crash recovery of the worker (SIGKILL,
#             immediate stop, SIGTERM, ordering across restarts), NOTIFY, extension lifecycle, a missing
#             pg_bulk.database, the one-by-one fallback of a failing batch and its log line; each test boots
#             its own nodes with PostgreSQL::Test::Cluster. Node logs: build/tap/tmp_check/log/ in the copy.
#   cron      test/cron/run.sh: a real pg_cron job runs bulk.load on a throwaway cluster (pg_cron schedules by
#             the minute: it waits up to ~70 s for the run, 130 s at most)
#
# Adding a suite: write a function run_<something> that prints its header with `suite_header`, fails by
# returning non-zero or through `set -e`, then add "<name>:run_<something>" to SUITES (and mark it in
# SERVER_SUITES when it needs pg_bulk installed into the system PostgreSQL: `make && make install` then runs
# once, before the first suite).
#
# Exits non-zero when any selected suite fails; a failing suite does not stop the later ones.
# PG_BULK_SKIP_BUILD=1 skips `make && make install` (see scripts/common.sh).
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SUITES=(
    unit:run_unit_tests
    sanitize:run_sanitized_unit_tests
    fuzz:run_fuzz
    docs:run_doc_examples_check
    regress:run_regress
    tap:run_tap
    cron:run_cron
)
# Suites that run against the installed extension: when one is selected, build_and_install runs first.
SERVER_SUITES=" regress tap cron "

suite_header() {
    printf '\n==== %s ====\n' "$*"
}

# Configure, build and run the CMake unit tests in build directory $1 with extra cmake arguments.
cmake_unit_tests() {
    local build_dir="$1"
    shift
    [ -f "$PG_BULK_ROOT/CMakeLists.txt" ] || die "$PG_BULK_ROOT/CMakeLists.txt is missing"
    cmake -S "$PG_BULK_ROOT" -B "$build_dir" "$@"
    cmake --build "$build_dir" -j2
    ctest --test-dir "$build_dir" --output-on-failure
}

run_unit_tests() {
    suite_header "unit tests (GoogleTest, build/unit)"
    cmake_unit_tests "$PG_BULK_ROOT/build/unit"
}

run_sanitized_unit_tests() {
    suite_header "unit tests under ASan + UBSan (build/unit-sanitize)"
    # Make every UBSan report fail the test even if the build lets it recover; leaks fail too.
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
    cmake_unit_tests "$PG_BULK_ROOT/build/unit-sanitize" -DPG_BULK_SANITIZE=ON
}

run_fuzz() {
    local seconds="${PG_BULK_FUZZ_SECONDS:-45}" dir="$PG_BULK_ROOT/build/fuzz"
    # Half the time for the validator, the rest for the batch rules and the claim rule (smaller inputs, smaller
    # spaces).
    local validator_seconds=$((seconds / 2)) batch_seconds claims_seconds merge_seconds
    batch_seconds=$(((seconds - validator_seconds) * 2 / 3))
    claims_seconds=$(((seconds - validator_seconds - batch_seconds + 1) / 2))
    merge_seconds=$((seconds - validator_seconds - batch_seconds - claims_seconds))
    [ "$merge_seconds" -ge 1 ] || merge_seconds=1
    suite_header "libFuzzer: test/fuzz/fuzz_validator ${validator_seconds} s, fuzz_batch ${batch_seconds} s, fuzz_claims ${claims_seconds} s, fuzz_merge_patch ${merge_seconds} s (clang++, ASan + UBSan)"
    bash "$PG_BULK_ROOT/test/fuzz/build.sh" "$dir"
    run_fuzz_target "$dir/fuzz_validator" "$PG_BULK_ROOT/test/fuzz/corpus" "$validator_seconds"
    run_fuzz_target "$dir/fuzz_batch" "$PG_BULK_ROOT/test/fuzz/corpus_batch" "$batch_seconds"
    run_fuzz_target "$dir/fuzz_claims" "$PG_BULK_ROOT/test/fuzz/corpus_claims" "$claims_seconds"
    run_fuzz_target "$dir/fuzz_merge_patch" "$PG_BULK_ROOT/test/fuzz/corpus_merge_patch" "$merge_seconds"
}

# Runs fuzzer $1 on a copy of corpus $2 for $3 seconds.
run_fuzz_target() {
    local bin="$1" corpus="$2" seconds="$3" work rc=0
    # The run adds inputs to its corpus and writes crash-*/leak-*/timeout-*/oom-* files: all in a scratch
    # directory, never in the checkout.
    work="$(mktemp -d /tmp/pg_bulk-fuzz.XXXXXX)"
    cp -R "$corpus" "$work/corpus"
    (cd "$work" && "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/" corpus) >"$work/fuzz.log" 2>&1 || rc=$?
    if [ "$rc" = 0 ]; then
        echo "$(basename "$bin"):"
        grep -E '^(Done|stat::)' "$work/fuzz.log" || tail -n 5 "$work/fuzz.log"
        rm -rf "$work"
        return 0
    fi
    tail -n 80 "$work/fuzz.log"
    echo "-----"
    log "$(basename "$bin") failed (exit $rc); its log and the failing input are kept in $work" \
        "(reproduce: $bin $work/<crash-file>; add the input to $corpus once fixed)"
    return 1
}

# Copy the checkout (without build/, .demo/, .git/) into a fresh directory owned by postgres, because the
# checkout may live where postgres cannot enter (under /root, in a 0700 mktemp dir). Prints the copy's path.
make_postgres_copy() {
    local copy
    copy="$(mktemp -d /tmp/pg_bulk-test.XXXXXX)"
    tar -C "$PG_BULK_ROOT" --anchored --exclude=./build --exclude=./.demo --exclude=./.git -cf - . \
        | tar -C "$copy" -xf -
    chown -R postgres:postgres "$copy"
    echo "$copy"
}

run_doc_examples_check() {
    suite_header "docs: every sql example of README.md and docs/ is in sql/doc_examples.sql (run by regress)"
    bash "$PG_BULK_ROOT/test/doc_examples.sh" check
}

run_regress() {
    suite_header "pg_regress and isolation specs (make installcheck as postgres, temp instances with pg_bulk preloaded)"
    if ! grep -q '[^[:space:]]' "$PG_BULK_ROOT/test/regress_schedule" 2>/dev/null; then
        log "warning: test/regress_schedule lists no tests"
    fi
    local copy out
    copy="$(make_postgres_copy)"
    out="$copy/build/test"
    log "running in $copy"
    # pg_regress creates its --outputdir but not the parents.
    as_postgres mkdir -p "$out"
    if as_postgres make -C "$copy" installcheck PG_CONFIG="$PG_CONFIG" TEST_OUTPUT="$out"; then
        rm -rf "$copy"
        return 0
    fi
    local suite
    for suite in regress isolation; do
        if [ -f "$out/$suite/regression.diffs" ]; then
            echo "----- $out/$suite/regression.diffs -----"
            cat "$out/$suite/regression.diffs"
        fi
        if [ -f "$out/$suite/log/postmaster.log" ]; then
            echo "----- last 100 lines of $out/$suite/log/postmaster.log -----"
            tail -n 100 "$out/$suite/log/postmaster.log"
        fi
    done
    echo "-----"
    log "pg_regress failed; the test copy is kept in $copy"
    return 1
}

run_tap() {
    suite_header "TAP tests (prove test/t/*.pl as postgres; nodes with pg_bulk preloaded)"
    # PostgreSQL's Perl TAP modules (PostgreSQL::Test::Cluster, ::Utils) and pg_regress, from
    # postgresql-client-15, next to pgxs.mk: /usr/lib/postgresql/15/lib/pgxs/src/test/{perl,regress}.
    local pgxs_src tap_perl copy testdir
    pgxs_src="$(dirname "$(dirname "$("$PG_CONFIG" --pgxs)")")"
    tap_perl="$pgxs_src/test/perl"
    [ -f "$tap_perl/PostgreSQL/Test/Cluster.pm" ] || die "PostgreSQL::Test::Cluster not found under $tap_perl"
    copy="$(make_postgres_copy)"
    # PostgreSQL::Test::Utils puts tmp_check/ (node data directories, port locks, log/) under $TESTDIR.
    testdir="$copy/build/tap"
    as_postgres mkdir -p "$testdir"
    log "running in $copy"
    if as_postgres env PATH="$PG_BIN:$PATH" PERL5LIB="$tap_perl" PG_REGRESS="$pgxs_src/test/regress/pg_regress" \
        TESTDIR="$testdir" prove --timer -v "$copy"/test/t/*.pl; then
        rm -rf "$copy"
        return 0
    fi
    local logfile
    for logfile in "$testdir"/tmp_check/log/*; do
        [ -f "$logfile" ] || continue
        echo "----- last 100 lines of $logfile -----"
        tail -n 100 "$logfile"
    done
    echo "-----"
    log "TAP tests failed; the test copy is kept in $copy"
    return 1
}

run_cron() {
    suite_header "pg_cron: a scheduled bulk.load on a throwaway cluster (test/cron/run.sh, as postgres)"
    # The script starts its own cluster as postgres in a private /tmp/pg_bulk-cron.XXXXXX and removes it.
    bash "$PG_BULK_ROOT/test/cron/run.sh"
}

# Run suite function $2 under the name $1 in a subshell and record the result in SUMMARY / FAILED.
# The subshell is not inside `if`/`||`, so that `set -e` stays in force within the suite.
run_step() {
    local name="$1" fn="$2" step_start=$SECONDS rc
    set +e
    (set -e; "$fn")
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
        SUMMARY+=("$(printf '  %-10s ok       %5ds' "$name" $((SECONDS - step_start)))")
    else
        SUMMARY+=("$(printf '  %-10s FAILED   %5ds' "$name" $((SECONDS - step_start)))")
        FAILED+=("$name")
    fi
    return "$rc"
}

build_step() {
    suite_header "build and install pg_bulk"
    build_and_install
}

main() {
    local start=$SECONDS selected=() entry name found need_install=0 build_ok=1
    SUMMARY=()
    FAILED=()
    require_root

    for entry in "${SUITES[@]}"; do
        name="${entry%%:*}"
        if [ $# -eq 0 ]; then
            selected+=("$name")
        fi
    done
    for name in "$@"; do
        found=0
        for entry in "${SUITES[@]}"; do [ "${entry%%:*}" = "$name" ] && found=1; done
        [ "$found" = 1 ] || die "unknown suite '$name' (known: $(for e in "${SUITES[@]}"; do printf '%s ' "${e%%:*}"; done))"
        selected+=("$name")
    done
    for name in "${selected[@]}"; do
        [[ "$SERVER_SUITES" == *" $name "* ]] && need_install=1
    done

    ensure_packages
    # Built first so that a compile error shows at once; the unit suites still run when it fails.
    if [ "$need_install" = 1 ]; then
        run_step build build_step || build_ok=0
    fi

    for entry in "${SUITES[@]}"; do
        name="${entry%%:*}"
        [[ " ${selected[*]} " == *" $name "* ]] || continue
        if [[ "$SERVER_SUITES" == *" $name "* ]] && [ "$build_ok" = 0 ]; then
            SUMMARY+=("$(printf '  %-10s SKIPPED  (build failed)' "$name")")
            FAILED+=("$name")
            continue
        fi
        run_step "$name" "${entry#*:}" || true
    done

    suite_header "summary"
    printf '%s\n' "${SUMMARY[@]}"
    printf 'total elapsed: %ds\n' $((SECONDS - start))
    if [ "${#FAILED[@]}" -gt 0 ]; then
        log "FAILED: ${FAILED[*]}"
        exit 1
    fi
    log "all selected suites passed"
}

main "$@"
