#!/usr/bin/env bash
# Benchmarks `git workflow check --staged` (what the pre-commit hook runs) against
# `git diff --cached --name-only -- .workflow` on one generated repository, alternating
# the two, and prints the medians and their ratio: right after a migration, then for a
# commit that leaves .workflow/ alone, and one that adds a task session folder.
#
# Usage: scripts/bench_check.sh [FILES] [SESSIONS] [RUNS]   (defaults 200000 10000 21)
set -euo pipefail
files=${1:-200000}
sessions=${2:-10000}
runs=${3:-21}
. "$(dirname "$0")/bench_env.sh"

python3 "$root/scripts/bench_fixture.py" "$work/repo" "$files" "$sessions"
cd "$work/repo"
# The fixture's sessions are flat; migrate them so the staged folder below is valid.
"$bin" migrate -q

measure() { # measure LABEL: alternate the two commands RUNS times
    : >"$work/ours"; : >"$work/git"
    for _ in $(seq 1 "$runs"); do
        t0=$(now); "$bin" check --staged >/dev/null; t1=$(now)
        git diff --cached --name-only -- .workflow >/dev/null; t2=$(now)
        echo $(( (t1 - t0) / 1000 )) >>"$work/ours"; echo $(( (t2 - t1) / 1000 )) >>"$work/git"
    done
    local ours git_us; ours=$(median <"$work/ours"); git_us=$(median <"$work/git")
    echo "| check --staged, $1 | ours $((ours / 1000)).$(( (ours % 1000) / 100 )) ms | git diff --cached ${git_us%???}.$(( (git_us % 1000) / 100 )) ms | **$(ratio "$ours" "$git_us")×** | median of $runs |"
}

echo "first" >>src/m000/d0/f000001.txt
git add src/m000/d0/f000001.txt
measure "$files files, right after migrate"
git commit -q -m "ordinary work"
echo "outside" >>src/m000/d0/f000000.txt
git add src/m000/d0/f000000.txt
measure "$files files, a commit outside .workflow/"
mkdir -p .workflow/versions/v001/task_sessions/new_task
for f in session.yml task.yml operations.log; do echo "x: 1" >.workflow/versions/v001/task_sessions/new_task/$f; done
git add .workflow
measure "$files files, a commit adding a task session"
