"""Copying the product's log lines into a file of the output folder, for as long as a block runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..domain.redaction import SecretFilter
from ..logs import LOGGER


@contextmanager
def capture(path: Path, *, level: int, secrets: list[str]) -> Iterator[None]:
    """Everything logged under ``integrations`` at ``level`` or above also goes to ``path``.

    Lowering the logger's level for the file must not make the terminal chattier, so handlers that
    had no level of their own are pinned to the previous threshold meanwhile.
    """
    logger = logging.getLogger(LOGGER)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(SecretFilter(secrets))
    handler.setLevel(level)
    previous_level = logger.level
    effective = logger.getEffectiveLevel()
    pinned: list[tuple[logging.Handler, int]] = []
    if effective > level:
        for other in logger.handlers:
            if other.level < effective:
                pinned.append((other, other.level))
                other.setLevel(effective)
        logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(previous_level)
        for other, old in pinned:
            other.setLevel(old)
