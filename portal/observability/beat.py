"""Beat's health: a scheduler that touches a heartbeat file on every tick, and a check that the file is fresh.

    celery -A portal beat --scheduler portal.observability.beat:HeartbeatScheduler
    python -m portal.observability.beat /tmp/beat-heartbeat 120   # exit 0 while touched in the last 120 s
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from celery.beat import PersistentScheduler

HEARTBEAT_FILE = os.environ.get("BEAT_HEARTBEAT_FILE", "/tmp/beat-heartbeat")


class HeartbeatScheduler(PersistentScheduler):
    """The default scheduler (schedule kept in a file), plus the heartbeat. A tick is at most beat's
    max_interval (5 minutes by default; less when a task is due sooner: the sweep runs every minute)."""

    heartbeat = Path(HEARTBEAT_FILE)

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        try:
            self.heartbeat.touch()
        except OSError:  # a read-only /tmp must not stop the schedule; the health check will say so
            pass
        return interval


def is_fresh(path: Path, max_age: float, now: float | None = None) -> bool:
    try:
        modified = path.stat().st_mtime
    except FileNotFoundError:
        return False
    return (now if now is not None else time.time()) - modified <= max_age


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m portal.observability.beat HEARTBEAT_FILE MAX_AGE_SECONDS", file=sys.stderr)
        return 2
    path, max_age = Path(argv[0]), float(argv[1])
    if is_fresh(path, max_age):
        return 0
    print(f"beat heartbeat {path} is missing or older than {max_age:g} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
