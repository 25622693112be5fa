"""A panel as CSV that Excel opens as it is: UTF-8 with a BOM, ';' between cells, Russian headers, CRLF."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ..bi.panel import Column, Row
from .values import csv_value

BOM = "\ufeff"


def to_csv(columns: Sequence[Column], rows: Sequence[Row]) -> bytes:
    present = [c for c in columns if any(c.key in row for row in rows)] or list(columns)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.title for c in present])
    for row in rows:
        writer.writerow([csv_value(c, row.get(c.key)) for c in present])
    return (BOM + out.getvalue()).encode("utf-8")
