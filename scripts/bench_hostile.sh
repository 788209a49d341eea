#!/usr/bin/env bash
# The server's side of SPEC §7: for each hostile push of the acceptance battery
# (scripts/bench_hostile.py builds them), git's own receive of the push (`git push`
# to a bare repository without hooks, the whole process tree) beside the hook's
# check of the same commits (`git-workflow check --range`, what the installed
# pre-receive hook runs), wall time and peak memory (GNU time's maximum resident
# set). Target: the hook ≤ 2× git in both. The check runs in the server when git
# accepted the push, else (git refuses trees past core.maxTreeDepth after
# receiving them) in the client, which holds the same objects.
#
# Usage: scripts/bench_hostile.sh [SHAPE…]   (default: every shape)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${GIT_WORKFLOW_BIN:-$root/target/release/git-workflow}
[ -x "$bin" ] || (cd "$root" && cargo build --release --locked -q)
shapes=${*:-fanout nesting depth blob flips empty keys}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME="$work/home" GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com \
    GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"

measure() { # measure OUT COMMAND…: "seconds KiB" of the command's process tree
    /usr/bin/time -f '%e %M' -o "$1" "${@:2}" >/dev/null 2>&1 || true
}
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { r = (b > 0) ? a / b : 0; printf "%.2f× %s", r, (r <= 2) ? "met" : "**missed**" }'; }

echo "## $(date -u +%Y-%m-%d), $(nproc) cores, $(git --version)"
echo
echo "| push | git receive | hook | time | memory |"
echo "|---|---|---|---|---|"
for shape in $shapes; do
    dir="$work/$shape"
    mkdir -p "$dir"
    git init -q --bare -b main "$dir/server.git"
    git init -q -b main "$dir/client"
    if [ "$shape" = keys ]; then # only the graph shape: globs make the check read all of a tree
        git -C "$dir/server.git" config workflow.graphs 'graphs/*.yaml'
        git -C "$dir/client" config workflow.graphs 'graphs/*.yaml'
    fi
    (
        cd "$dir/client"
        echo hi >README.md
        git add README.md
        git commit -qm base
        git remote add origin ../server.git
        git push -q origin main
        base=$(git rev-parse main)
        python3 "$here/bench_hostile.py" . "$shape"
        measure "$dir/git" git push -q origin main
        if [ "$(git -C ../server.git rev-parse main)" = "$(git rev-parse main)" ]; then
            where=../server.git
        else
            where=.
        fi
        measure "$dir/hook" "$bin" -C "$where" check --range "$base..$(git rev-parse main)"
        read -r gs gk < <(tail -1 "$dir/git")
        read -r hs hk < <(tail -1 "$dir/hook")
        echo "| $shape | ${gs} s, $((gk / 1024)) MiB | ${hs} s, $((hk / 1024)) MiB | $(verdict "$hs" "$gs") | $(verdict "$hk" "$gk") |"
    )
    rm -rf "$dir"
done
