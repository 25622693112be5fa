"""The QTickets side, read-only: the HTTP client, paging over list endpoints, and the retry policy."""

from .client import ApiStats, Page, Paging, QTicketsClient, Record, Where
from .paging import iter_pages, prefetched
from .retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

__all__ = [
    "RETRYABLE_STATUSES",
    "ApiStats",
    "Page",
    "Paging",
    "QTicketsClient",
    "Record",
    "RetryPolicy",
    "Where",
    "iter_pages",
    "parse_retry_after",
    "prefetched",
]
