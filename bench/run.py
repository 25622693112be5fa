"""``make bench``: the loader against the real account's size, beside dlt's rest_api source, on this machine.

    python bench/run.py [--quick] [--orders 126000] [--small-orders 10000] [--repeat 3] [--no-peer] [--no-latency]

Starts the QTickets simulator as a separate process (manual clock, fixed ``--now``), runs the loader's command
line as a subprocess per scenario into a fresh embedded data directory, and prints one table of figures with
the target beside each; the same figures, the machine and the package versions go to
``bench/results/bench-<UTC stamp>.json`` and ``bench/results/latest.json``; the profile's text report to
``bench/results/profile-<UTC stamp>.txt``. See bench/README.md for what each scenario measures.
"""

from __future__ import annotations

import ast
import json
import math
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from bench_cli import parse
from measure import REPO, child_env, machine_info, python_loop_s, run_measured
from rich.console import Console
from rich.table import Table
from simproc import SimProcess, stats_delta

RESULTS = REPO / "bench" / "results"
PY = sys.executable
LOADER = [PY, "-m", "integrations.qtickets_api.loader"]
BACKFILL_SINCE = "2021-01-01"  # the simulator's history starts 2021-05-01
PER_PAGE = 500
LATENCY_MS = 100.0
# The last commit with the worker processes (removed by issue 9): run beside the current tree for the before/after.
BASELINE_REF = "2cb1917"
VARIANTS = [PY, str(REPO / "bench" / "variants.py")]
INPROCESS_RUNS = 50
TIMINGS = re.compile(r"Timings \(s\): (\{.*\})")
JOB_SQL = (
    "SELECT status, api_requests, retries, rejected, toJSONString(rows) AS rows, "
    "(SELECT count() FROM zakaz.fact_qtickets_sales_daily) AS fact_rows, "
    "(SELECT sum(tickets_sold) FROM zakaz.fact_qtickets_sales_daily) AS tickets_sold "
    "FROM zakaz.meta_job_runs ORDER BY started_at DESC LIMIT 1"
)

# wide enough that the table is not wrapped when the output goes to a file or a CI log
console = Console(width=max(150, shutil.get_terminal_size().columns))


