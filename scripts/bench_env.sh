# Sourced by the benchmark scripts: builds the release binary, makes a scratch folder
# removed on exit, a hermetic git environment, and the timing helpers.
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --locked -q --manifest-path "$root/Cargo.toml"
bin=$root/target/release/git-workflow
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 SOURCE_DATE_EPOCH=1765886400
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_AUTHOR_DATE='@1765886400 +0000'
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com GIT_COMMITTER_DATE='@1765886400 +0000'
mkdir -p "$HOME"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
