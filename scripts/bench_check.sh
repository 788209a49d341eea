#!/usr/bin/env bash
# Benchmarks `git workflow check --staged` (what the pre-commit hook runs) against
# `git diff --cached --name-only -- .workflow` on one generated repository (FILES
# tracked files, SESSIONS task sessions, migrated), alternating the two, RUNS times
# each: a commit that leaves .workflow/ alone and one that adds a task-session
# folder, each with the index as git writes it by default and with the extensions
# that locate entries (`index.recordEndOfIndexEntries`, `index.recordOffsetTable`);
# then on a 100-file repository, where process start-up is the floor. Targets:
# ≤ 0.5× git (≤ 1.2× on 100 files); the hook's peak memory (`/usr/bin/time -v`)
# ≤ 2× the index file's size.
#
# Usage: scripts/bench_check.sh [FILES] [SESSIONS] [RUNS]   (defaults 200000 10000 21)
set -euo pipefail
files=${1:-200000}
sessions=${2:-10000}
runs=${3:-21}
. "$(dirname "$0")/bench_env.sh"

measure() { # measure LABEL TARGET: alternate the two commands RUNS times
    : >"$work/ours"; : >"$work/git"
    for _ in $(seq 1 "$runs"); do
        t0=$(now); "$bin" check --staged >/dev/null; t1=$(now)
        git diff --cached --name-only -- .workflow >/dev/null; t2=$(now)
        us "$t0" "$t1" >>"$work/ours"; us "$t1" "$t2" >>"$work/git"
    done
    row "check --staged, $1" "$work/ours" "git diff --cached" "$work/git" "$2"
}
with_extensions() { # rewrites the index with EOIE and IEOT, as git writes them when asked
    git -c index.recordEndOfIndexEntries=true -c index.recordOffsetTable=true -c index.threads=2 \
        update-index --force-write-index
}
peak_memory() { # peak_memory LABEL: the hook's peak RSS against the index file's size
    local kib index_kib
    kib=$( { /usr/bin/time -v "$bin" check --staged >/dev/null; } 2>&1 | awk -F': ' '/Maximum resident/ {print $2}')
    index_kib=$(( $(stat -c %s .git/index) / 1024 ))
    echo "| check --staged peak memory, $1 | ${kib} KiB | index file ${index_kib} KiB | **$(ratio "$kib" "$index_kib")×** | ≤ 2× | $(awk -v r="$(ratio "$kib" "$index_kib")" 'BEGIN {print (r <= 2) ? "met" : "**missed**"}') | 1 |"
}

header
python3 "$root/scripts/bench_fixture.py" "$work/repo" "$files" "$sessions"
cd "$work/repo"
# The fixture's sessions are flat; migrate them so the staged folder below is valid.
"$bin" migrate -q
git commit -q --allow-empty -m "after the migration"

echo "outside" >>src/m000/d0/f000000.txt
git add src/m000/d0/f000000.txt
measure "$files files, a commit outside .workflow/" 0.5
peak_memory "$files files"
with_extensions
measure "$files files, a commit outside .workflow/, EOIE+IEOT" 0.5
git commit -q -m "ordinary work"
mkdir -p .workflow/versions/v001/task_sessions/new_task
for f in session.yml task.yml operations.log; do echo "x: 1" >.workflow/versions/v001/task_sessions/new_task/$f; done
git add .workflow
measure "$files files, a commit adding a task session" 0.5
with_extensions
measure "$files files, a commit adding a task session, EOIE+IEOT" 0.5
peak_memory "$files files, EOIE+IEOT"

cd "$work" && python3 "$root/scripts/bench_fixture.py" "$work/small" 90 10 && cd "$work/small"
"$bin" migrate -q
echo "outside" >>src/m000/d0/f000000.txt
git add src/m000/d0/f000000.txt
measure "100 files, a commit outside .workflow/" 1.2