class Bench:
    def __init__(self, tmp: Path, token: str) -> None:
        self.tmp = tmp
        self.token = token
        self.count = 0

    def envfile(self, name: str, sim: SimProcess, data_dir: Path) -> Path:
        path = self.tmp / "env" / f"{name}.env"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "# written by bench/run.py\n"
            f"QTICKETS_API_BASE_URL={sim.base_url}\nQTICKETS_API_TOKEN={self.token}\n"
            f"CLICKHOUSE_DATA_DIR={data_dir}\nCLICKHOUSE_DB=zakaz\nTZ=Europe/Moscow\nORG_NAME=bench\n",
            encoding="utf-8",
        )
        path.chmod(0o600)
        return path

    def loader(
        self,
        name: str,
        sim: SimProcess,
        flags: list[str],
        data_dir: Path | None = None,
        *,
        command: list[str] = LOADER,
        tree: Path = REPO,
    ) -> dict[str, Any]:
        """One loader process, measured; its meta_job_runs row and the simulator's side of it.

        ``command`` is the loader or ``variants.py --without …``; ``tree`` the source tree it runs from."""
        self.count += 1
        data_dir = data_dir or self.tmp / f"{self.count:02d}-{name}" / "clickhouse"
        env = self.envfile(name, sim, data_dir)
        cmd = [*command, "--envfile", str(env), "-v", *flags]
        console.log(f"{name}: {' '.join(Path(c).name for c in command[1:])} {' '.join(flags)}")
        before = sim.stats()
        work = self.tmp / f"{self.count:02d}-{name}" / "proc"
        environ = child_env() if tree == REPO else {**child_env(), "PYTHONPATH": str(tree)}
        proc = run_measured(cmd, workdir=work, env=environ, cwd=tree).check()
        server = stats_delta(before, sim.stats())
        match = TIMINGS.search(proc.stderr)
        timings = ast.literal_eval(match.group(1)) if match else {}
        job = self.job_row(env)
        fetched = int(job["rows"].get("orders_fetched", 0))
        out = {
            **proc.as_dict(),
            "data_dir": str(data_dir),
            "timings_s": timings,
            "job": job,
            "sim": server,
            "orders_fetched": fetched,
            "orders_per_s": round(fetched / proc.wall_s, 1) if proc.wall_s else None,
        }
        console.log(
            f"  wall {proc.wall_s:.2f} s, peak RSS {proc.peak_rss_mb:.0f} MB, {job['api_requests']} requests, "
            f"{fetched} orders"
        )
        return out

    def job_row(self, env: Path) -> dict[str, Any]:
        cmd = [PY, "-m", "integrations.qtickets_api.sql", "--envfile", str(env), "--format", "tsv", "-q", JOB_SQL]
        proc = run_measured(cmd, workdir=self.tmp / "sql").check()
        header, row = proc.stdout.strip().splitlines()[:2]
        values = dict(zip(header.split("\t"), row.split("\t"), strict=True))
        return {
            "status": values["status"],
            "api_requests": int(values["api_requests"]),
            "retries": int(values["retries"]),
            "rejected": int(values["rejected"]),
            "rows": json.loads(values["rows"]),
            "fact_rows": int(values["fact_rows"]),
            "tickets_sold": int(values["tickets_sold"] or 0),
        }

    def peer(self, name: str, sim: SimProcess, file_format: str | None) -> dict[str, Any]:
        self.count += 1
        work = self.tmp / f"{self.count:02d}-{name}"
        # the token goes by environment, not argv: the command line is saved in the results
        cmd = [PY, str(REPO / "bench" / "peer_dlt.py"), "--base-url", sim.base_url,
               "--workdir", str(work / "dlt"), "--per-page", str(PER_PAGE)]  # fmt: skip
        if file_format:
            cmd += ["--file-format", file_format]
        console.log(f"{name}: dlt rest_api -> duckdb ({file_format or 'default file format'})")
        before = sim.stats()
        proc = run_measured(cmd, workdir=work / "proc", env=child_env(QTICKETS_API_TOKEN=self.token)).check()
        server = stats_delta(before, sim.stats())
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        orders = int(report["rows"].get("orders", 0))
        console.log(f"  wall {proc.wall_s:.2f} s, peak RSS {proc.peak_rss_mb:.0f} MB, {orders} orders")
        shutil.rmtree(work / "dlt", ignore_errors=True)  # the insert_values run leaves GBs behind
        return {
            **proc.as_dict(),
            "file_format": file_format or "insert_values (dlt's default for duckdb)",
            "rows": report["rows"],
            "phases_s": report["phases"],
            "sim": server,
            "orders_per_s": round(orders / proc.wall_s, 1),
        }

    def inprocess(self, sim: SimProcess, data_dir: Path, runs: int) -> dict[str, Any]:
        """``runs`` 15-minute runs in one process over the backfilled data (as the service makes them)."""
        self.count += 1
        work = self.tmp / f"{self.count:02d}-inprocess"
        env = self.envfile("inprocess", sim, data_dir)
        cmd = [PY, str(REPO / "bench" / "inprocess.py"), "--envfile", str(env), "--admin-url", sim.admin_url,
               "--runs", str(runs)]  # fmt: skip
        console.log(f"in-process: {runs} 15-minute runs in one process")
        proc = run_measured(cmd, workdir=work / "proc").check()
        out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        walls = sorted(out["walls_s"])
        out["median_s"] = walls[len(walls) // 2]
        out["p95_s"] = walls[min(len(walls) - 1, int(len(walls) * 0.95))]
        out["rss_growth_mb"] = round(out["after_last"]["rss_mb"] - out["after_first"]["rss_mb"], 1)
        console.log(
            f"  median {out['median_s']:.2f} s, RSS {out['after_first']['rss_mb']:.0f} -> "
            f"{out['after_last']['rss_mb']:.0f} MB, threads {out['after_first']['threads_os']} -> "
            f"{out['after_last']['threads_os']}, fds {out['after_first']['fds']} -> {out['after_last']['fds']}"
        )
        return out

    def profile(self, sim: SimProcess, report: Path) -> dict[str, Any]:
        self.count += 1
        work = self.tmp / f"{self.count:02d}-profile"
        env = self.envfile("profile", sim, work / "clickhouse")
        cmd = [PY, str(REPO / "bench" / "profile_run.py"), "--envfile", str(env), "--report", str(report),
               "--since", BACKFILL_SINCE, "--skip-inventory"]  # fmt: skip
        console.log("profile: one serial backfill in-process under pyinstrument")
        before = sim.stats()
        proc = run_measured(cmd, workdir=work / "proc").check()
        server = stats_delta(before, sim.stats())
        out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        cats = out["categories_s"]
        net = "network (HTTP client + wait)"
        sim_s = server["server_s"].get("GET /orders", 0.0)
        split = {
            "simulator (query + JSON, in its process)": sim_s,
            "network + HTTP (client, loopback, server I/O)": round(max(0.0, cats.get(net, 0.0) - sim_s), 3),
        }
        split.update({k: v for k, v in cats.items() if k != net})
        out["split_s"] = dict(sorted(split.items(), key=lambda kv: -kv[1]))
        out["sim"] = server
        out["report"] = str(report.relative_to(REPO))
        out["peak_rss_mb"] = round(proc.peak_rss_mb, 1)
        return out


def baseline_tree(tmp: Path) -> Path:
    """The source tree of ``BASELINE_REF``, for running the loader as it was before issue 9."""
    tree = tmp / "baseline"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BASELINE_REF], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def machinery(bench: Bench, sim: SimProcess, tmp: Path, *, latency: bool) -> dict[str, Any]:
    """The backfill with and without each piece, all in this run: the removed worker processes (on the baseline
    tree, at 0 and 100 ms per request) and each piece kept in the current tree (GC pause, write-behind, prefetch)."""
    flags = ["--since", BACKFILL_SINCE, "--skip-inventory"]
    tree = baseline_tree(tmp)
    out: dict[str, Any] = {"baseline_ref": BASELINE_REF, "baseline": {}, "current": {}}
    for delay in (0.0, LATENCY_MS) if latency else (0.0,):
        sim.set_faults(latency_ms=delay)
        tag = f"{delay:.0f}ms"
        out["baseline"][f"workers_auto_{tag}"] = bench.loader(f"baseline-workers-{tag}", sim, flags, tree=tree)
        out["baseline"][f"workers_0_{tag}"] = bench.loader(
            f"baseline-no-workers-{tag}", sim, [*flags, "--workers", "0"], tree=tree
        )
        out["current"][f"default_{tag}"] = bench.loader(f"current-{tag}", sim, flags)
        for piece in ("prefetch",):
            out["current"][f"without_{piece}_{tag}"] = bench.loader(
                f"without-{piece}-{tag}", sim, flags, command=[*VARIANTS, "--without", piece, "--"]
            )
    sim.set_faults(latency_ms=0)
    return out


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return ordered[(len(ordered) - 1) // 2]


def main() -> int:
    args = parse(
        "python bench/run.py",
        [
            click.Option(
                ["--quick"], is_flag=True, help="20k orders, one repeat, no latency run at c=1", show_default=True
            ),
            click.Option(
                ["--orders"], type=int, help="orders in the big account [126000; --quick 20000]", show_default=True
            ),
            click.Option(
                ["--small-orders"],
                type=int,
                default=10_000,
                help="orders in the small account (memory)",
                show_default=True,
            ),
            click.Option(
                ["--repeat"],
                type=int,
                help="runs of the backfill and the incremental [3; --quick 1]",
                show_default=True,
            ),
            click.Option(["--seed"], type=int, default=42, show_default=True),
            click.Option(
                ["--sim-now"],
                help="the simulator's --now [16 minutes before the bench starts, to the minute]",
                show_default=True,
            ),
            click.Option(
                ["--activity-per-hour"], type=float, default=400.0, help="simulated changes per hour", show_default=True
            ),
            click.Option(["--no-peer"], is_flag=True, help="skip the dlt runs", show_default=True),
            click.Option(["--no-latency"], is_flag=True, help="skip the 100 ms latency runs", show_default=True),
            click.Option(
                ["--no-machinery"],
                is_flag=True,
                help="skip the with/without runs of each speed piece",
                show_default=True,
            ),
            click.Option(["--keep"], is_flag=True, help="keep the temporary data directories", show_default=True),
        ],
        help=__doc__.split("\n\n")[0],
    )
    orders = args.orders or (20_000 if args.quick else 126_000)
    repeat = args.repeat or (1 if args.quick else 3)
    concurrencies = [2, 4] if args.quick else [1, 2, 4]
    started_at = datetime.now(UTC)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    # The loader's incremental window ends at the wall clock, so the simulated now sits just behind it: after the
    # clock moves 15 minutes (or a few times that) every change is still in the past for the loader.
    sim_now = (
        args.sim_now
        or (started_at - timedelta(minutes=16 * max(1, repeat + 1))).replace(second=0, microsecond=0).isoformat()
    )
    token = secrets.token_urlsafe(18)
    tmp = Path(tempfile.mkdtemp(prefix="zakaz-bench-"))
    bench = Bench(tmp, token)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "command": "make bench" if not sys.argv[1:] else "python bench/run.py " + " ".join(sys.argv[1:]),
        "machine": machine_info(),
        "config": {
            "orders": orders,
            "small_orders": args.small_orders,
            "repeat": repeat,
            "seed": args.seed,
            "sim_now": sim_now,
            "per_page": PER_PAGE,
            "latency_ms": LATENCY_MS,
            "concurrencies": concurrencies,
            "activity_per_hour": args.activity_per_hour,
            "quick": args.quick,
        },
    }
    wall_started = time.perf_counter()
    try:
        console.log(f"simulator: {orders} orders, seed {args.seed}, now {sim_now}; work dir {tmp}")
        with SimProcess(orders=orders, now=sim_now, token=token, seed=args.seed,
                        activity_per_hour=args.activity_per_hour, log_path=tmp / "sim-big.log") as sim:  # fmt: skip
            results["simulator"] = {"startup_s": round(sim.startup_s, 2), "rss_mb": round(sim.rss_mb(), 1)}

            # 1. Full backfill, no latency
            backfills = [
                bench.loader("backfill", sim, ["--since", BACKFILL_SINCE, "--skip-inventory"]) for _ in range(repeat)
            ]
            results["backfill"] = {"runs": backfills, "median": median_run(backfills)}
            base_dir = Path(backfills[-1]["data_dir"])
            base_wall = median_run(backfills)["wall_s"]
            # 6. What each piece of speed machinery is worth, and what the removed worker processes were worth
            if not args.no_machinery:
                results["machinery"] = machinery(bench, sim, tmp, latency=not args.no_latency)

            # the profile: where the time goes
            report = RESULTS / f"profile-{stamp}.txt"
            results["profile"] = bench.profile(sim, report)
            shutil.copyfile(report, RESULTS / "profile-latest.txt")

            # 5. The peer
            if not args.no_peer:
                peers = {
                    "dlt_default": bench.peer("dlt-default", sim, None),
                    "dlt_parquet": bench.peer("dlt-parquet", sim, "parquet"),
                }
                fastest = min(peers.values(), key=lambda p: p["wall_s"])
                results["peer"] = {
                    **peers,
                    "fastest": fastest["file_format"],
                    "ratio_vs_fastest": round(fastest["wall_s"] / base_wall, 2),
                    "ratio_vs_default": round(peers["dlt_default"]["wall_s"] / base_wall, 2),
                }

            # 2. With 100 ms per request
            if not args.no_latency:
                sim.set_faults(latency_ms=LATENCY_MS)
                runs = {}
                for c in concurrencies:
                    run = bench.loader(
                        f"latency-c{c}", sim, ["--since", BACKFILL_SINCE, "--skip-inventory", "--concurrency", str(c)]
                    )
                    pages = math.ceil(run["orders_fetched"] / PER_PAGE)
                    bound = pages * LATENCY_MS / 1000 / c
                    run["pages"] = pages
                    run["lower_bound_s"] = round(bound, 3)
                    run["ratio_wall"] = round(run["wall_s"] / bound, 3)
                    run["ratio_fetch_orders"] = round(run["timings_s"].get("fetch_orders", 0) / bound, 3)
                    runs[f"c{c}"] = run
                sim.set_faults(latency_ms=0)
                results["latency"] = runs

            # 3. The 15-minute incremental run, on top of the backfilled data
            incrementals = []
            for _ in range(repeat):
                changes = sim.advance(15)
                run = bench.loader("incremental", sim, ["--since-hours", "24"], data_dir=base_dir)
                run["changes_in_15_min"] = _changes(changes)
                incrementals.append(run)
            results["incremental"] = {"runs": incrementals, "median": median_run(incrementals)}
            # the same 15-minute run with the events read in full (the API ignoring the field list)
            sim.set_faults(ignore_select=True)
            changes = sim.advance(15)
            full = bench.loader("incremental-events-in-full", sim, ["--since-hours", "24"], data_dir=base_dir)
            full["changes_in_15_min"] = _changes(changes)
            sim.set_faults(ignore_select=False)
            results["events_forms"] = {"selected": median_run(incrementals), "full": full}
            if not args.no_machinery:  # seat maps 4 at a time pay where each read is a request's latency
                sim.set_faults(latency_ms=LATENCY_MS)
                results["machinery"]["incremental"] = {
                    name: bench.loader(
                        f"incremental-{name}-{LATENCY_MS:.0f}ms", sim, ["--since-hours", "24"], data_dir=base_dir,
                        command=command,
                    )
                    for name, command in (
                        ("default", LOADER),
                        ("seats_parallel", [*VARIANTS, "--without", "seats_parallel", "--"]),
                    )
                }  # fmt: skip
                sim.set_faults(latency_ms=0)
            # 7. Many runs in one process, as the service makes them
            results["inprocess"] = bench.inprocess(sim, base_dir, INPROCESS_RUNS)
            if not args.no_latency:
                sim.set_faults(latency_ms=LATENCY_MS)
                changes = sim.advance(15)
                run = bench.loader("incremental-latency", sim, ["--since-hours", "24"], data_dir=base_dir)
                run["changes_in_15_min"] = _changes(changes)
                results["incremental_latency"] = run
                sim.set_faults(latency_ms=0)

        # 4. Memory at the small size
        console.log(f"simulator: {args.small_orders} orders")
        with SimProcess(orders=args.small_orders, now=sim_now, token=token, seed=args.seed,
                        log_path=tmp / "sim-small.log") as small:  # fmt: skip
            smalls = [bench.loader("backfill-small", small, ["--since", BACKFILL_SINCE, "--skip-inventory"])]
        results["memory"] = {
            "small": {"orders": smalls[0]["orders_fetched"], "peak_rss_mb": smalls[0]["peak_rss_mb"]},
            "big": {
                "orders": results["backfill"]["median"]["orders_fetched"],
                "peak_rss_mb": max(r["peak_rss_mb"] for r in backfills),
            },
            "small_run": smalls[0],
        }
        results["memory"]["difference_mb"] = round(
            results["memory"]["big"]["peak_rss_mb"] - results["memory"]["small"]["peak_rss_mb"], 1
        )
    finally:
        results["bench_wall_s"] = round(time.perf_counter() - wall_started, 1)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            console.log(f"kept {tmp}")

    results["machine"]["python_loop_s_at_end"] = python_loop_s()
    results["targets"] = targets(results)
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results)
    console.print(f"Saved bench/results/bench-{stamp}.json (and latest.json), profile {results['profile']['report']}")
    return 0


