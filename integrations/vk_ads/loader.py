"""``python -m integrations.vk_ads.loader --envfile F [--days N] [--check] [--delete-tokens]``: VK Ads spend.

Off (exit 0, one line) when ``VK_ADS_CLIENT_ID`` / ``VK_ADS_CLIENT_SECRET`` are not set. ``--delete-tokens`` is
the only call that changes anything at VK Ads (it deletes every token of the client, for an account locked out by
the 5-token limit); it runs only when asked for.
"""

from __future__ import annotations

from pathlib import Path

import click

from integrations.ad_spend.command import execute, options
from integrations.ad_spend.loading import Source
from integrations.ad_spend.settings import AdSettings, load_ad_settings
from integrations.qtickets_api.cli import main_guard
from integrations.qtickets_api.domain.redaction import fingerprint
from integrations.qtickets_api.storage import migrations
from integrations.qtickets_api.storage.connection import connect

from .statistics import VkStatistics

PROG = "python -m integrations.vk_ads.loader"


def build(settings: AdSettings) -> Source | None:
    return VkStatistics(settings.vk) if settings.vk else None


def check_account(settings: AdSettings, source: Source) -> list[str]:
    assert isinstance(source, VkStatistics) and settings.vk
    with connect(settings.base) as storage:
        migrations.migrate(storage, settings.base.tz)
        plans = source.ad_plans(storage)
    return [
        f"VK Ads: client {fingerprint(settings.vk.client_id)} is accepted at {settings.vk.url} "
        f"({source.counters.requests} requests, the token reused or refreshed, not a new one each time)",
        f"VK Ads: {len(plans)} ad plans (campaigns) visible",
    ]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@options
@click.option("--delete-tokens", is_flag=True, help="Delete every VK Ads token of this client first (a write).")
def cli(envfile: Path | None, days: int, check: bool, verbose: bool, log_json: bool, delete_tokens: bool) -> None:
    """Load VK Ads' daily spend per ad plan (the last --days days, 3 by default)."""
    if delete_tokens:
        settings = load_ad_settings(envfile)
        source = build(settings)
        if isinstance(source, VkStatistics):
            with connect(settings.base) as storage:
                migrations.migrate(storage, settings.base.tz)
                source.tokens.delete_all(storage)
            click.echo(f"VK Ads: every token of client {fingerprint(source.settings.client_id)} deleted")
    execute(
        "VK Ads", build, check_account, envfile=envfile, days=days, do_check=check, verbose=verbose, log_json=log_json
    )


main = main_guard(cli, PROG)

__all__ = ["build", "check_account", "cli", "main"]

if __name__ == "__main__":
    main()
