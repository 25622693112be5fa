"""The process tree from /proc (Linux): what runs below a pid, and what still runs.

Processes come and go while we look; one that vanishes mid-read is simply not there.
"""

from __future__ import annotations

from pathlib import Path

HAS_PROC = Path("/proc/self/stat").exists()


def live_parents() -> dict[int, int]:
    """pid -> parent pid of every process that is not a zombie."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    return parents


def children(pids: set[int], parents: dict[int, int] | None = None) -> set[int]:
    parents = live_parents() if parents is None else parents
    return {child for child, parent in parents.items() if parent in pids}


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (a fork server's workers are its grandchildren)."""
    parents = live_parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = children(frontier, parents) - found
        found |= frontier
    return found


def still_running(pids: set[int]) -> set[int]:
    return pids & live_parents().keys()


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