def _changes(summary: dict[str, Any]) -> dict[str, Any]:
    changed = len(summary.get("new_order_ids", [])) + len(summary.get("changed_order_ids", []))
    keys = ("new_orders", "payments", "expiries", "cancellations", "refunds", "deleted_baskets")
    return {"orders_changed": changed, **{k: summary.get(k, 0) for k in keys}}


def _target(target: str, value: str, met: bool) -> dict[str, Any]:
    return {"target": target, "value": value, "met": met}


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    if "peer" in r:
        ratio = r["peer"]["ratio_vs_fastest"]
        out.append(
            _target("backfill >= 3x faster than dlt (its fastest configuration measured)", f"{ratio}x", ratio >= 3)
        )
    for c, run in r.get("latency", {}).items():
        ratio = run["ratio_wall"]
        out.append(
            _target(f"100 ms latency, {c}: wall <= 1.25 x pages x latency / concurrency", f"{ratio}x", ratio <= 1.25)
        )
    inc = r["incremental"]["median"]
    out.append(_target("incremental run <= 2 s wall (whole process)", f"{inc['wall_s']:.2f} s", inc["wall_s"] <= 2.0))
    orders_requests = inc["sim"]["requests"].get("GET /orders", 0)
    expected = inc["orders_fetched"] // PER_PAGE + 1  # keyset paging stops on a short (or empty) page
    value = f"{orders_requests} for {inc['orders_fetched']} orders in the window (expected {expected})"
    out.append(_target("incremental /orders requests = pages of changed orders", value, orders_requests <= expected))
    diff = r["memory"]["difference_mb"]
    out.append(_target("peak RSS flat: big minus small account <= 100 MB", f"{diff:+.0f} MB", diff <= 100))
    if "events_forms" in r:
        sel, full = (_events_bytes(r["events_forms"][k]) for k in ("selected", "full"))
        out.append(
            _target("events with select <= 1/10 of the full form", f"{sel:,} vs {full:,} bytes", sel * 10 <= full)
        )
    if "inprocess" in r:
        growth = r["inprocess"]["rss_growth_mb"]
        out.append(_target("50 runs in one process: RSS <= +30 MB", f"{growth:+.0f} MB", growth <= 30))
    return out


