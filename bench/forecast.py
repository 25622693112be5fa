"""The forecast's backtest and the digest's speed on the simulator's history (not run by the tests).

    python bench/forecast.py [--orders 126000] [--seed 7] [--pickup realistic|simple]

A simulator with that many orders (the real account's size by default; its sales curves realistic by default:
a slow start, a rise in the last two weeks, a spike on the last days, weekday effects), a backfill by the loader
into a fresh embedded ClickHouse, then:

- the backtest (``forecast.backtest``): every finished show forecast from 14, 7 and 3 days before with only what
  was known then; the median absolute percentage error beside the naive straight line, and how often the final
  fell inside P25–P75. Targets (issue 19): error at 7 days <= 0.7x the naive one; the band holds 40-60 %.
- the digest built and sent to a local Bot API stand-in (``telegram_sim``), 5 times: target <= 2 s.

Prints a table and writes ``bench/results/forecast-<stamp>.json``.
"""

from __future__ import annotations

import json
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_cli import parse

from integrations.qtickets_api import RunOptions, connect, load_settings, run_loader
from integrations.qtickets_api.forecast import read_curves
from integrations.qtickets_api.forecast.backtest import backtest
from integrations.qtickets_api.notify import load_notify_settings, run
from integrations.qtickets_api.notify.telegram import TelegramSender
from integrations.qtickets_api.storage import migrations
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from telegram_sim import BotApi, BotApiConfig, BotApiServer

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    args = parse(
        "python bench/forecast.py",
        [
            click.Option(["--orders"], type=int, default=126_000, show_default=True),
            click.Option(["--seed"], type=int, default=7, show_default=True),
            click.Option(
                ["--pickup"],
                type=click.Choice(["simple", "realistic"]),
                default="realistic",
                help="the simulator's sales curves (qtickets_sim/pickup.py)",
                show_default=True,
            ),
        ],
        help=__doc__,
    )
    root = Path(tempfile.mkdtemp(prefix="bench-forecast-"))
    token = secrets.token_hex(12)
    now = datetime.now(UTC).replace(microsecond=0)
    sim = Simulator(
        SimulatorConfig(seed=args.seed, orders=args.orders, token=token, now=now, pickup=args.pickup),
        faults=FaultConfig(),
    )
    envfile = root / ".env"
    with sim.serve() as server:
        envfile.write_text(
            f"QTICKETS_API_BASE_URL={server.base_url}\nQTICKETS_API_TOKEN={token}\n"
            f"CLICKHOUSE_DATA_DIR={root / 'ch'}\nTZ=Europe/Moscow\n",
            encoding="utf-8",
        )
        envfile.chmod(0o600)
        settings = load_settings(envfile)
        started = time.perf_counter()
        with connect(settings) as storage:
            run_loader(settings, RunOptions(since=datetime(2021, 1, 1, tzinfo=UTC), until=now + timedelta(seconds=1)),
                       storage=storage)  # fmt: skip
            load_s = time.perf_counter() - started
            migrations.migrate(storage, settings.tz)
            curves = read_curves(storage, settings.zone)
            started = time.perf_counter()
            scores = backtest(curves)
            backtest_s = time.perf_counter() - started
            bot = BotApi(BotApiConfig(chats={"1001": "ok"}, burst=10_000))
            with BotApiServer(bot) as tg:
                notify = load_notify_settings(
                    {
                        "TELEGRAM_BOT_TOKEN": bot.config.token,
                        "TELEGRAM_CHAT_IDS": "1001",
                        "TELEGRAM_API_URL": tg.base_url,
                    }
                )
                sender = TelegramSender(notify.bot_token, notify.api_url)
                digest_s = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    run.send_digest(storage, notify, sender, now)
                    digest_s.append(time.perf_counter() - t0)
                sender.close()
    print(
        f"pickup {args.pickup}, seed {args.seed}, orders {args.orders}, shows {len(curves)}, "
        f"load {load_s:.1f} s, backtest {backtest_s:.2f} s"
    )
    print(f"{'days before':>11} {'shows':>6} {'MdAPE':>7} {'naive':>7} {'ratio':>6} {'in P25-P75':>10}")
    for s in scores:
        print(
            f"{s.horizon:>11} {s.shows:>6} {s.mdape:>7.1%} {s.naive_mdape:>7.1%} {s.ratio:>6.2f} {s.inside_band:>10.0%}"
        )
    print(
        f"digest built and sent: median {statistics.median(digest_s):.3f} s, max {max(digest_s):.3f} s (target <= 2 s)"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"forecast-{now:%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps({
        "orders": args.orders, "seed": args.seed, "pickup": args.pickup, "shows": len(curves),
        "backtest": [{**s.__dict__, "ratio": s.ratio} for s in scores],
        "digest_s": digest_s,
    }, indent=2), encoding="utf-8")  # fmt: skip
    print(f"written {out}")


if __name__ == "__main__":
    main()
