#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for SECONDS each (default 600), two at a
# time, with cargo-fuzz on the nightly toolchain. Not part of CI.
# Needs: rustup toolchain nightly, cargo install cargo-fuzz.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
seconds=${1:-600}
cd "$(dirname "$0")/.."
targets=$(cargo +nightly fuzz list)
cargo +nightly fuzz build
for t in $targets; do
    echo "== $t ($seconds s)"
    cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 2>&1 | tail -n 3 &
    while [ "$(jobs -r | wc -l)" -ge 2 ]; do sleep 5; done
done
wait
