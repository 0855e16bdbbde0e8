#!/usr/bin/env bash
# Runs every fuzz target under libFuzzer (cargo-fuzz) for FUZZ_SECONDS each (default 20),
# starting from the committed corpus in fuzz/corpus/<target>/. Inputs the run discovers go to
# a scratch directory, so the committed corpus changes only by hand. A crash fails the run and
# leaves its input in fuzz/artifacts/<target>/: turn it into a unit test, then fix it.
#
# Stable Rust is enough: `--sanitizer none` builds without -Zsanitizer (the targets are safe
# Rust, so AddressSanitizer would add nothing). With a nightly toolchain,
# `cargo +nightly fuzz run <target>` runs the same targets with AddressSanitizer.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR=never
seconds="${FUZZ_SECONDS:-20}"
targets=(request_decoder signature acs3_authorization encoders)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

echo "== building the fuzz targets"
cargo fuzz build --sanitizer none

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    log="$scratch/$target.log"
    echo "== fuzzing $target for ${seconds}s"
    if ! cargo fuzz run --sanitizer none "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz target $target failed; its input is in fuzz/artifacts/$target/"
        exit 1
    fi
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    coverage="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)"
    echo "   $runs inputs, $coverage, $(ls "$scratch/$target" | wc -l) new corpus entries"
done
