#!/usr/bin/env python3
"""Builds a benchmark repository with git fast-import: FILES ordinary tracked files
spread over folders, plus SESSIONS flat task sessions (with task definitions for most
of them) spread over version folders. Usage: bench_fixture.py DIR FILES SESSIONS"""
import subprocess
import sys

def main():
    target, files, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    subprocess.run(["git", "init", "-q", "-b", "main", target], check=True)
    proc = subprocess.Popen(["git", "-C", target, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    out = proc.stdin
    def emit(text):
        out.write(text.encode())
    def blob_file(path, data):
        raw = data.encode()
        emit(f"M 100644 inline {path}\ndata {len(raw)}\n")
        out.write(raw)
        emit("\n")
    emit("commit refs/heads/main\nauthor Bench <bench@example.com> 1765800000 +0000\n"
         "committer Bench <bench@example.com> 1765800000 +0000\n")
    msg = b"fixture\n"
    emit(f"data {len(msg)}\n")
    out.write(msg)
    for i in range(files):
        blob_file(f"src/m{i // 1000:03d}/d{(i // 100) % 10}/f{i:06d}.txt", f"file {i}\n")
    versions = max(1, sessions // 1000)
    for i in range(sessions):
        v = f"v{(i % versions) + 1:03d}"
        tid = f"task_{i:05d}"
        if i % 10 != 0:
            blob_file(f".workflow/versions/{v}/tasks/{tid}.yml",
                      f"# task {i}\nid: {tid}\ntitle: Task number {i}\nstatus: completed\n")
        blob_file(f".workflow/versions/{v}/task_sessions/{tid}.yml",
                  f"session_id: tasksession_{tid}_20251216\nworkflow_version: {v}\ntask_id: {tid}\n"
                  f"task_type: create\nagent: backend\nstatus: completed\noperations:\n"
                  f"  - type: create\n    target_type: file\n    target_id: f{i}.ts\n"
                  f"    target_path: app/f{i}.ts\n    summary: Created module {i}\n"
                  f"    timestamp: '2025-12-16T11:00:00'\n")
    emit("\n")
    out.close()
    if proc.wait() != 0:
        sys.exit("fast-import failed")
    subprocess.run(["git", "-C", target, "reset", "-q", "--hard", "main"], check=True)

if __name__ == "__main__":
    main()
