#!/usr/bin/env python3
"""How often a `git commit -a` loop running beside an operation commits a tree that
drops files, for git-workflow's migrate + rollback and, in the same conditions, for
`git checkout` between the same two layouts (RELIABILITY.md, the `git commit -a` row).

`git commit -a` reads HEAD, then the index, and only then takes `index.lock`: a run
that reads HEAD after another process moved the branch, and the index before that
process wrote its new index, commits its stale index (minus the files no longer on
disk) on top of the new commit. `git checkout` has its own version of that window
(it writes the index before it moves HEAD).

Usage: scripts/race_commit_all.py [RUNS] [ROUNDS]   (defaults 8 and 20)
Prints, for each side: the operations that landed, the background commits made, in
how many runs a background commit dropped files, how many such commits, and the most
files one of them dropped.
"""
import os
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("GIT_WORKFLOW_BIN", os.path.join(ROOT, "target", "release", "git-workflow"))


def env(home):
    e = {
        "PATH": os.environ["PATH"],
        "HOME": home,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Race",
        "GIT_AUTHOR_EMAIL": "race@example.com",
        "GIT_COMMITTER_NAME": "Race",
        "GIT_COMMITTER_EMAIL": "race@example.com",
        "LC_ALL": "C",
    }
    return e


def run(cwd, e, *args):
    return subprocess.run(args, cwd=cwd, env=e, capture_output=True, text=True)


def fixture(path, e):
    run(path, e, "git", "init", "-q", "-b", "main")
    with open(os.path.join(path, "README.md"), "w") as f:
        f.write("hello\n")
    for v in ("v001", "v002"):
        for n in range(30):
            d = os.path.join(path, ".workflow", "versions", v, "task_sessions")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, f"task_{n}.yml"), "w") as f:
                f.write(f"task_id: task_{n}\nstatus: pending\noperations: []\n")
    run(path, e, "git", "add", "-A")
    run(path, e, "git", "commit", "-q", "-m", "flat sessions")


def background(path, e, stop):
    n = 0
    while not stop.is_set():
        n += 1
        with open(os.path.join(path, "README.md"), "w") as f:
            f.write(f"edit {n}\n")
        run(path, e, "git", "commit", "-q", "-a", "-m", f"background {n}")


def harm(path, e):
    """The background commits that changed anything but README.md, and the most
    paths one of them changed."""
    log = run(path, e, "git", "log", "--all", "--format=%H %s").stdout.split("\n")
    worst, harmful = 0, 0
    for line in log:
        if " background " not in f" {line}":
            continue
        commit = line.split()[0]
        names = run(path, e, "git", "diff-tree", "--no-commit-id", "--name-only", "-r", commit).stdout.split()
        others = [n for n in names if n != "README.md"]
        if others:
            harmful += 1
            worst = max(worst, len(others))
    return harmful, worst


def one_run(side, rounds):
    with tempfile.TemporaryDirectory() as tmp:
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        path = os.path.join(tmp, "work")
        os.makedirs(path)
        e = env(home)
        fixture(path, e)
        if side == "checkout":
            run(path, e, BIN, "migrate", "-q")
            run(path, e, "git", "branch", "new")
            run(path, e, "git", "reset", "-q", "--hard", "HEAD~1")
            steps = [("git", "checkout", "-q", "new"), ("git", "checkout", "-q", "main")]
        else:
            steps = [(BIN, "migrate", "-q"), (BIN, "rollback", "-q")]
        stop = threading.Event()
        loop = threading.Thread(target=background, args=(path, e, stop))
        loop.start()
        landed = 0
        for _ in range(rounds):
            for step in steps:
                for _ in range(50):
                    r = run(path, e, *step)
                    landed += r.returncode == 0
                    if r.returncode == 0 or "index.lock" not in r.stderr + r.stdout:
                        break
        stop.set()
        loop.join()
        background_commits = run(path, e, "git", "log", "--all", "--oneline", "--grep=^background").stdout.count("\n")
        return harm(path, e) + (landed, background_commits)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "--manifest-path", os.path.join(ROOT, "Cargo.toml")], check=True)
    for side in ("git-workflow migrate + rollback", "checkout"):
        results = [one_run("checkout" if side == "checkout" else "ours", rounds) for _ in range(runs)]
        hit = sum(1 for h, *_ in results if h)
        worst = max(w for _, w, *_ in results)
        commits = sum(h for h, *_ in results)
        landed = sum(r[2] for r in results)
        background_commits = sum(r[3] for r in results)
        name = "git checkout between the two layouts" if side == "checkout" else side
        print(f"| {name}, {rounds} rounds beside a `git commit -a` loop | {landed} | {background_commits} | {hit} of {runs} runs | {commits} | {worst} |")


if __name__ == "__main__":
    main()
