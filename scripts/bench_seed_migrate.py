#!/usr/bin/env python3
"""The migration as the seed's guide describes its script (migrate_task_sessions.py),
for the benchmark to compare against: in the current folder, every flat
.workflow/versions/*/task_sessions/<id>.yml becomes <id>/session.yml, a task.yml
snapshot (the task definition with snapshot metadata, or a minimal one from the
session) and an operations.log, read and written with PyYAML as the seed's code
does. Usage: bench_seed_migrate.py"""
import datetime
import glob
import os

import yaml


def migrate(flat):
    folder = flat[: -len(".yml")]
    task_id = os.path.basename(folder)
    version_dir = os.path.dirname(os.path.dirname(flat))
    with open(flat) as f:
        session = yaml.safe_load(f) or {}
    os.makedirs(folder)
    with open(os.path.join(folder, "session.yml"), "w") as f:
        yaml.safe_dump(session, f, sort_keys=False)
    os.remove(flat)
    now = datetime.datetime(2025, 12, 16, 12, 0, 0).isoformat()
    source = os.path.join(version_dir, "tasks", f"{task_id}.yml")
    if os.path.exists(source):
        with open(source) as f:
            task = yaml.safe_load(f) or {}
        task.update({"snapshotted_at": now, "source_path": source,
                     "status_at_snapshot": task.get("status", "unknown"),
                     "migration_note": "Created during migration from flat file structure"})
    else:
        task = {"id": task_id, "status": session.get("status", "unknown"),
                "snapshotted_at": now,
                "migration_note": "Created during migration from flat file structure"}
    with open(os.path.join(folder, "task.yml"), "w") as f:
        yaml.safe_dump(task, f, sort_keys=False)
    lines = [f"# Operations Log for {task_id}", f"# Migrated: {now}",
             "# Format: [timestamp] OPERATION target_type: target_id (path)", "=" * 70,
             f"[{now}] MIGRATION: Converted from flat file structure"]
    operations = session.get("operations") or []
    if operations:
        lines.append("# Historical operations from session data:")
    for op in operations:
        lines.append(f"[{op.get('timestamp', '')}] {str(op.get('type', '')).upper()} "
                     f"{op.get('target_type', '')}: {op.get('target_id', '')} "
                     f"({op.get('target_path', '')})")
        if op.get("summary"):
            lines.append(f"  Summary: {op['summary']}")
    with open(os.path.join(folder, "operations.log"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    flats = sorted(glob.glob(".workflow/versions/*/task_sessions/*.yml"))
    for flat in flats:
        migrate(flat)
    print(f"Total files processed: {len(flats)}")


if __name__ == "__main__":
    main()
