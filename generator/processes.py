"""Processes of this host, read from Linux's /proc: which are alive, and
which descend from a given one. Used to take over the jobs of dead workers
(generator/services.py) and to stop what is left of a cluster
(generator/cluster.py)."""

import os
from pathlib import Path


def process_descendants(pid: int) -> list[int]:
    """Every live descendant of `pid`, parents before children (Linux /proc).

    Empty where /proc is missing (not Linux): a cluster's stop deadline
    then kills nothing, and the platform's own SIGKILL is the last word.
    """
    children: dict[int, list[int]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":  # a zombie is already dead, only waiting to be reaped
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        current = todo.pop(0)
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def process_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return state != "Z"
