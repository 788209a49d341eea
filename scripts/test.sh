#!/usr/bin/env bash
# The test command (README: "Test"): installs what the tests drive when it is
# missing, then runs every test. The tests use real tools, never mocks, and skip
# none (SPEC §5.1: signing with gpg, gpgsm and ssh, git-lfs filters; SPEC §6.2: the
# pre-commit framework, prek, husky, lefthook; zsh, fish and bash completion for
# the completion scripts; strace, to see which files git and we flush to disk;
# node, whose JSON.parse the JSON error positions are compared with). System
# packages come from apt (with sudo when not root); the hook managers go into a
# cache of their own, "${XDG_CACHE_HOME:-$HOME/.cache}/git-workflow-ci".
# Extra arguments go to `cargo test` (`scripts/test.sh real_data` runs one file).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v gpg >/dev/null || missing+=(gnupg)
command -v gpgsm >/dev/null || missing+=(gpgsm)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v git-lfs >/dev/null || missing+=(git-lfs)
command -v man >/dev/null || missing+=(man-db)
command -v script >/dev/null || missing+=(bsdutils)
[ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)
command -v zsh >/dev/null || missing+=(zsh)
command -v strace >/dev/null || missing+=(strace)
command -v fish >/dev/null || missing+=(fish)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "test.sh: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}"
fi
tools="${XDG_CACHE_HOME:-$HOME/.cache}/git-workflow-ci"
if [ ! -x "$tools/venv/bin/prek" ]; then
    echo "test.sh: installing pre-commit and prek into $tools/venv" >&2
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/pip" install -q pre-commit prek
fi
if [ ! -x "$tools/npm/node_modules/.bin/lefthook" ]; then
    echo "test.sh: installing husky and lefthook into $tools/npm" >&2
    mkdir -p "$tools/npm"
    # --ignore-scripts, from its own folder: lefthook's postinstall would install
    # its hooks (and a lefthook.yml) into the repository npm was started in.
    (cd "$tools/npm" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error husky lefthook@2.2.1)
fi
export PATH="$tools/venv/bin:$tools/npm/node_modules/.bin:$PATH"
cargo test --locked "$@"
