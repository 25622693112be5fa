"""Set-up of a page worker process: bulk-work garbage collection, and no life after the loader's.

Workers come from a fork server and hold its pipes, so neither they nor the server notice on their
own when the loader is killed (``kill -9``, an OOM kill): each watches the loader's pid and exits
with it, and the fork server follows once its last worker is gone.
"""

from __future__ import annotations

import os
import select
import threading
import time

from .gc_tuning import relax_cyclic_gc


def start_worker(loader_pid: int) -> None:
    relax_cyclic_gc()
    threading.Thread(target=_exit_with, args=(loader_pid,), name="loader-watch", daemon=True).start()


def _exit_with(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (not Linux, or an old kernel): poll instead
        while _alive(pid):
            time.sleep(0.5)
    else:
        select.select([handle], [], [])
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
