"""Every panel of the dashboard, by name, and one call to run one with the query string of a request."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..errors import FilterError, UnknownPanelError
from . import ad_panels, freshness_panel, sales_panels, show_panels
from .filters import Filters, parse_filters
from .panel import REGISTRY, Column, Panel, Reader, Row

_LOADED = (sales_panels, show_panels, freshness_panel, ad_panels)  # importing them registers their panels


def panel(name: str) -> Panel:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownPanelError(f"нет панели «{name[:40]}»") from None


def all_panels() -> list[Panel]:
    return list(REGISTRY.values())


def run(name: str, reader: Reader, query: Mapping[str, str], *, today: date) -> tuple[Panel, Filters, list[Row]]:
    """Parse the filters for panel ``name`` and run its query (raises FilterError for a bad request)."""
    chosen = panel(name)
    filters = parse_filters(query, today=today, extra=chosen.extra, default_days=chosen.default_days)
    return chosen, filters, chosen.query(reader, filters)


__all__ = ["Column", "FilterError", "Filters", "Panel", "Reader", "Row", "all_panels", "panel", "run"]
