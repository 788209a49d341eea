#!/usr/bin/env python3
"""Builds one hostile push of SPEC 7's acceptance battery on `main` of the client
repository REPO (whose `main` is already pushed), with `git fast-import`:

  fanout   100 KB of YAML: three levels of alias fan-out
  nesting  400 KB of YAML: flow sequences nested 200,000 deep
  depth    a .json 100,000 folders deep under .workflow/
  blob     a 1 GiB one-line .workflow/big.json
  flips    ten commits flipping .workflow/ between two trees of 1,000,000
           entries that all share one blob
  empty    1,000,000 commits touching nothing
  keys     a 7 MB task graph (graphs/g.yaml, in workflow.graphs) of 500,000 keys

Usage: bench_hostile.py REPO SHAPE
"""
import subprocess
import sys

COMMITTER = b"committer Bench <bench@example.com> 1765800000 +0000\n"


def commit(out, message, lines, first=False):
    out.write(b"commit refs/heads/main\n" + COMMITTER)
    out.write(b"data %d\n%s\n" % (len(message), message))
    if first:
        out.write(b"from refs/heads/main^0\n")
    for line in lines:
        out.write(line)


def inline(out, path, data):
    out.write(b"M 100644 inline %s\ndata %d\n" % (path, len(data)))
    out.write(data)
    out.write(b"\n")


def run(repo, feed):
    proc = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    feed(proc.stdin)
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("fast-import failed")


def fanout(out):
    n = 12_000
    text = "a: &a [%s]\nb: &b [%s]\nc: [%s]\n" % (
        ", ".join(["x"] * 100), ", ".join(["*a"] * n), ", ".join(["*b"] * n))
    commit(out, b"fan-out", [], first=True)
    inline(out, b".workflow/fan.yml", text.encode())


def nesting(out):
    commit(out, b"nesting", [], first=True)
    inline(out, b".workflow/nested.yml", b"a: " + b"[" * 200_000 + b"]" * 200_000 + b"\n")


def blob(out):
    commit(out, b"a 1 GiB state file", [], first=True)
    size = 1 << 30
    out.write(b"M 100644 inline .workflow/big.json\ndata %d\n" % size)
    chunk = b"7" * (1 << 24)
    for _ in range(size // len(chunk)):
        out.write(chunk)
    out.write(b"\n")


def flips(out):
    out.write(b"blob\nmark :1\ndata 3\n{}\n\n")
    for n in range(10):
        side = b"a" if n % 2 == 0 else b"b"
        commit(out, b"flip %d" % n, [], first=(n == 0))
        out.write(b"D .workflow\n")
        for d in range(1000):
            for f in range(1000):
                out.write(b"M 100644 :1 .workflow/%s%03d/f%03d.json\n" % (side, d, f))


def keys(out):
    commit(out, b"a wide graph", [], first=True)
    body = b"".join(b"k%07d: 1\n" % n for n in range(500_000))
    inline(out, b"graphs/g.yaml", b"name: wide\ntasks: [{id: t}]\nextra:\n" +
           body.replace(b"\nk", b"\n  k").replace(b"k0000000", b"  k0000000", 1))


def empty(out):
    for n in range(1_000_000):
        commit(out, b"empty %d" % n, [], first=(n == 0))


def depth(repo):
    """Trees written as loose objects: fast-import recurses per folder."""
    import hashlib
    import os
    import zlib

    def put(kind, body):
        data = b"%s %d\0" % (kind, len(body)) + body
        sha = hashlib.sha1(data).hexdigest()
        folder = os.path.join(repo, ".git", "objects", sha[:2])
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, sha[2:])
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(zlib.compress(data, 1))
        return sha

    sha = put(b"blob", b"{}\n")
    entry = b"100644 x.json\0" + bytes.fromhex(sha)
    for _ in range(100_000):
        sha = put(b"tree", entry)
        entry = b"40000 d\0" + bytes.fromhex(sha)
    root = subprocess.run(["git", "-C", repo, "ls-tree", "main"], capture_output=True,
                          check=True).stdout
    listing = root + b"040000 tree %s\t.workflow\n" % put(b"tree", entry).encode()
    tree = subprocess.run(["git", "-C", repo, "mktree"], input=listing, capture_output=True,
                          check=True).stdout.strip()
    head = subprocess.run(["git", "-C", repo, "rev-parse", "main"], capture_output=True,
                          check=True).stdout.strip()
    new = subprocess.run(["git", "-C", repo, "commit-tree", tree, "-p", head, "-m", "deep"],
                         capture_output=True, check=True).stdout.strip()
    subprocess.run(["git", "-C", repo, "update-ref", "refs/heads/main", new], check=True)


def main():
    repo, shape = sys.argv[1], sys.argv[2]
    if shape == "depth":
        depth(repo)
        return
    run(repo, {"fanout": fanout, "nesting": nesting, "blob": blob, "flips": flips,
               "empty": empty, "keys": keys}[shape])


if __name__ == "__main__":
    main()
