#!/usr/bin/env bash
# Benchmarks `git workflow migrate` against what a user would otherwise do: the same
# moves and new files made with plain tools, then `git add -A .workflow && git commit`.
# Both run on identical copies of one generated repository, alternately, in one run;
# the figures are medians and the ratios are ours / theirs (below 1.0 means faster).
#
# Usage: scripts/bench.sh [FILES] [SESSIONS] [ROUNDS]   (defaults 200000 10000 3)
set -euo pipefail
files=${1:-200000}
sessions=${2:-10000}
rounds=${3:-3}
. "$(dirname "$0")/bench_env.sh"

ms() { echo $(( ($2 - $1) / 1000000 )); }
copy() { cp -a "$work/fixture" "$1" && git -C "$1" update-index -q --refresh; }

echo "building a repository with $files files and $sessions flat task sessions…" >&2
python3 "$root/scripts/bench_fixture.py" "$work/fixture" "$files" "$sessions"

# The plain-tools side makes exactly the files our migration makes.
copy "$work/ref"
(cd "$work/ref" && "$bin" migrate -q)
git -C "$work/ref" diff --name-status -M HEAD~1 HEAD | awk -F'\t' '$1=="R100"{print $2"\t"$3}' >"$work/moves.tsv"
git -C "$work/ref" diff --name-only --diff-filter=A HEAD~1 HEAD >"$work/new.txt"
(cd "$work/ref" && tar cf "$work/new.tar" -T "$work/new.txt")
rm -rf "$work/ref"

: >"$work/ours" ; : >"$work/plain_files" ; : >"$work/plain_git" ; : >"$work/rollback" ; : >"$work/revert"
for round in $(seq 1 "$rounds"); do
    copy "$work/a"; copy "$work/b"; sync
    run_ours() {
        local t0; t0=$(now); (cd "$work/a" && "$bin" migrate -q); ms "$t0" "$(now)" >>"$work/ours"
    }
    run_plain() {
        local t0 t1; t0=$(now)
        (cd "$work/b" && python3 "$root/scripts/bench_plain.py" "$work/moves.tsv" "$work/new.tar")
        t1=$(now)
        (cd "$work/b" && git add -A .workflow && git commit -q -m "migrate by hand")
        ms "$t0" "$t1" >>"$work/plain_files"; ms "$t1" "$(now)" >>"$work/plain_git"
    }
    if (( round % 2 )); then run_ours; run_plain; else run_plain; run_ours; fi
    [ "$(git -C "$work/a" rev-parse 'HEAD^{tree}')" = "$(git -C "$work/b" rev-parse 'HEAD^{tree}')" ] \
        || { echo "bench: the two sides made different trees" >&2; exit 1; }
    [ -z "$(git -C "$work/a" status --porcelain)" ] || { echo "bench: our work tree is not clean" >&2; exit 1; }
    # Rollback of that migration against `git revert` of it, on identical copies.
    rm -rf "$work/b"; cp -a "$work/a" "$work/b"; git -C "$work/b" update-index -q --refresh; sync
    run_rollback() {
        local t0; t0=$(now); (cd "$work/a" && "$bin" rollback -q); ms "$t0" "$(now)" >>"$work/rollback"
    }
    run_revert() {
        local t0; t0=$(now); git -C "$work/b" revert --no-edit HEAD >/dev/null; ms "$t0" "$(now)" >>"$work/revert"
    }
    if (( round % 2 )); then run_revert; run_rollback; else run_rollback; run_revert; fi
    [ "$(git -C "$work/a" rev-parse 'HEAD^{tree}')" = "$(git -C "$work/b" rev-parse 'HEAD^{tree}')" ] \
        || { echo "bench: rollback and git revert made different trees" >&2; exit 1; }
    rm -rf "$work/a" "$work/b"
done

ours=$(median <"$work/ours"); files_ms=$(median <"$work/plain_files"); git_ms=$(median <"$work/plain_git")
total=$((files_ms + git_ms))
rollback=$(median <"$work/rollback"); revert=$(median <"$work/revert")
echo "| migrate, $files files + $sessions flat sessions | ours ${ours} ms | plain tools ${files_ms} ms + git add/commit ${git_ms} ms = ${total} ms | **$(ratio "$ours" "$total")×** (vs git add/commit alone: $(ratio "$ours" "$git_ms")×) | median of $rounds |"
echo "| rollback of that migration | ours ${rollback} ms | \`git revert --no-edit\` ${revert} ms | **$(ratio "$rollback" "$revert")×** | median of $rounds |"
