"""``bi_reader`` reads the BI layer only: the bootstrap grants it every table and view the views and the dashboard
read, and nothing of staging, rejects, the run lease or the loader's state (no database-wide grant)."""

from __future__ import annotations

import re
from pathlib import Path

from integrations.qtickets_api.bi import tables
from integrations.qtickets_api.storage import bi_views, schema

REPO = Path(__file__).resolve().parents[2]
BOOTSTRAP = (REPO / "deploy" / "clickhouse" / "bootstrap.sql").read_text(encoding="utf-8")
NEVER = {schema.ORDERS_RAW, schema.BASKETS, schema.REJECTS, schema.LOADER_STATE, schema.RUN_LEASE, schema.MIGRATIONS}


def granted_to_reader() -> set[str]:
    return set(re.findall(r"^GRANT SELECT ON zakaz\.([a-z_]+) TO bi_reader;", BOOTSTRAP, flags=re.M))


def test_the_reader_has_no_database_wide_grant_and_nothing_of_staging() -> None:
    assert not re.search(r"GRANT [^;]* ON zakaz\.\* TO bi_reader", BOOTSTRAP)
    assert "REVOKE ALL ON zakaz.* FROM bi_reader" in BOOTSTRAP
    assert granted_to_reader().isdisjoint({t.name for t in NEVER})


def test_every_view_and_every_table_the_views_and_panels_read_is_granted() -> None:
    granted = granted_to_reader()
    views = {view.name for view in bi_views.views()}
    assert views and views <= granted
    read_by_views = {name for view in bi_views.views() for name in re.findall(r"\{db\}\.([a-z_]+)", view.sql)} - views
    read_by_panels = {getattr(tables, name) for name in tables.__all__}
    needed = read_by_views | read_by_panels
    assert needed <= {t.name for t in schema.ALL}, "a view reads a table schema.py does not know"
    assert needed <= granted, f"not granted: {needed - granted}"
    # beyond that, only what a BI tool is pointed at directly: the daily facts of the user's own checks
    assert granted - views - needed <= {schema.SALES_DAILY.name, schema.PROMO_CODES.name}
