#!/usr/bin/env python3
"""What a user would otherwise do by hand, with plain tools and no git: the same file
moves (MOVES: tab-separated from/to) and the same new files (TAR), in the current
folder. Usage: bench_plain.py MOVES TAR"""
import os
import sys
import tarfile

def main():
    moves, tar = sys.argv[1], sys.argv[2]
    with open(moves) as listing:
        for line in listing:
            src, dst = line.rstrip("\n").split("\t")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.rename(src, dst)
    with tarfile.open(tar) as archive:
        for member in archive:
            data = archive.extractfile(member).read()
            with open(member.name, "wb") as out:
                out.write(data)

if __name__ == "__main__":
    main()
