"""Whether the process that writes a run is still there, so a dead one's runs show as such.

A process killed with SIGKILL cannot say that its run ended. Each writer therefore stamps its
live runs with a heartbeat every second; a run left `queued` or `running` is taken as
interrupted when its process is gone from this host, or when its heartbeat is older than
`STALE_SECONDS` (another host's process, or a process id reused since). Heartbeats are stamped
and measured by the database's clock (`trainers.store.clock`), so hosts need not agree on the
time.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

STALE_SECONDS = 10.0
HOST = socket.gethostname()


def process_alive(pid: int | None) -> bool:
    """Whether a process with this id runs on this host (a zombie, killed but not yet reaped
    by its parent, counts as gone)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    stat = Path(f"/proc/{pid}/stat")
    try:
        # The state follows the command name in parentheses: "123 (python) Z ...".
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (not Linux): the signal said it is there


def is_gone(pid: int | None, host: str | None, heartbeat: float | None, now: float) -> bool:
    """Whether the process that wrote a live run has ended, as far as the store can tell."""
    if host == HOST and not process_alive(pid):
        return True
    return heartbeat is None or now - heartbeat > STALE_SECONDS
