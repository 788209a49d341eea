#!/bin/sh
# Builds git-workflow in release mode and installs it as ${PREFIX:-$HOME/.local}/bin/git-workflow,
# where git finds it as `git workflow`. Safe to run again: it replaces the binary in place.
set -eu

prefix=${PREFIX:-$HOME/.local}
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "install.sh: $1 is not installed; $2" >&2
        exit 1
    fi
}
need git "install git (e.g. apt-get install git), then run ./install.sh again"
need cargo "install the Rust toolchain (rustup or your package manager), then run ./install.sh again"

cd "$here"
cargo build --release --locked
mkdir -p "$prefix/bin"
tmp="$prefix/bin/.git-workflow.$$"
cp target/release/git-workflow "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$prefix/bin/git-workflow"
echo "installed $prefix/bin/git-workflow ($("$prefix/bin/git-workflow" --version))"

case ":${PATH}:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on your PATH; add it so git finds \`git workflow\`:"
       echo "  export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
