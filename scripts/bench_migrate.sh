#!/usr/bin/env bash
# Benchmarks `git workflow migrate` and its `rollback` on identical copies of one
# generated repository (FILES tracked files, SESSIONS flat task sessions), each side
# on its own copy, the order rotated every round. Baselines, measured in the same run:
#   migrate:  the same moves and new files made by one Python process, no git (the
#             work the migration cannot avoid; target ≤ 1.5×), and the seed's own
#             migration script (PyYAML) followed by `git add -A .workflow && git
#             commit` (what users did before; target ≤ 0.1×, ten times faster);
#   rollback: `git revert --no-edit` of the migration (target ≤ 0.2×), and the
#             plain removals and restores alone (target ≤ 1.5×).
# The script checks that each side ends with the same tree as ours.
#
# Usage: scripts/bench_migrate.sh [FILES] [SESSIONS] [ROUNDS]   (defaults 200000 10000 3)
set -euo pipefail
files=${1:-200000}
sessions=${2:-10000}
rounds=${3:-3}
. "$(dirname "$0")/bench_env.sh"

copy() { cp -a "$work/fixture" "$1" && git -C "$1" update-index -q --refresh; }
tree_of() { git -C "$1" rev-parse 'HEAD^{tree}'; }
work_tree_of() { # the tree `git add -A` would commit from DIR's work tree
    GIT_INDEX_FILE="$work/tmp-index" git -C "$1" read-tree HEAD
    GIT_INDEX_FILE="$work/tmp-index" git -C "$1" add -A .workflow
    GIT_INDEX_FILE="$work/tmp-index" git -C "$1" write-tree
    rm -f "$work/tmp-index"
}
same() { [ "$1" = "$2" ] || { echo "bench: $3 made a different tree" >&2; exit 1; }; }

echo "building a repository with $files files and $sessions flat task sessions…" >&2
t0=$(now)
python3 "$root/scripts/bench_fixture.py" "$work/fixture" "$files" "$sessions"
echo "fixture built with git fast-import in $(( $(us "$t0" "$(now)") / 1000 )) ms" >&2

# The plain-tools side makes exactly the files our migration makes.
copy "$work/ref"
(cd "$work/ref" && "$bin" migrate -q)
git -C "$work/ref" diff --name-status -M HEAD~1 HEAD | awk -F'\t' '$1=="R100"{print $2"\t"$3}' >"$work/moves.tsv"
git -C "$work/ref" diff --name-only --diff-filter=A HEAD~1 HEAD >"$work/new.txt"
(cd "$work/ref" && tar cf "$work/new.tar" -T "$work/new.txt")
rm -rf "$work/ref"

header
for f in ours plain seed seed_git plain_git rollback revert undo; do : >"$work/$f"; done
timed() { # timed FILE DIR COMMAND…: runs COMMAND in DIR, appends its microseconds to FILE
    local out=$1 dir=$2 t0; shift 2
    t0=$(now); (cd "$dir" && "$@" >/dev/null); us "$t0" "$(now)" >>"$out"
}
commit_by_hand() { git add -A .workflow && git commit -q -m "migrate by hand"; }
rotate() { # rotate ROUND A B C: runs the three shell functions in the round's order
    case $(( $1 % 3 )) in
        0) "$2"; "$3"; "$4" ;; 1) "$3"; "$4"; "$2" ;; *) "$4"; "$2"; "$3" ;;
    esac
}
for round in $(seq 1 "$rounds"); do
    copy "$work/a"; copy "$work/b"; copy "$work/c"; sync
    ours() { timed "$work/ours" "$work/a" "$bin" migrate -q; }
    plain() {
        timed "$work/plain" "$work/b" python3 "$root/scripts/bench_plain.py" apply "$work/moves.tsv" "$work/new.tar"
        timed "$work/plain_git" "$work/b" commit_by_hand
    }
    seed() {
        timed "$work/seed" "$work/c" python3 "$root/scripts/bench_seed_migrate.py"
        timed "$work/seed_git" "$work/c" commit_by_hand
    }
    rotate "$round" ours plain seed
    same "$(tree_of "$work/a")" "$(tree_of "$work/b")" "the plain moves and writes"
    [ -z "$(git -C "$work/a" status --porcelain)" ] || { echo "bench: our work tree is not clean" >&2; exit 1; }
    [ "$(git -C "$work/c" diff --name-only HEAD~1 HEAD | wc -l)" -ge "$((sessions * 3))" ] \
        || { echo "bench: the seed's script did not migrate every session" >&2; exit 1; }

    rm -rf "$work/b" "$work/c"; cp -a "$work/a" "$work/b"; cp -a "$work/a" "$work/c"
    git -C "$work/b" update-index -q --refresh; git -C "$work/c" update-index -q --refresh; sync
    rollback() { timed "$work/rollback" "$work/a" "$bin" rollback -q; }
    revert() { timed "$work/revert" "$work/b" git revert --no-edit HEAD; }
    undo() { timed "$work/undo" "$work/c" python3 "$root/scripts/bench_plain.py" undo "$work/moves.tsv" "$work/new.txt"; }
    rotate "$round" rollback revert undo
    same "$(tree_of "$work/a")" "$(tree_of "$work/b")" "git revert"
    same "$(tree_of "$work/a")" "$(work_tree_of "$work/c")" "the plain removals and restores"
    rm -rf "$work/a" "$work/b" "$work/c"
done

paste "$work/seed" "$work/seed_git" | awk "{print \$1 + \$2}" >"$work/seed_total"
paste "$work/plain" "$work/plain_git" | awk "{print \$1 + \$2}" >"$work/plain_total"
what="$files files, $sessions flat sessions"
row "migrate, $what" "$work/ours" "plain moves and writes alone" "$work/plain" 1.5
row "migrate, $what" "$work/ours" "the seed's script + git add/commit" "$work/seed_total" 0.1
row "migrate, $what (no target)" "$work/ours" "plain moves and writes + git add/commit" "$work/plain_total" 1.0
row "rollback of that migration" "$work/rollback" "\`git revert --no-edit\`" "$work/revert" 0.2
row "rollback of that migration" "$work/rollback" "plain removals and restores alone" "$work/undo" 1.5
