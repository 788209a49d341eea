# Sourced by the benchmark scripts: builds the release binary, makes a scratch folder
# removed on exit, a hermetic git environment, and the timing and reporting helpers.
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --locked -q --manifest-path "$root/Cargo.toml"
bin=$root/target/release/git-workflow
work=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 SOURCE_DATE_EPOCH=1765886400
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_AUTHOR_DATE='@1765886400 +0000'
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com GIT_COMMITTER_DATE='@1765886400 +0000'
mkdir -p "$HOME"
# `git commit` starts `git gc --auto` in the background once the loose objects pass
# 6,700, and the by-hand sides' `git add -A` write 100,000: that repack would run
# during whichever measurement comes next, on the same cores. It is not part of any
# command measured here (git detaches it), so it is turned off.
git config --global gc.auto 0
git config --global maintenance.auto false

now() { date +%s%N; }
# us T0 T1: microseconds between two `now` readings.
us() { echo $(( ($2 - $1) / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# stats FILE: the median and the range of the microsecond figures in FILE, in ms.
stats() {
    sort -n "$1" | awk '{a[NR]=$1} END {
        f = (a[NR] >= 100000) ? "%.0f" : "%.1f"
        printf f " ms (" f "–" f ")", a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000}'
}
# row WHAT OURS BASELINE-LABEL BASELINE TARGET: one table row, our figures (file OURS)
# against the baseline's (file BASELINE), the ratio of the medians and whether it
# meets TARGET (the most the ratio may be).
row() {
    local r verdict
    r=$(ratio "$(median <"$2")" "$(median <"$4")")
    verdict=$(awk -v r="$r" -v t="$5" 'BEGIN {print (r <= t) ? "met" : "**missed**"}')
    echo "| $1 | $(stats "$2") | $3 $(stats "$4") | **${r}×** | ≤ $5× | $verdict | $(wc -l <"$2") |"
}
header() {
    echo "| what | ours, median (min–max) | baseline, median (min–max) | ratio | target | | runs |"
    echo "|---|---|---|---|---|---|---|"
}
