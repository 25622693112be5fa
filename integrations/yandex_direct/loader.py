"""``python -m integrations.yandex_direct.loader --envfile F [--days N] [--check]``: Direct spend into ClickHouse.

Off (exit 0, one line) when ``YANDEX_DIRECT_TOKEN`` is not set. Exit codes: 0 loaded, 1 the API or ClickHouse
failed (the run is recorded in ``meta_job_runs`` with its reason), 2 the settings or flags are wrong.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from integrations.ad_spend.command import execute, options
from integrations.ad_spend.loading import Source, moscow_today
from integrations.ad_spend.settings import AdSettings
from integrations.qtickets_api.cli import main_guard
from integrations.qtickets_api.domain.redaction import fingerprint

from .reports import DirectReports

PROG = "python -m integrations.yandex_direct.loader"


def build(settings: AdSettings) -> Source | None:
    return DirectReports(settings.direct) if settings.direct else None


def check_account(settings: AdSettings, source: Source) -> list[str]:
    assert isinstance(source, DirectReports) and settings.direct
    today = moscow_today()
    rows = source.fetch(None, today - timedelta(days=6), today)  # type: ignore[arg-type]
    campaigns = {row.campaign_id for row in rows}
    spend = sum((row.spend for row in rows), start=0)
    return [
        f"Yandex Direct: the token {fingerprint(settings.direct.token)} is accepted for account "
        f"{settings.direct.account} at {settings.direct.url}",
        f"Yandex Direct: {len(campaigns)} campaigns with statistics in the last 7 days, {spend} ₽ with VAT",
    ]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@options
def cli(envfile: Path | None, days: int, check: bool, verbose: bool, log_json: bool) -> None:
    """Load Yandex Direct's daily spend per campaign (the last --days days, 3 by default)."""
    execute(
        "Yandex Direct",
        build,
        check_account,
        envfile=envfile,
        days=days,
        do_check=check,
        verbose=verbose,
        log_json=log_json,
    )


main = main_guard(cli, PROG)

__all__ = ["build", "check_account", "cli", "main"]

if __name__ == "__main__":
    main()
