#!/usr/bin/env bash
# Benchmarks `git workflow session complete` with N sessions already archived (N
# manifest entries, N features in project.json), for N = 100, 1,000 and 10,000, so
# the growth shows: RUNS completions of the same session, reset between runs, each
# beside `git status` on the same repository (the floor: a completion must look at
# every file under .workflow/). Targets: ≤ 2× git status; with 10,000 archived
# sessions ≤ 1.5× the time with 100 (SPEC §4.2: a completion looks only at what it
# writes, so it does not grow with the rest of .workflow/). With FILES, the same in a repository that also
# tracks FILES ordinary files outside .workflow/ (built with git fast-import, as the
# other benchmarks' fixtures): the index a completion splices and writes back grows
# with them, as git's does.
#
# Usage: scripts/bench_complete.sh [RUNS] [FILES]   (defaults 7 and 0)
set -euo pipefail
runs=${1:-7}
files=${2:-0}
. "$(dirname "$0")/bench_env.sh"
if [ "$files" -gt 0 ]; then
    where=", $files files"
else
    where=""
fi

fixture() { # fixture DIR N: a CCW repository with N archived sessions and one active
    if [ "$files" -gt 0 ]; then
        python3 "$root/scripts/bench_fixture.py" "$1" "$files" 0
    else
        git init -q -b main "$1"
    fi
    python3 - "$1" "$2" <<'PY'
import json, os, sys
root, n = sys.argv[1], int(sys.argv[2])
wf = os.path.join(root, ".workflow")
entries, features = [], []
for i in range(n):
    sid = f"WFS-done-{i:05d}"
    d = os.path.join(wf, "archives", sid)
    os.makedirs(d)
    with open(os.path.join(d, "workflow-session.json"), "w") as f:
        json.dump({"session_id": sid, "status": "completed"}, f)
    entries.append({"session_id": sid, "description": f"Session {i}", "archived_at": "2025-11-01T00:00:00.000Z",
                    "archive_path": f".workflow/archives/{sid}",
                    "metrics": {"task_count": 3, "success_rate": 100.0, "duration_hours": 1.5},
                    "tags": ["api", "test"], "lessons": {"successes": [], "challenges": [], "watch_patterns": []}})
    features.append({"id": f"feature-{i}", "title": f"Feature {i}", "status": "completed"})
with open(os.path.join(wf, "archives", "manifest.json"), "w") as f:
    f.write(json.dumps({"archives": entries}, indent=2) + "\n")
with open(os.path.join(wf, "project.json"), "w") as f:
    f.write(json.dumps({"project_name": "bench", "features": features,
                        "statistics": {"total_features": n, "total_sessions": n, "last_updated": "2025-11-01"}}, indent=2) + "\n")
s = os.path.join(wf, "sessions", "WFS-active", ".task")
os.makedirs(s)
for t in range(5):
    with open(os.path.join(s, f"IMPL-{t}.json"), "w") as f:
        json.dump({"id": f"IMPL-{t}", "status": "completed"}, f)
with open(os.path.join(wf, "sessions", "WFS-active", "workflow-session.json"), "w") as f:
    json.dump({"session_id": "WFS-active", "status": "active", "created_at": "2025-11-20T08:00:00.000Z"}, f, indent=2)
with open(os.path.join(wf, "sessions", "WFS-active", "IMPL_PLAN.md"), "w") as f:
    f.write("# Active work\n\nAn API endpoint with tests.\n")
PY
    git -C "$1" add -A .workflow && git -C "$1" commit -q -m fixture
}

header
for n in 100 1000 10000; do
    fixture "$work/r$n" "$n"
    base=$(git -C "$work/r$n" rev-parse HEAD)
    : >"$work/ours$n"; : >"$work/git$n"; : >"$work/hand$n"
    for _ in $(seq 1 "$runs"); do
        t0=$(now); (cd "$work/r$n" && "$bin" session complete WFS-active -q); t1=$(now)
        git -C "$work/r$n" status --porcelain >/dev/null; t2=$(now)
        us "$t0" "$t1" >>"$work/ours$n"; us "$t1" "$t2" >>"$work/git$n"
        done=$(git -C "$work/r$n" rev-parse HEAD)
        git -C "$work/r$n" reset -q --hard "$base"
        # The same change made by hand, untimed (the files put in place), then
        # committed with git, timed: what git itself costs for the new manifest and
        # project.json, which grow with the archive.
        rm -rf "$work/r$n/.workflow/sessions/WFS-active"
        git -C "$work/r$n" archive "$done" .workflow | tar -x -C "$work/r$n"
        t3=$(now); git -C "$work/r$n" add -A .workflow; git -C "$work/r$n" commit -q -m "by hand"; t4=$(now)
        us "$t3" "$t4" >>"$work/hand$n"
        git -C "$work/r$n" reset -q --hard "$base"
    done
    row "session complete, $n archived sessions$where" "$work/ours$n" "git status" "$work/git$n" 2
    row "session complete, $n archived sessions$where" "$work/ours$n" "git add -A + git commit of the same change" "$work/hand$n" 2
    rm -rf "$work/r$n"
done
row "session complete, 10000 archived against 100$where" "$work/ours10000" "100 archived" "$work/ours100" 1.5
row "git add -A + git commit of that change, 10000 archived against 100$where" "$work/hand10000" "100 archived" "$work/hand100" 1.5
