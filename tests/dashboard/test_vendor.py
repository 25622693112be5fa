"""The vendored ECharts files are exactly the ones the manifest records (taken from the npm tarball whose sha512
matched the registry's integrity), and the page loads nothing from outside."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import integrations.qtickets_api.dashboard as dashboard

STATIC = Path(dashboard.__file__).parent / "static"
VENDOR = STATIC / "vendor"


def test_every_vendored_file_has_the_recorded_sha256() -> None:
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["package"] == "echarts" and re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["tarball_integrity"].startswith("sha512-")
    files = manifest["files"]
    assert {"echarts.min.js", "langRU.js", "LICENSE", "NOTICE"} <= set(files)
    on_disk = {p.name for p in (VENDOR / "echarts").iterdir()}
    assert on_disk == set(files)
    for name, entry in files.items():
        assert hashlib.sha256((VENDOR / "echarts" / name).read_bytes()).hexdigest() == entry["sha256"], name


def test_the_page_and_its_script_name_no_outside_host() -> None:
    template = (Path(dashboard.__file__).parent / "templates" / "index.html").read_text(encoding="utf-8")
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    for text in (template, script):
        assert not re.search(r"(src|href)=\"https?://", text)
        assert not re.search(r"https?://", text)
