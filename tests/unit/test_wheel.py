"""The product's wheel holds what a production install runs: the package with its SQL, page and vendored files,
and none of the simulator, the soak or the demo (they live beside it in the repository, for development)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_holds_the_product_and_nothing_else(tmp_path: Path) -> None:
    # built from a copy of the sources: a build/ folder left in the checkout would lend the wheel stale files
    source = tmp_path / "src"
    shutil.copytree(
        ROOT, source,
        ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "var", "*.egg-info", "__pycache__", ".*_cache"),
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("zakaz_dashboard-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"integrations", next(t for t in tops if t.endswith(".dist-info"))}
    assert not [n for n in names if "simulator" in n or "qtickets_sim" in n or "soak" in n or "/demo" in n]
    package = "integrations/qtickets_api/"
    for needed in (
        "storage/migrations/0001_initial.sql",
        "storage/bi_views/01_bi_sales_daily.sql",
        "dashboard/templates/index.html",
        "dashboard/static/app.js",
        "dashboard/static/vendor/echarts/echarts.min.js",
        "_version.py",
    ):
        assert package + needed in names, needed
