"""Log output: readable lines for a terminal or the journal, JSON lines for a log shipper.

Every handler carries a filter that replaces the API token (and the ClickHouse password) with its
fingerprint, should either ever reach a message. Libraries never write to stderr on their own: their
records (and Python warnings) become DEBUG lines of ours, seen only with ``--verbose``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from .domain.redaction import SecretFilter, redact

LOGGER = "integrations"
# Loggers of the libraries underneath us. The ClickHouse driver logs tracebacks of dropped connections before
# raising the error we report; chdb, urllib3 and httpx have their own chatter.
LIBRARIES = ("clickhouse_connect", "chdb", "urllib3", "httpx", "httpcore", "py.warnings")
# these could print request URLs or headers at debug level: not even --verbose shows their debug records
_NOISY = ("httpx", "httpcore", "urllib3")

_state: dict[str, object] = {"json": False, "secrets": []}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(doc, ensure_ascii=False)


class _LibraryRecords(logging.Handler):
    """A library's record becomes one DEBUG line of ours: no traceback, never printed on its own."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = " ".join(record.getMessage().split())
        except Exception:  # a library's malformed format string must not break the run
            message = str(record.msg)
        logging.getLogger(f"{LOGGER}.lib").debug("%s: %s", record.name, message[:500])


def quiet_libraries() -> None:
    """Route every library logger (and Python warnings) through ``_LibraryRecords``; idempotent."""
    logging.captureWarnings(True)
    for name in LIBRARIES:
        logger = logging.getLogger(name)
        if not any(isinstance(h, _LibraryRecords) for h in logger.handlers):
            logger.addHandler(_LibraryRecords())
        logger.propagate = False
        if name in _NOISY:
            logger.setLevel(logging.WARNING)


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
    _state["json"] = json_lines
    _state["secrets"] = [s for s in (secrets or []) if s]
    quiet_libraries()


def add_secrets(secrets: list[str]) -> None:
    for handler in logging.getLogger(LOGGER).handlers:
        handler.addFilter(SecretFilter(secrets))
    _state["secrets"] = [*_known_secrets(), *(s for s in secrets if s)]


def _known_secrets() -> list[str]:
    known = _state["secrets"]
    return list(known) if isinstance(known, list) else []


def final_line(message: str, *, level: str = "error", json_lines: bool | None = None) -> str:
    """The last line a command prints on stderr: ``error: …`` or, under ``--log-json``, one JSON object."""
    text = redact(message, _known_secrets())
    if json_lines if json_lines is not None else bool(_state["json"]):
        record = logging.LogRecord(LOGGER, logging.getLevelName(level.upper()), "", 0, text, None, None)
        return JsonFormatter().format(record)
    return f"{level}: {text}" if level == "error" else text
