#!/usr/bin/env bash
# Runs every meshdig fuzz target for a bounded time, one after the other.
#
# Needs: a nightly Rust toolchain (`rustup toolchain install nightly`) and cargo-fuzz
# (`cargo install cargo-fuzz --locked`). This script never runs in CI: CI has only stable Rust.
# The committed corpus is replayed on stable by the main crate's `cargo test` instead
# (tests/cli/fuzz_corpus.rs).
#
# Usage: fuzz/run.sh [TARGET...]           (default: every target)
#   SECONDS_PER_TARGET=60   how long each target runs
#   SANITIZER=address       passed to `cargo fuzz --sanitizer`; `none` where ASan does not work
#
# Each target starts from its committed corpus (fuzz/corpus/<target>/) and, for the snapshot and
# check-file targets, from the fixtures; new inputs go to fuzz/work/<target>/ (not committed), and
# a crash is written to fuzz/artifacts/<target>/. The script exits non-zero if any target crashed
# or left an input in fuzz/artifacts/ (clear it after filing the bug).
# To keep what a run found: `cargo +nightly fuzz cmin <target> fuzz/work/<target>` and copy the
# few interesting files into fuzz/corpus/<target>/ (docs/fuzzing.md).
set -euo pipefail

cd "$(dirname "$0")"
seconds="${SECONDS_PER_TARGET:-60}"
sanitizer="${SANITIZER:-address}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(snapshot check_file query_name resolv_conf corefile dns_message)
fi

cargo +nightly fuzz build --sanitizer "$sanitizer"

failed=()
for target in "${targets[@]}"; do
    mkdir -p "work/$target" "corpus/$target"
    seeds=("corpus/$target")
    case "$target" in
        snapshot) seeds+=(../fixtures) ;;
        check_file) seeds+=(../fixtures/checks) ;;
    esac
    echo "== $target: ${seconds}s"
    # Fork mode goes on after a crash, so that one known bug does not end the target's run.
    cargo +nightly fuzz run --sanitizer "$sanitizer" "$target" "work/$target" "${seeds[@]}" -- \
        -max_total_time="$seconds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 ||
        failed+=("$target")
    if compgen -G "artifacts/$target/*" >/dev/null; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "crashed: $(printf '%s\n' "${failed[@]}" | sort -u | tr '\n' ' ')(inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "every target ran ${seconds}s without a crash"
