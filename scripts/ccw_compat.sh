#!/usr/bin/env bash
# CCW's own code as the judge (issue 14): drives CCW's built session manager and
# dashboard readers against repositories our commands produced, and our commands
# against repositories CCW produced. Not part of CI: it needs a CCW checkout.
#
# Usage: scripts/ccw_compat.sh CCW_CHECKOUT
#   CCW_CHECKOUT: a checkout of catlog22/Claude-Code-Workflow (MIT) with its ccw
#   package built:  npm install --workspaces=false --ignore-scripts
#                   npx tsc -p ccw/tsconfig.json
# Prints one line per check (ok / FAIL) and exits non-zero if any failed.
set -euo pipefail
[ $# -eq 1 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
ccw=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$ccw/ccw/dist/tools/session-manager.js" ] || { echo "error: $ccw/ccw/dist is not built (see --help)" >&2; exit 2; }
(cd "$here" && cargo build --release --locked -q)
bin="$here/target/release/git-workflow"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
export GIT_AUTHOR_NAME="Ada Tester" GIT_AUTHOR_EMAIL=ada@example.com
export GIT_COMMITTER_NAME="Ada Tester" GIT_COMMITTER_EMAIL=ada@example.com
mkdir -p "$HOME"
failed=0

fresh() { repo="$work/$1"; git init -q -b main "$repo"; cd "$repo"; echo hi > README.md; git add -A; git commit -qm init; }
wf() { "$bin" "$@"; }
ccw_sees() { node "$here/scripts/ccw_compat.mjs" "$ccw" "$@"; }
# verdict NAME PYTHON-EXPRESSION (over `d`, the JSON on stdin)
verdict() {
    if python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($2) else 1)"; then
        echo "ok    $1"
    else
        echo "FAIL  $1"; failed=1
    fi
}
ids() { echo "[s['session_id'] for s in d['result']['$1']]"; }

# 1. Old layout (markers, .archives/) -> our migrate -> CCW sees every session.
fresh old
mkdir -p .workflow/WFS-login/.task .workflow/WFS-paused .workflow/.archives/WFS-cart
echo '{"session_id": "WFS-login", "status": "active"}' > .workflow/WFS-login/workflow-session.json
echo '{"id": "IMPL-1", "status": "completed"}' > .workflow/WFS-login/.task/IMPL-1.json
echo '{"session_id": "WFS-paused", "status": "paused"}' > .workflow/WFS-paused/workflow-session.json
echo '{"session_id": "WFS-cart", "status": "completed"}' > .workflow/.archives/WFS-cart/workflow-session.json
echo '[{"session_id": "WFS-cart", "archive_path": ".workflow/.archives/WFS-cart"}]' > .workflow/.archives/manifest.json
touch .workflow/.active-WFS-login
git add -A; git commit -qm "old CCW layout"
wf migrate -q
ccw_sees list | verdict "old layout migrated: CCW lists both sessions active" "sorted($(ids active)) == ['WFS-login', 'WFS-paused']"
ccw_sees list | verdict "old layout migrated: CCW lists the archive" "$(ids archived) == ['WFS-cart']"
ccw_sees stats WFS-login | verdict "old layout migrated: CCW's stats read the session's tasks" "d['success'] and d['result']['tasks']['completed'] == 1"

# 2. Seed-era sessions/ -> our migrate -> CCW sees it; CCW 7's run state stays.
fresh seed
mkdir -p .workflow/sessions/WFS-seed .workflow/sessions/WFR-run-1
echo '{"session_id": "WFS-seed", "status": "active"}' > .workflow/sessions/WFS-seed/workflow-session.json
echo '{"step": 2}' > .workflow/sessions/WFR-run-1/state.json
git add -A; git commit -qm "seed-era layout"
ccw_sees list | verdict "seed-era layout: CCW does not see sessions/ (why ccw-active-dir exists)" "$(ids active) == []"
wf migrate -q
ccw_sees list | verdict "seed-era layout migrated: CCW lists the session" "$(ids active) == ['WFS-seed']"
[ -f .workflow/sessions/WFR-run-1/state.json ] && echo "ok    seed-era layout migrated: WFR-run-1/state.json left in sessions/" || { echo "FAIL  WFR run moved"; failed=1; }

# 3. Our session start -> CCW sees it, written as CCW's init writes it.
fresh start
wf session start "Add login" >/dev/null
ccw_sees list | verdict "session start: CCW lists the session active" "$(ids active) == ['WFS-add-login']"
ccw_sees init WFS-ccw-made "Add login" >/dev/null
python3 - <<'PY' | verdict "session start: same fields, same order, same layout as ccw session init" "d['ours'] == d['ccw']"
import json
def shape(path):
    text = open(path).read()
    keys = list(json.loads(text))
    return {"keys": keys, "final_newline": text.endswith("\n"), "indent": text.split("\n")[1][:2]}
print(json.dumps({"ours": shape(".workflow/active/WFS-add-login/workflow-session.json"),
                  "ccw": shape(".workflow/active/WFS-ccw-made/workflow-session.json")}))
PY

# 4. CCW init -> our complete -> archived in CCW's eyes, no leftover, and the
#    development_index entry in its dashboard data.
fresh complete
mkdir -p .workflow
echo '{"project_name": "shop", "statistics": {}}' > .workflow/project-tech.json
git add -A; git commit -qm "project-tech.json"
ccw_sees init WFS-add-cart "Add a shopping cart" >/dev/null
printf '# Shopping cart\n\nA cart that keeps items.\n' > .workflow/active/WFS-add-cart/IMPL_PLAN.md
wf session complete -q
ccw_sees list | verdict "CCW-made session completed by us: CCW lists it archived, not active" "$(ids active) == [] and $(ids archived) == ['WFS-add-cart']"
[ ! -e .workflow/active/WFS-add-cart ] && echo "ok    CCW-made session completed by us: no folder left in active/" || { echo "FAIL  leftover folder"; failed=1; }
ccw_sees dashboard | verdict "CCW-made session completed by us: CCW's dashboard has its development_index entry" "[e['sessionId'] for e in d['developmentIndex']['feature']] == ['WFS-add-cart']"

# 5. CCW archive -> our check, status and session list agree with CCW.
fresh archive
mkdir -p .workflow
echo '{"project_name": "shop"}' > .workflow/project-tech.json
ccw_sees init WFS-fix-bug "Fix the login bug" >/dev/null
git add -A; git commit -qm "a CCW session"
ccw_sees archive WFS-fix-bug >/dev/null
git add -A
wf check --staged -q && echo "ok    CCW's archive: our hook passes its commit" || { echo "FAIL  our hook refuses CCW's archive"; failed=1; }
git commit -qm "CCW archived it"
wf check --all -q && echo "ok    CCW's archive: check --all passes" || { echo "FAIL  check --all"; failed=1; }
wf session list --json | verdict "CCW's archive: our session list says archived" "[(s['session_id'], s['state']) for s in d] == [('WFS-fix-bug', 'archived')]"
ccw_sees list | verdict "CCW's archive: CCW says archived too" "$(ids archived) == ['WFS-fix-bug']"

cd "$here"
echo "CCW: $(git -C "$ccw" rev-parse HEAD 2>/dev/null || echo "$ccw")"
exit $failed
