#!/bin/sh
# Builds git-workflow in release mode and installs, under ${PREFIX:-$HOME/.local}:
#   bin/git-workflow                     (git runs it as `git workflow`)
#   share/man/man1/git-workflow*.1       (what `git workflow [command] --help` opens)
#   bash, zsh and fish completions
# With --repo DIR it also installs the pre-commit hook in that repository.
# Safe to run again: everything is replaced in place.
set -eu

usage() {
    cat <<USAGE
usage: ./install.sh [--repo DIR]

Builds git-workflow (cargo install --locked) and installs, under \$PREFIX
(default ~/.local):
  bin/git-workflow                          git runs it as \`git workflow\`
  share/man/man1/git-workflow*.1            what \`git workflow [command] --help\` opens
  bash, zsh and fish completions
  --repo DIR   also install the pre-commit hook in the repository at DIR
Safe to run again: everything is replaced in place.
USAGE
}

prefix=${PREFIX:-$HOME/.local}
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
repo=

while [ $# -gt 0 ]; do
    case $1 in
        --repo) [ $# -ge 2 ] || { echo "install.sh: --repo needs a folder" >&2; exit 2; }
                repo=$2; shift 2 ;;
        --repo=*) repo=${1#--repo=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1 (use --repo DIR)" >&2; exit 2 ;;
    esac
done

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "install.sh: $1 is not installed; $2" >&2
        exit 1
    fi
}
need git "install git (e.g. apt-get install git), then run ./install.sh again"
need cargo "install the Rust toolchain (rustup or your package manager), then run ./install.sh again"
if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
    echo "install.sh: no C compiler (${CC:-cc}) found; libgit2 is built from source with it. Install one (e.g. apt-get install build-essential, or xcode-select --install), then run ./install.sh again" >&2
    exit 1
fi

cd "$here"
# cargo install builds where cargo is told to (CARGO_TARGET_DIR, build.target-dir)
# and copies that binary, never a stale one from an old target/.
cargo install --path . --locked --force --root "$prefix"
bin="$prefix/bin/git-workflow"
put() { # put TARGET: stdin into TARGET, atomically
    mkdir -p "$(dirname -- "$1")"
    cat >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}
echo "installed $bin ($("$bin" --version))"
mkdir -p "$prefix/share/man/man1"
"$bin" man --dir "$prefix/share/man/man1"
"$bin" completions bash | put "$prefix/share/bash-completion/completions/git-workflow"
"$bin" completions zsh | put "$prefix/share/zsh/site-functions/_git-workflow"
"$bin" completions fish | put "$prefix/share/fish/vendor_completions.d/git-workflow.fish"
echo "installed the man pages (git-workflow(1), git-workflow-migrate(1), …) and bash, zsh and fish completions under $prefix/share"

case ":${PATH}:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on your PATH; add it so git finds \`git workflow\`:"
       echo "  export PATH=\"$prefix/bin:\$PATH\"" ;;
esac

if [ -n "$repo" ]; then
    "$bin" -C "$repo" hooks install
fi
