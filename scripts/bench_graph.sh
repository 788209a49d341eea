#!/usr/bin/env bash
# Benchmarks `git workflow graph check` on generated graphs of 1,000 to 10,000 tasks
# in workstreams of 20 tasks (500 at 10,000), each task depending on up to two earlier
# ones: wall time (median of RUNS) and peak memory, to show how it grows.
#
# Usage: scripts/bench_graph.sh [RUNS]   (default 5)
set -euo pipefail
runs=${1:-5}
. "$(dirname "$0")/bench_env.sh"

for n in 1000 2500 5000 10000; do
    python3 - "$work/g$n.yaml" "$n" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
ws = max(1, n // 20)
with open(path, "w") as f:
    f.write("name: bench\nmax_concurrency: 4\nworkstreams:\n")
    for w in range(ws):
        f.write(f"  - id: ws{w:04d}\n")
    f.write("tasks:\n")
    for i in range(n):
        f.write(f"  - id: task{i:05d}\n    workstream_id: ws{i % ws:04d}\n    role: implementer\n")
        deps = [d for d in (i - 1, i - 7) if d >= 0]
        if deps:
            f.write("    dependencies: [" + ", ".join(f"task{d:05d}" for d in deps) + "]\n")
        f.write("    primary_agent: {model: m, adr_verbosity: standard}\n")
PY
    : >"$work/t"
    for _ in $(seq 1 "$runs"); do
        t0=$(now); "$bin" graph check "$work/g$n.yaml" >/dev/null; echo $(( ($(now) - t0) / 1000000 )) >>"$work/t"
    done
    mem=$( { /usr/bin/time -f "%M" "$bin" graph check "$work/g$n.yaml" >/dev/null; } 2>&1 | tail -1)
    echo "| graph check, $n tasks, $((n / 20)) workstreams | $(median <"$work/t") ms | peak $((mem / 1024)) MiB | median of $runs |"
done

# Graphs the check rejects, where the hint decides whether `graph migrate` would fix
# them: an invalid graph (one unknown dependency, at the last task) and a chained v01
# graph (every task depending on the one before, v01 keys on every task; the case
# that took 11.9 s at 500 tasks while the migration's parallelism note compared every
# pair of tasks); and the dry-run diff of migrating that v01 graph.
for n in 500 5000; do
    python3 - "$work/bad$n.yaml" "$work/v01_$n.yaml" "$n" <<'PY'
import sys
bad, v01, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(bad, "w") as f:
    f.write("name: bench\ntasks:\n")
    for i in range(n):
        f.write(f"  - id: task{i:05d}\n")
        if i:
            dep = f"task{i - 1:05d}" if i < n - 1 else "missing"
            f.write(f"    dependencies: [{dep}]\n")
with open(v01, "w") as f:
    f.write("name: bench\ntarget_repo: /src/app\ntmux_session: agents\ntasks:\n")
    for i in range(n):
        f.write(f"  - id: task{i:05d}\n    model: m\n    src_paths: [src/t{i}]\n")
        if i:
            f.write(f"    dependencies: [task{i - 1:05d}]\n")
PY
    for kind in bad v01_; do
        : >"$work/t"
        for _ in $(seq 1 "$runs"); do
            t0=$(now); "$bin" graph check "$work/$kind$n.yaml" >/dev/null 2>&1 || true
            echo $(( ($(now) - t0) / 1000000 )) >>"$work/t"
        done
        /usr/bin/time -f "%M" -o "$work/mem" "$bin" graph check "$work/$kind$n.yaml" >/dev/null 2>&1 || true
        mem=$(tail -1 "$work/mem")
        what=$([ "$kind" = bad ] && echo "an invalid graph" || echo "a chained v01 graph (hint: migrate)")
        echo "| graph check, $what, $n tasks | $(median <"$work/t") ms | peak $((mem / 1024)) MiB | median of $runs |"
    done
done

# The dry-run diff of a v01 graph of 12,000 lines (3,000 tasks), inside a repository.
repo=$work/diffrepo
git init -q -b main "$repo"
python3 - "$repo/g.yaml" 3000 <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("name: bench\ntarget_repo: /src/app\ntmux_session: agents\ntasks:\n")
    for i in range(n):
        f.write(f"  - id: task{i:05d}\n    model: m\n    src_paths: [src/t{i}]\n")
        f.write(f"    dependencies: [task{max(i - 1, 0):05d}]\n" if i else "    role: implementer\n")
PY
git -C "$repo" add -A && git -C "$repo" commit -qm graph
lines=$(wc -l <"$repo/g.yaml")
: >"$work/t"
for _ in $(seq 1 "$runs"); do
    t0=$(now); (cd "$repo" && "$bin" graph migrate g.yaml --dry-run >/dev/null)
    echo $(( ($(now) - t0) / 1000000 )) >>"$work/t"
done
mem=$( { cd "$repo" && /usr/bin/time -f "%M" "$bin" graph migrate g.yaml --dry-run >/dev/null; } 2>&1 | tail -1)
echo "| graph migrate --dry-run (diff), $lines lines | $(median <"$work/t") ms | peak $((mem / 1024)) MiB | median of $runs |"
