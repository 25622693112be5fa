"""Measuring one child process: wall time from spawn to exit, peak RSS, CPU time; and the machine it ran on."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent


@dataclass
class ProcResult:
    cmd: list[str]
    returncode: int
    wall_s: float
    peak_rss_mb: float
    user_s: float
    sys_s: float
    children_cpu_s: float  # CPU of processes below it that it did not wait for (the encoding workers)
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cmd": " ".join(self.cmd),
            "returncode": self.returncode,
            "wall_s": round(self.wall_s, 3),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "cpu_user_s": round(self.user_s, 2),
            "cpu_sys_s": round(self.sys_s, 2),
            "cpu_children_s": round(self.children_cpu_s, 2),
        }

    def check(self) -> ProcResult:
        if self.returncode != 0:
            tail = "\n".join(self.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"{' '.join(self.cmd)} exited {self.returncode}:\n{tail}")
        return self


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("CLICKHOUSE_HOST", None)  # the bench always uses the embedded engine
    env.update(extra)
    return env


def run_measured(
    cmd: list[str], *, workdir: Path, env: dict[str, str] | None = None, poll_s: float = 0.02, cwd: Path = REPO
) -> ProcResult:
    """Run ``cmd`` to completion; RSS of the process and its children polled every ``poll_s``.

    The peak is the larger of the polled maximum and the kernel's own ``ru_maxrss`` of the child (from
    ``wait4``), so a spike between two polls is not missed.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env or child_env(), stdout=out, stderr=err)
        ps = psutil.Process(proc.pid)
        peak = 0
        children_cpu: dict[int, float] = {}
        status = None
        usage = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            try:
                rss = ps.memory_info().rss
                for child in ps.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        rss += child.memory_info().rss
                        times = child.cpu_times()
                        children_cpu[child.pid] = times.user + times.system
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(poll_s)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    assert usage is not None
    peak = max(peak, usage.ru_maxrss * 1024)  # Linux: ru_maxrss in KiB
    return ProcResult(
        cmd=[Path(cmd[0]).name, *cmd[1:]],
        returncode=proc.returncode,
        wall_s=wall,
        peak_rss_mb=peak / 2**20,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        children_cpu_s=sum(children_cpu.values()),
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = match.group(1).strip() if match else ""
    except OSError:
        pass
    packages = {}
    for name in ("chdb-core", "clickhouse-connect", "httpx", "msgspec", "dlt", "duckdb", "pyarrow",
                 "pyinstrument", "psutil"):  # fmt: skip
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "python_loop_s": python_loop_s(),
        "packages": packages,
    }


def python_loop_s() -> float:
    """Seconds for a fixed pure-Python loop (10 million additions), best of three: how fast this machine runs
    Python today. The "same" cloud machine differs from one day to the next; compare runs through this."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best, 3)
