"""Ad spend at the real account's size (not run by the tests).

    python bench/ads.py [--orders 126000] [--campaigns 300] [--requests 50]

A QTickets simulator with ``--orders`` orders is loaded into a fresh embedded ClickHouse; each ad simulator then
serves ``--campaigns`` campaigns (the account's own, padded with brand-like ones), every one of them running all
year; both loaders backfill a year (``--days 365``) with the real protocol (offline reports polled after
``retryIn``, VK's 92-day windows and 200 ids a call), then re-read the last 3 days. Printed and written to
``bench/results/ads-<stamp>.json``: the time of each load, its requests against the APIs' limits, and the p50/p95
of the ``romi`` and ``ad_spend`` panels (target: romi p95 <= 50 ms at 126k orders).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_cli import parse
from measure import REPO, machine_info

from direct_sim import DirectConfig, DirectSimulator
from integrations.ad_spend.loading import run
from integrations.ad_spend.settings import load_ad_settings
from integrations.qtickets_api import RunOptions, connect, load_settings, run_loader
from integrations.qtickets_api.bi.ad_panels import AD_SPEND, ROMI, Filters
from integrations.vk_ads.statistics import VkStatistics
from integrations.yandex_direct.reports import DirectReports
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from qtickets_sim.ads import Campaign
from vk_ads_sim import VkConfig, VkSimulator


def campaigns(own: list[Campaign], count: int, today: date, base: int) -> list[Campaign]:
    year = today - timedelta(days=364)
    found = [replace(c, first_day=year, last_day=today) for c in own[:count]]
    found += [Campaign(own[0].channel, base + n, f"Охват {n}", year, today, 0, "") for n in range(count - len(found))]
    return found


def timed(what: str, action: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()  # type: ignore[operator]
    return time.perf_counter() - started, result


def main() -> int:
    args = parse(
        "python bench/ads.py",
        [
            click.Option(["--orders"], type=int, default=126_000, show_default=True),
            click.Option(["--campaigns"], type=int, default=300, show_default=True),
            click.Option(["--requests"], type=int, default=50, show_default=True),
        ],
        help=__doc__.splitlines()[0] if __doc__ else None,
    )
    now = datetime.now(UTC).replace(microsecond=0)
    today = (now + timedelta(hours=3)).date()
    tmp = Path(tempfile.mkdtemp(prefix="zakaz-ads-bench-"))
    report: dict[str, object] = {"machine": machine_info(), "orders": args.orders, "campaigns": args.campaigns}
    sim = Simulator(SimulatorConfig(seed=42, orders=args.orders, token="bench", now=now), faults=FaultConfig())
    direct_plan = campaigns(sim.ad_campaigns("yandex"), args.campaigns, today, 80_000_000)
    vk_plan = campaigns(sim.ad_campaigns("vk"), args.campaigns, today, 8_000_000)
    direct = DirectSimulator(DirectConfig("bench-direct", direct_plan, today, online_rows=1000))
    vk = VkSimulator(VkConfig("bench-id", "bench-secret", vk_plan, today, rate_per_s=10))
    with sim.serve() as qt, direct.serve() as ds, vk.serve() as vs:
        env = tmp / ".env"
        env.write_text(
            f"QTICKETS_API_BASE_URL={qt.base_url}\nQTICKETS_API_TOKEN=bench\nCLICKHOUSE_DATA_DIR={tmp / 'ch'}\n"
            f"YANDEX_DIRECT_TOKEN=bench-direct\nYANDEX_DIRECT_API_URL={ds.url}/json/v5/reports\n"
            f"VK_ADS_CLIENT_ID=bench-id\nVK_ADS_CLIENT_SECRET=bench-secret\nVK_ADS_API_URL={vs.url}\n",
            encoding="utf-8",
        )
        env.chmod(0o600)
        seconds, _ = timed("qtickets", lambda: run_loader(load_settings(env), RunOptions(
            since=datetime(2021, 1, 1, tzinfo=UTC), until=now + timedelta(seconds=1))))  # fmt: skip
        report["qtickets_backfill_s"] = round(seconds, 1)
        settings = load_ad_settings(env)
        assert settings.direct and settings.vk
        for name, make in (("yandex_direct", lambda: DirectReports(settings.direct)),  # type: ignore[arg-type]
                           ("vk_ads", lambda: VkStatistics(settings.vk))):  # type: ignore[arg-type]  # fmt: skip
            source = make()
            seconds, outcome = timed(name, lambda source=source: run(settings, source, days=365, today=today))
            again = make()
            rerun_s, _ = timed(name, lambda again=again: run(settings, again, days=3, today=today))
            report[name] = {
                "year_backfill_s": round(seconds, 2),
                "rows": outcome.written,  # type: ignore[attr-defined]
                "requests": source.counters.requests,
                "retries": source.counters.retries,
                "rerun_3_days_s": round(rerun_s, 2),
                "rerun_requests": again.counters.requests,
            }
        report["vk_tokens_issued"] = vk.tokens_issued
        report["limits"] = (
            "Direct: one report at a time of the 5 the offline queue holds; VK: 10 requests/s (simulated)"
        )
        with connect(settings.base) as storage:
            for panel, filters in (
                ("romi 30 days", (ROMI, Filters(today - timedelta(days=29), today))),
                ("romi a year", (ROMI, Filters(today - timedelta(days=364), today))),
                ("ad_spend 30 days", (AD_SPEND, Filters(today - timedelta(days=29), today))),
            ):
                which, flt = filters
                times = []
                for _ in range(args.requests):
                    started = time.perf_counter()
                    which.query(storage, flt)
                    times.append((time.perf_counter() - started) * 1000)
                times.sort()
                report[panel] = {"p50_ms": round(statistics.median(times), 1),
                                 "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)}  # fmt: skip
    out = REPO / "bench" / "results" / f"ads-{now:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
