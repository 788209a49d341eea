#!/usr/bin/env python3
"""What a user would otherwise do by hand, with plain tools and no git, in the
current folder. `apply MOVES TAR`: the migration's file moves (MOVES: tab-separated
from/to) and new files (TAR). `undo MOVES NEW`: its rollback, the moves reversed,
the new files (NEW: one path a line) removed and the folders they leave empty with
them. Usage: bench_plain.py apply MOVES TAR | undo MOVES NEW"""
import os
import sys
import tarfile


def moves(listing):
    with open(listing) as f:
        for line in f:
            yield line.rstrip("\n").split("\t")


def apply(listing, tar):
    for src, dst in moves(listing):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.rename(src, dst)
    with tarfile.open(tar) as archive:
        for member in archive:
            data = archive.extractfile(member).read()
            with open(member.name, "wb") as out:
                out.write(data)


def undo(listing, new):
    emptied = set()
    with open(new) as f:
        for line in f:
            path = line.rstrip("\n")
            os.remove(path)
            emptied.add(os.path.dirname(path))
    for src, dst in moves(listing):
        os.rename(dst, src)
        emptied.add(os.path.dirname(dst))
    for folder in sorted(emptied, key=len, reverse=True):
        try:
            os.removedirs(folder)
        except OSError:
            pass


if __name__ == "__main__":
    {"apply": apply, "undo": undo}[sys.argv[1]](*sys.argv[2:])
