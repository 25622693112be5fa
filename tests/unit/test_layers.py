"""Arrows point down: a module of the product imports only its own folder and the layers below it.

``LAYERS`` is the one list of the product's layers, lowest first (docs/development.md's layout section points here). A new
folder or top-level module must be placed in it, or this test fails. The simulator and the developer tools sit
outside the product: the product never imports them, and the simulator imports nothing of the product.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "integrations.qtickets_api"

# Lowest first. A unit is a folder of the package, or one of its top-level modules.
LAYERS: list[tuple[str, ...]] = [
    ("_version", "errors"),  # leaves
    ("domain",),  # the organiser's concepts: records, money, seats, time zones; no I/O
    ("logs", "storage"),  # ClickHouse, embedded or a server: schema, migrations, views, staging, facts, lease
    ("cli", "config", "api"),  # command plumbing, settings, the QTickets REST client
    ("ingest", "bi"),  # one loader run; the queries behind each panel
    ("forecast",),  # every upcoming show's final sales, from the pickup curves of comparable past shows
    ("webhooks", "dashboard", "probe"),  # the webhook endpoint, the page, the /orders probe
    ("notify",),  # the Telegram digest and alerts (reads the panels' figures and the page's formatting)
    ("service",),  # one process: the schedule, the page and the webhooks
    ("loader", "sql", "plan", "freshness", "serve", "__init__"),  # the commands and the public surface
]
OUTSIDE = ("qtickets_sim", "telegram_sim", "tools")  # not part of the product: never imported by it


def _layer_of() -> dict[str, int]:
    return {unit: level for level, units in enumerate(LAYERS) for unit in units}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, name: str) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file of module ``name``, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None:  # `from .. import x`: x is a module or a name of the package
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
    return found


def _unit(module: str) -> str | None:
    if module == PACKAGE:
        return "__init__"
    if not module.startswith(PACKAGE + "."):
        return None
    return module[len(PACKAGE) + 1 :].split(".")[0]


def test_every_unit_of_the_package_has_a_layer() -> None:
    package_dir = ROOT / "integrations" / "qtickets_api"
    units = {p.stem for p in package_dir.glob("*.py")} | {
        p.name for p in package_dir.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    missing = sorted(units - set(_layer_of()))
    assert not missing, f"place these in LAYERS (tests/unit/test_layers.py): {missing}"


def _violations(modules: list[tuple[Path, str]]) -> list[str]:
    layer = _layer_of()
    wrong: list[str] = []
    for path, name in modules:
        here = _unit(name)
        assert here is not None, name
        for line, target in _imports(path, name):
            if target.split(".")[0] in OUTSIDE:
                wrong.append(f"{name}:{line} imports {target}, which is not part of the product")
                continue
            there = _unit(target)
            if there is None or there == here or there not in layer:
                continue
            if layer[there] >= layer[here]:
                wrong.append(f"{name}:{line} ({here}) imports {target} ({there}): not a lower layer")
    return wrong


def test_no_module_imports_a_layer_above_its_own() -> None:
    modules = [(p, _module_name(p)) for p in sorted((ROOT / "integrations" / "qtickets_api").rglob("*.py"))]
    assert len(modules) > 50
    wrong = _violations(modules)
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_upward_and_outside_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from ..service import Service\nfrom . import facts\nimport qtickets_sim\n", encoding="utf-8")
    peer = tmp_path / "peer.py"
    peer.write_text("from ..bi import panels\n", encoding="utf-8")  # same layer is not lower either
    wrong = _violations([(bad, f"{PACKAGE}.storage.bad"), (peer, f"{PACKAGE}.ingest.peer")])
    assert len(wrong) == 3, wrong
    assert "imports integrations.qtickets_api.service" in wrong[0]
    assert "not part of the product" in wrong[1]
    assert "(bi)" in wrong[2]


def test_the_simulator_stands_alone() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in sorted((ROOT / "qtickets_sim").rglob("*.py"))
        for line, target in _imports(path, _module_name(path))
        if target.split(".")[0] in ("integrations", "tools")
    ]
    assert not wrong, "\n".join(wrong)


# The ad sources and what they share sit beside the QTickets package and use only its lower layers.
AD_PACKAGES = ("ad_spend", "yandex_direct", "vk_ads")
AD_MAY_USE = ("_version", "errors", "domain", "logs", "storage", "cli", "config")


def _ad_violations(modules: list[tuple[Path, str]]) -> list[str]:
    wrong: list[str] = []
    for path, name in modules:
        for line, target in _imports(path, name):
            if target.split(".")[0] in OUTSIDE or target.startswith(("direct_sim", "vk_ads_sim")):
                wrong.append(f"{name}:{line} imports {target}, which is not part of the product")
            elif target == PACKAGE or (target.startswith(PACKAGE + ".") and _unit(target) not in AD_MAY_USE):
                wrong.append(f"{name}:{line} imports {target}: the ad packages use only {', '.join(AD_MAY_USE)}")
            elif target.startswith("integrations.") and target.split(".")[1] not in (*AD_PACKAGES, "qtickets_api"):
                wrong.append(f"{name}:{line} imports {target}, an unknown package")
    return wrong


def test_the_ad_packages_use_only_the_lower_layers_of_the_qtickets_package() -> None:
    modules = [
        (p, _module_name(p)) for package in AD_PACKAGES for p in sorted((ROOT / "integrations" / package).rglob("*.py"))
    ]
    assert len(modules) >= 12
    wrong = _ad_violations(modules)
    assert not wrong, "\n".join(wrong)


def test_the_ad_checker_sees_a_service_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from integrations.qtickets_api.service import Service\nfrom integrations.qtickets_api.dashboard import app\n"
        "import direct_sim\nfrom integrations.qtickets_api.storage import connect\n",
        encoding="utf-8",
    )
    wrong = _ad_violations([(bad, "integrations.vk_ads.bad")])
    assert len(wrong) == 3, wrong


def test_the_ad_simulators_stand_alone() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for package in ("direct_sim", "vk_ads_sim")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, target in _imports(path, _module_name(path))
        if target.split(".")[0] in ("integrations", "tools")
    ]
    assert not wrong, "\n".join(wrong)
