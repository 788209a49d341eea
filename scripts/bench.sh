#!/usr/bin/env bash
# Every benchmark of issue 16's targets in one run, each row a ratio against git's
# own commands (or the plain file work) measured in the same run, with its target
# and whether it is met: migrate and rollback (bench_migrate.sh), the hook's check
# (bench_check.sh), session complete (bench_complete.sh) in a repository of its own
# and in one that also tracks FILES files. BENCHMARKS.md records the
# results and says why a row misses its target.
#
# Usage: scripts/bench.sh [FILES] [SESSIONS] [ROUNDS]   (defaults 200000 10000 3)
#   scripts/bench.sh 200000 50000   the migration at 50,000 sessions
#   scripts/bench.sh 1000000 10000 1   the million-file row
set -euo pipefail
files=${1:-200000}
sessions=${2:-10000}
rounds=${3:-3}
here=$(dirname "$0")
echo "## $(date -u +%Y-%m-%d), $(nproc) cores, $(git --version), $files files, $sessions sessions"
bash "$here/bench_migrate.sh" "$files" "$sessions" "$rounds"
bash "$here/bench_check.sh" "$files" "$sessions" 21 | sed 1,2d
bash "$here/bench_complete.sh" 7 | sed 1,2d
bash "$here/bench_complete.sh" 7 "$files" | sed 1,2d
