"""The QTickets simulator as a separate process (so the loader's RSS and CPU are its own), driven over /_sim."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from measure import REPO, child_env


class SimProcess:
    def __init__(
        self,
        *,
        orders: int,
        now: str,
        token: str,
        seed: int = 42,
        activity_per_hour: float = 400.0,
        log_path: Path,
    ) -> None:
        self.orders = orders
        cmd = [
            sys.executable, "-m", "qtickets_sim", "--port", "0", "--seed", str(seed),
            "--orders", str(orders), f"--token={token}", "--clock", "manual", "--now", now,
            "--activity-per-hour", str(activity_per_hour),
        ]  # fmt: skip
        started = time.perf_counter()
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=child_env(), stdout=subprocess.PIPE, stderr=self._log)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("http"):
            self.stop()
            raise RuntimeError(f"the simulator did not start (see {log_path})")
        self.startup_s = time.perf_counter() - started
        self.base_url = line
        self.admin_url = line.split("/api/", 1)[0] + "/_sim"
        self._http = httpx.Client(timeout=120)

    def rss_mb(self) -> float:
        try:
            return psutil.Process(self.proc.pid).memory_info().rss / 2**20
        except psutil.Error:
            return 0.0

    def cpu_s(self) -> float:
        try:
            times = psutil.Process(self.proc.pid).cpu_times()
        except psutil.Error:
            return 0.0
        return times.user + times.system

    def stats(self) -> dict[str, Any]:
        """/_sim/stats plus the simulator process's CPU seconds so far (HTTP handling included)."""
        stats: dict[str, Any] = self._http.get(f"{self.admin_url}/stats").json()
        stats["cpu_s"] = self.cpu_s()
        return stats

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        response = self._http.post(f"{self.admin_url}/faults", json=faults)
        response.raise_for_status()
        return response.json()

    def advance(self, minutes: float) -> dict[str, Any]:
        response = self._http.post(f"{self.admin_url}/advance", json={"minutes": minutes})
        response.raise_for_status()
        return response.json()

    def now(self) -> str:
        return self._http.get(f"{self.admin_url}/now").json()["now"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if hasattr(self, "_http"):
            self._http.close()
        self._log.close()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stats_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """API requests per route and simulator-side seconds per route between two /_sim/stats snapshots."""
    requests: dict[str, int] = {}
    server_s: dict[str, float] = {}
    for route, count in after["requests"].items():
        if route.startswith("admin") or route == "<not api>":
            continue
        n = count - before["requests"].get(route, 0)
        if n:
            requests[route] = n
    for route, t in after["server_ms"].items():
        b = before["server_ms"].get(route, {"count": 0, "mean": 0.0})
        total = t["count"] * t["mean"] - b["count"] * b["mean"]  # ms; means are rounded to the µs
        if t["count"] - b["count"]:
            server_s[route] = round(total / 1000, 3)
    bytes_out = {
        route: n - before.get("bytes_out", {}).get(route, 0)
        for route, n in after.get("bytes_out", {}).items()
        if n - before.get("bytes_out", {}).get(route, 0)
    }
    return {
        "sim_cpu_s": round(after.get("cpu_s", 0.0) - before.get("cpu_s", 0.0), 2),
        "bytes_out": bytes_out,
        "requests": requests,
        "api_requests": sum(requests.values()),
        "server_s": server_s,
        "server_s_total": round(sum(server_s.values()), 3),
    }
