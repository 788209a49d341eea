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
