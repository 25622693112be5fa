"""When a failed QTickets call is tried again, and how long we wait (a tenacity policy).

Retried: timeouts, dropped connections, 429, 500/502/503/504, and bodies that are not the JSON they
should be (truncated, or an HTML error page with status 200). Not retried: 401/403/404 and other 4xx.
A ``Retry-After`` header (seconds or HTTP-date) wins over the exponential backoff, capped.
Bounded twice: by attempts and by a total time budget that includes the next wait.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from ..errors import TransientError

log = logging.getLogger("integrations.qtickets_api")

T = TypeVar("T")
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    budget_s: float = 300.0
    initial_s: float = 0.5
    max_backoff_s: float = 30.0

    def run(
        self,
        fn: Callable[[], T],
        *,
        describe: str,
        on_retry: Callable[[TransientError, float, int], None],
        sleep: Callable[[float], None] = time.sleep,
    ) -> T:
        # exponential with full jitter (tenacity's own): many loaders retrying one API do not retry in step
        backoff = wait_random_exponential(multiplier=self.initial_s, max=self.max_backoff_s)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, TransientError) and exc.retry_after_s is not None:
                return max(0.0, min(exc.retry_after_s, MAX_RETRY_AFTER_S))
            return float(backoff(state))

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            delay = state.next_action.sleep if state.next_action else 0.0
            if isinstance(exc, TransientError):
                on_retry(exc, delay, state.attempt_number)

        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            wait=wait,
            stop=stop_after_attempt(self.max_attempts) | stop_before_delay(self.budget_s),
            before_sleep=before_sleep,
            sleep=sleep,
            reraise=True,
        )
        try:
            return retrying(fn)
        except TransientError as exc:
            raise exc.final from None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
