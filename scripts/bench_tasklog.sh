#!/usr/bin/env bash
# Benchmarks `git workflow task log` in calls per second, from one process and from 8
# at once, against the floor of a plain shell append (`printf >>`, the builtin and the
# /usr/bin/printf program) of the same lines, in one run.
#
# Usage: scripts/bench_tasklog.sh [CALLS]   (default 800, split over 8 workers in the parallel case)
set -euo pipefail
calls=${1:-800}
. "$(dirname "$0")/bench_env.sh"

repo=$work/repo
git init -q -b main "$repo"
cd "$repo"
"$bin" version create bench -q
"$bin" task start t --type update --agent backend -q
per=$((calls / 8))

rate() { awk -v n="$1" -v ns="$2" 'BEGIN {printf "%.0f", n / (ns / 1e9)}'; }
ours_one() { for i in $(seq 1 "$calls"); do "$bin" task log t UPDATE file "f$i" --summary s -q; done; }
ours_eight() {
    for w in $(seq 1 8); do
        ( for i in $(seq 1 "$per"); do "$bin" task log t UPDATE file "w$w-$i" --summary s -q; done ) &
    done
    wait
}
builtin_one() { for i in $(seq 1 "$calls"); do printf '[x] UPDATE file: f%s\n  Summary: s\n' "$i" >>"$work/floor.log"; done; }
program_one() { for i in $(seq 1 "$calls"); do /usr/bin/printf '[x] UPDATE file: f%s\n  Summary: s\n' "$i" >>"$work/floor.log"; done; }
program_eight() {
    for w in $(seq 1 8); do
        ( for i in $(seq 1 "$per"); do /usr/bin/printf '[x] UPDATE file: w%s-%s\n  Summary: s\n' "$w" "$i" >>"$work/floor.log"; done ) &
    done
    wait
}
time_ns() { local t0; t0=$(now); "$@"; echo $(( $(now) - t0 )); }

one=$(time_ns ours_one); eight=$(time_ns ours_eight)
b=$(time_ns builtin_one); p=$(time_ns program_one); p8=$(time_ns program_eight)
lines=$(grep -c '^\[' .workflow/versions/v001/task_sessions/t/operations.log)
[ "$lines" = $((calls + per * 8)) ] || { echo "bench: expected $((calls + per * 8)) entries, found $lines" >&2; exit 1; }
echo "| task log, 1 process | $(rate "$calls" "$one")/s | printf builtin $(rate "$calls" "$b")/s, /usr/bin/printf $(rate "$calls" "$p")/s | $(awk -v a="$one" -v b="$p" 'BEGIN {printf "%.2f", a / b}')× the time of /usr/bin/printf | $calls calls |"
echo "| task log, 8 processes at once | $(rate $((per * 8)) "$eight")/s | /usr/bin/printf $(rate $((per * 8)) "$p8")/s | $(awk -v a="$eight" -v b="$p8" 'BEGIN {printf "%.2f", a / b}')× | $((per * 8)) calls, none lost |"
