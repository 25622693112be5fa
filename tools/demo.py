"""``make demo``: the whole product on one machine, no QTickets account and no ClickHouse server.

Starts the QTickets simulator, writes an env file for it, runs the README's smoke command (dry run)
and then the real run on the embedded ClickHouse, moves the simulator's clock 15 minutes and runs
again (the incremental case), and prints the README's verification queries with their results. Run in a
terminal, it then serves the dashboard on that data (``serve``, which also runs the loader every 15 minutes
against the simulator) until Ctrl-C; with no terminal (CI, a pipe) it exits after the checks.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from direct_sim import DirectConfig, DirectSimulator
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from qtickets_sim.dates import MOSCOW
from vk_ads_sim import VkConfig, VkSimulator

DEMO_DIR = Path("var/demo")
DEFAULT_PORT = 8080
README_CHECKS = [
    "SELECT count(), max(sale_ts) FROM zakaz.fact_qtickets_sales_daily;",
    "SELECT city, sum(tickets_left) FROM zakaz.fact_qtickets_inventory_latest GROUP BY city ORDER BY city;",
    "SELECT * FROM zakaz.meta_job_runs WHERE job = 'qtickets_api' ORDER BY started_at DESC LIMIT 5;",
]
RUNBOOK_CHECKS = [
    "SELECT count(), min(order_ts), max(order_ts) FROM zakaz.stg_qtickets_api_orders_raw;",
    "SELECT min(sales_date), max(sales_date), sum(tickets_sold), sum(revenue) FROM zakaz.fact_qtickets_sales_daily;",
]


def write_envfile(path: Path, base_url: str, token: str, data_dir: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# written by `make demo`: points at the local QTickets simulator\n"
        f"QTICKETS_API_BASE_URL={base_url}\n"
        f"QTICKETS_API_TOKEN={token}\n"
        f"CLICKHOUSE_DATA_DIR={data_dir}\n"
        "CLICKHOUSE_DB=zakaz\nTZ=Europe/Moscow\nORG_NAME=demo-promoter\n"
        "QTICKETS_API_MAX_ATTEMPTS=3\n",
        encoding="utf-8",
    )
    path.chmod(0o600)


def main() -> int:
    console = Console()
    orders = int(os.environ.get("DEMO_ORDERS", "3000"))
    token = secrets.token_urlsafe(24)
    envfile = DEMO_DIR / ".env.qtickets_api"
    # the simulator's clock starts 16 minutes in the past, so that after it moves 15 minutes forward every
    # change it made is already in the past for the loader's window (which ends at the wall clock's now)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=16)
    sim = Simulator(
        SimulatorConfig(seed=42, orders=orders, token=token, now=start, clock="manual", activity_per_hour=200.0),
        faults=FaultConfig(),
    )
    # every demo is a new simulated account (a new token, a new history): the previous demo's data would mix two
    # accounts and inflate every total, so it goes first
    if (DEMO_DIR / "clickhouse").exists():
        console.print(f"[dim]removing the previous demo's data in {DEMO_DIR / 'clickhouse'}[/dim]")
        shutil.rmtree(DEMO_DIR / "clickhouse")
    with sim.serve(host="127.0.0.1", port=0) as server:
        write_envfile(envfile, server.base_url, token, DEMO_DIR / "clickhouse")
        console.rule(f"QTickets simulator at {server.base_url} ({orders} orders, seed 42)")
        py = [sys.executable, "-m"]
        loader = [*py, "integrations.qtickets_api.loader", "--envfile", str(envfile)]
        steps = [
            (
                "Smoke run from the README (dry run: writes nothing)",
                [*loader, "--since-hours", "24", "--dry-run", "--verbose"],
            ),
            ("First load: the whole history (backfill)", [*loader, "--since", "2021-01-01"]),
        ]
        for title, cmd in steps:
            if _run(console, title, cmd):
                return 1
        summary = sim.advance(timedelta(minutes=15))
        console.print(
            f"[dim]simulator clock moved 15 minutes: {summary['new_orders']} new orders, {summary['payments']} "
            f"payments, {summary['cancellations']} cancellations, {summary['refunds']} refunds[/dim]"
        )
        if _run(console, "Incremental run (every 15 minutes in production)", [*loader, "--since-hours", "24"]):
            return 1
        if _ads(console, sim, envfile, py):
            return 1
        console.rule("README checks")
        for sql in README_CHECKS + RUNBOOK_CHECKS:
            if _run(console, sql, [*py, "integrations.qtickets_api.sql", "--envfile", str(envfile), "-q", sql]):
                return 1
        console.print(
            f"\nData stays in {DEMO_DIR / 'clickhouse'}; query it with:\n"
            f'  python -m integrations.qtickets_api.sql --envfile {envfile} -q "SELECT ..."'
        )
        if sys.stdin.isatty() and os.environ.get("DEMO_SERVE", "1") != "0":
            return _serve(console, py, envfile)
    return 0


def demo_port(asked: str | None) -> tuple[int | None, str]:
    """The port for the dashboard and a line about it: ``DEMO_PORT`` if given (None when it is busy or bad), else
    8080, or a free port when 8080 is taken."""
    if asked is not None:
        if not asked.isdigit() or not 0 < int(asked) < 65536:
            return None, f"DEMO_PORT={asked!r} is not a port number: give one from 1 to 65535, e.g. DEMO_PORT=8090"
        if not _free(int(asked)):
            return None, f"port {asked} (DEMO_PORT) is in use: stop what holds it or give another, e.g. DEMO_PORT=8090"
        return int(asked), ""
    if _free(DEFAULT_PORT):
        return DEFAULT_PORT, ""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    return port, f"port {DEFAULT_PORT} is in use, so the dashboard takes {port} (DEMO_PORT=N picks one)"


def _free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


AD_CHECK = (
    "SELECT channel, city, sum(spend) AS spent, sum(revenue) AS sold, round((toFloat64(sold) - toFloat64(spent)) / "
    "toFloat64(spent), 2) AS romi FROM zakaz.bi_romi GROUP BY channel, city HAVING spent > 0 ORDER BY channel, city;"
)


def _ads(console: Console, sim: Simulator, envfile: Path, py: list[str]) -> int:
    """The ad simulators serve the campaigns whose ids the account's orders carry; both loaders read 90 days."""
    today = sim.now().astimezone(MOSCOW).date()
    direct_token, vk_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    direct = DirectSimulator(DirectConfig(direct_token, sim.ad_campaigns("yandex"), today, online_rows=1_000_000))
    vk = VkSimulator(VkConfig("demo-client", vk_secret, sim.ad_campaigns("vk"), today))
    with direct.serve() as direct_server, vk.serve() as vk_server, envfile.open("a", encoding="utf-8") as env:
        env.write(
            f"YANDEX_DIRECT_TOKEN={direct_token}\nYANDEX_DIRECT_API_URL={direct_server.url}/json/v5/reports\n"
            f"VK_ADS_CLIENT_ID=demo-client\nVK_ADS_CLIENT_SECRET={vk_secret}\nVK_ADS_API_URL={vk_server.url}\n"
        )
        env.close()
        for module in ("integrations.yandex_direct.loader", "integrations.vk_ads.loader"):
            title = f"Ad spend: {module.split('.')[1]} (docs/ads.md), the last 90 days"
            if _run(console, title, [*py, module, "--envfile", str(envfile), "--days", "90"]):
                return 1
    sql = [*py, "integrations.qtickets_api.sql", "--envfile", str(envfile), "-q", AD_CHECK]
    return _run(console, "What the advertising bought (bi_romi)", sql)


def _serve(console: Console, py: list[str], envfile: Path) -> int:
    chosen, note = demo_port(os.environ.get("DEMO_PORT"))
    if chosen is None:
        console.print(f"[red]error: {note}[/red]")
        return 2
    if note:
        console.print(note)
    port = str(chosen)
    console.rule(f"The dashboard: http://127.0.0.1:{port}  (Ctrl-C stops it and the simulator)")
    cmd = [*py, "integrations.qtickets_api.serve", "--envfile", str(envfile), "--port", port]
    console.print(f"[dim]$ python {' '.join(shlex.quote(c) for c in cmd[1:])}[/dim]")
    server = subprocess.Popen(cmd)  # noqa: S603 - our own interpreter and module
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()  # SIGTERM: the service records any run in flight and exits within 10 s
        server.wait(timeout=15)
        return 0


def _run(console: Console, title: str, cmd: list[str]) -> int:
    console.rule(title)
    console.print(f"[dim]$ python {' '.join(shlex.quote(c) for c in cmd[1:])}[/dim]")
    code = subprocess.call(cmd)  # noqa: S603 - our own interpreter and module
    if code:
        console.print(f"[red]failed with exit code {code}[/red]")
    return code


if __name__ == "__main__":
    sys.exit(main())
