#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for SECONDS each (default 600), two at
# a time, with cargo-fuzz on the stable toolchain: RUSTC_BOOTSTRAP=1 lets stable
# rustc take the sanitizer flags cargo-fuzz passes (AddressSanitizer included), so
# no nightly is needed. Installs cargo-fuzz when missing. Not part of CI.
# Prints one line per target: name, seconds, executions, corpus size, findings.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET…]
set -euo pipefail
seconds=${1:-600}
shift || true
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=${*:-$(cargo fuzz list)}
cargo fuzz build
logs=$(mktemp -d)
for t in $targets; do
    (
        cargo fuzz run "$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 \
            >"$logs/$t.log" 2>&1 && found=0 || found=1
        runs=$(grep -oE 'Done [0-9]+ runs|^#[0-9]+' "$logs/$t.log" | tail -1 | tr -dc '0-9')
        corpus=$(find "fuzz/corpus/$t" -type f 2>/dev/null | wc -l)
        echo "| $t | $((seconds / 60)) | ${runs:-0} | $corpus | $([ $found = 0 ] && echo none || echo "see $logs/$t.log") |"
    ) &
    while [ "$(jobs -r | wc -l)" -ge 2 ]; do sleep 5; done
done
wait
