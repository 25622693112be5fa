"""Log output: readable lines for a terminal or the journal, JSON lines for a log shipper.

Every handler carries a filter that replaces the API token (and the ClickHouse password) with its
fingerprint, should either ever reach a message.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from .domain.redaction import SecretFilter

LOGGER = "integrations"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(doc, ensure_ascii=False)


def configure(*, verbose: bool, json_lines: bool = False, secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(SecretFilter(secrets or []))
    logger = logging.getLogger(LOGGER)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    # third-party loggers could print request URLs or headers at debug level: keep them quiet
    for noisy in ("httpx", "httpcore", "clickhouse_connect", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def add_secrets(secrets: list[str]) -> None:
    for handler in logging.getLogger(LOGGER).handlers:
        handler.addFilter(SecretFilter(secrets))
