"""One loader run: QTickets pages in, staging rows, facts and inventory out, the run recorded.

``run_loader`` is the whole run as a library call; ``LoaderRun`` its steps.
"""

from .encode import EncodedOrders, encode_orders
from .rows import (
    event_rows,
    promo_code_rows,
    reject_row,
    show_rows,
    transform_events,
    transform_orders,
    transform_promo_codes,
)
from .run import DryRunPreview, LoaderRun, RunOptions, RunResult, default_window, run_loader

__all__ = [
    "DryRunPreview",
    "EncodedOrders",
    "LoaderRun",
    "RunOptions",
    "RunResult",
    "default_window",
    "encode_orders",
    "event_rows",
    "promo_code_rows",
    "reject_row",
    "run_loader",
    "show_rows",
    "transform_events",
    "transform_orders",
    "transform_promo_codes",
]