def _speedup(without: dict[str, Any], with_: dict[str, Any]) -> float:
    return round(without["wall_s"] / with_["wall_s"], 2)


def machinery_rows(m: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    base, cur = m["baseline"], m["current"]
    for tag in ("0ms", "100ms"):
        if f"workers_auto_{tag}" not in base:
            continue
        w, n = base[f"workers_auto_{tag}"], base[f"workers_0_{tag}"]
        value = (
            f"{w['wall_s']:.2f} s / {w['peak_rss_mb']:.0f} MB with, {n['wall_s']:.2f} s / {n['peak_rss_mb']:.0f} MB "
            f"without: {_speedup(n, w)}x; today's tree {cur[f'default_{tag}']['wall_s']:.2f} s"
        )
        rows.append((f"6. worker processes ({m['baseline_ref']}), {tag}", "backfill with / without", value,
                     f">= 1.5x to stay: {'kept' if _speedup(n, w) >= 1.5 else 'removed'}"))  # fmt: skip
    for key, run in cur.items():
        if not key.startswith("without_"):
            continue
        piece, tag = key[len("without_") :].rsplit("_", 1)
        default = cur[f"default_{tag}"]
        gain = round(run["wall_s"] / default["wall_s"] - 1, 3)
        value = f"{default['wall_s']:.2f} s with, {run['wall_s']:.2f} s without: {gain:+.0%}"
        rows.append((f"   {piece}, {tag}", "backfill with / without", value, ">= 10 % to stay"))
    inc = m.get("incremental", {})
    if "default" in inc:
        run, default = inc["seats_parallel"], inc["default"]
        gain = round(run["wall_s"] / default["wall_s"] - 1, 3)
        value = f"{default['wall_s']:.2f} s with, {run['wall_s']:.2f} s without: {gain:+.0%}"
        rows.append(
            (f"   seats_parallel, {LATENCY_MS:.0f}ms", "15-minute run with / without", value, ">= 10 % to stay")
        )
    return rows


def _events_bytes(run: dict[str, Any]) -> int:
    return int(run["sim"].get("bytes_out", {}).get("GET /events", 0))


def _walls(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{run['wall_s']:.2f}" for run in runs)


def _status(met: bool) -> str:
    return "[green]met[/green]" if met else "[red]MISSED[/red]"


def _phases(timings: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in timings.items() if v >= 0.05)


def print_table(r: dict[str, Any]) -> None:
    m = r["machine"]
    console.rule(
        f"zakaz bench: {m['nproc']} cores, {m['memory_gib']} GiB, {m['cpu_model']}, Python {m['python']}"
        f" (10M-step loop {m['python_loop_s']} s at the start, {m.get('python_loop_s_at_end', '?')} s at the end)"
    )
    t = Table("scenario", "figure", "value", "target")
    b = r["backfill"]["median"]
    rows = b["job"]["rows"]
    raw, baskets = rows.get("stg_qtickets_api_orders_raw", 0), rows.get("stg_qtickets_api_baskets", 0)
    cpu = b["cpu_user_s"] + b["cpu_sys_s"]
    t.add_row(
        f"1. backfill {b['orders_fetched']:,} orders",
        "wall: spawn → exit, facts queryable",
        f"{b['wall_s']:.2f} s (runs: {_walls(r['backfill']['runs'])})",
        "",
    )
    t.add_row("", "orders/s", f"{b['orders_per_s']:,.0f}", "")
    t.add_row("", "API requests (loader / simulator)", f"{b['job']['api_requests']} / {b['sim']['api_requests']}", "")
    t.add_row(
        "", "rows: order versions / baskets / fact rows", f"{raw:,} / {baskets:,} / {b['job']['fact_rows']:,}", ""
    )
    t.add_row("", "peak RSS / CPU", f"{b['peak_rss_mb']:.0f} MB / {cpu:.1f} s", "")
    t.add_row("", "simulator CPU during the run", f"{b['sim']['sim_cpu_s']:.1f} s", "")
    t.add_row("", "phases (the real, prefetched run)", _phases(b["timings_s"]), "")
    p = r["profile"]
    split = "\n".join(f"{k}: {v:.2f} s" for k, v in p["split_s"].items() if v >= 0.01)
    t.add_row("   profile (serial, one thread)", f"sum of the parts: {p['wall_s']:.1f} s", split, "")
    if "peer" in r:
        pr = r["peer"]
        for key in ("dlt_default", "dlt_parquet"):
            d = pr[key]
            ph = d["phases_s"]
            value = (
                f"{d['wall_s']:.2f} s / {d['peak_rss_mb']:.0f} MB / {d['sim']['api_requests']}\n"
                f"extract {ph['extract']:.1f}, normalize {ph['normalize']:.1f}, load {ph['load']:.1f} s"
            )
            t.add_row(f"5. dlt rest_api → duckdb, {d['file_format']}", "wall / peak RSS / API requests", value, "")
        ok = pr["ratio_vs_fastest"] >= 3
        value = f"{pr['ratio_vs_fastest']}x vs the fastest dlt, {pr['ratio_vs_default']}x vs dlt's defaults"
        t.add_row("", "wall ratio dlt / loader", value, f">= 3x {_status(ok)}")
    for c, run in r.get("latency", {}).items():
        ok = run["ratio_wall"] <= 1.25
        bound = f"wall vs {run['pages']} pages x 0.1 s / {c[1:]} = {run['lower_bound_s']:.2f} s"
        fetch_s = run["timings_s"].get("fetch_orders", 0)
        value = (
            f"{run['wall_s']:.2f} s = {run['ratio_wall']}x (fetch_orders phase {fetch_s:.2f} s"
            f" = {run['ratio_fetch_orders']}x); {run['sim']['requests'].get('GET /orders', 0)} /orders requests"
        )
        t.add_row(f"2. +{LATENCY_MS:.0f} ms/request, concurrency {c[1:]}", bound, value, f"<= 1.25x {_status(ok)}")
    inc = r["incremental"]["median"]
    ch = inc["changes_in_15_min"]
    ok = inc["wall_s"] <= 2.0
    t.add_row(
        "3. incremental, 15 min later",
        "wall: whole process, engine start-up included",
        f"{inc['wall_s']:.2f} s (runs: {_walls(r['incremental']['runs'])})",
        f"<= 2 s {_status(ok)}",
    )
    written = inc["job"]["rows"].get("stg_qtickets_api_orders_raw", 0)
    value = f"{ch['orders_changed']} / {inc['orders_fetched']} / {written}"
    t.add_row("", "orders changed in 15 min / in the 24 h window / new versions", value, "")
    requests = ", ".join(f"{k} {v}" for k, v in inc["sim"]["requests"].items())
    t.add_row("", "API requests by route", requests, "/orders ∝ changed pages")
    t.add_row("", "phases", _phases(inc["timings_s"]), "")
    if "incremental_latency" in r:
        il = r["incremental_latency"]
        value = f"{il['wall_s']:.2f} s / {il['sim']['api_requests']} ({_phases(il['timings_s'])})"
        t.add_row(f"   incremental at +{LATENCY_MS:.0f} ms/request", "wall / API requests", value, "")
    if "events_forms" in r:
        for form in ("selected", "full"):
            run = r["events_forms"][form]
            value = (
                f"{_events_bytes(run):,} bytes of /events ({run['sim']['requests'].get('GET /events', 0)} pages), "
                f"fetch_events {run['timings_s'].get('fetch_events', 0):.2f} s, run {run['wall_s']:.2f} s"
            )
            t.add_row(f"   15-minute run, events {form}", "events transfer / time", value, "selected <= full / 10")
    mem = r["memory"]
    small, big = mem["small"], mem["big"]
    ok = mem["difference_mb"] <= 100
    value = f"{small['peak_rss_mb']:.0f} MB vs {big['peak_rss_mb']:.0f} MB ({mem['difference_mb']:+.0f} MB)"
    t.add_row(
        "4. memory: loader's peak RSS",
        f"{small['orders']:,} vs {big['orders']:,} orders",
        value,
        f"<= +100 MB {_status(ok)}",
    )
    if "machinery" in r:
        for row in machinery_rows(r["machinery"]):
            t.add_row(*row)
    if "inprocess" in r:
        ip = r["inprocess"]
        a, z = ip["after_first"], ip["after_last"]
        value = (
            f"median {ip['median_s']:.2f} s, p95 {ip['p95_s']:.2f} s; RSS {a['rss_mb']:.0f} → {z['rss_mb']:.0f} MB "
            f"({ip['rss_growth_mb']:+.0f}); threads {a['threads_os']} → {z['threads_os']}; fds {a['fds']} → {z['fds']}"
        )
        ok = ip["rss_growth_mb"] <= 30
        t.add_row(
            f"7. {ip['runs']} runs in one process", "15-minute runs, engine open", value, f"RSS <= +30 MB {_status(ok)}"
        )
    console.print(t)
    missed = [x for x in r["targets"] if not x["met"]]
    console.print(f"Targets: {len(r['targets']) - len(missed)} met, {len(missed)} missed")
    for x in missed:
        console.print(f"  [red]missed[/red]: {x['target']}: {x['value']}")
    console.print(f"Bench took {r['bench_wall_s']:.0f} s.")


if __name__ == "__main__":
    sys.exit(main())
