"""The declared public surface: what ``integrations.qtickets_api`` exports, and that tests and benchmarks
use only names some module declares public (its ``__all__``), never a private one."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import integrations.qtickets_api as package

REPO = Path(__file__).resolve().parents[2]

SURFACE = {
    "__version__", "Settings", "load_settings", "Storage", "Target", "connect", "run_loader", "RunOptions",
    "RunResult", "DryRunPreview", "default_window", "ZakazError", "ConfigError", "RunLockedError", "ApiError",
    "ApiAuthError", "ApiHttpError", "ApiUnreachableError", "ApiMalformedError", "StorageError",
    "StorageUnreachableError", "StorageQueryError", "DataDirLockedError", "ProbeError",
}  # fmt: skip


def test_the_package_exports_exactly_its_declared_surface() -> None:
    assert set(package.__all__) == SURFACE
    for name in package.__all__:
        assert getattr(package, name) is not None, name


def test_every_error_the_package_exports_is_one_tree() -> None:
    errors = [getattr(package, n) for n in package.__all__ if n.endswith("Error")]
    assert all(issubclass(e, package.ZakazError) for e in errors)
    # one naming style: every exception class of errors.py ends in "Error"
    from integrations.qtickets_api import errors as module

    classes = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, BaseException)]
    assert classes and all(c.__name__.endswith("Error") for c in classes)


def imports_of_ours(path: Path) -> list[tuple[str, str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("integrations"):
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
    return found


def test_tests_and_benchmarks_import_only_declared_public_names() -> None:
    files = sorted([*(REPO / "tests").rglob("*.py"), *(REPO / "bench").rglob("*.py")])
    checked = 0
    wrong = []
    for path in files:
        for module_name, name, line in imports_of_ours(path):
            module = importlib.import_module(module_name)
            public = getattr(module, "__all__", None)
            is_submodule = hasattr(module, "__path__") and importlib.util.find_spec(f"{module_name}.{name}")
            if not is_submodule and (public is None or name not in public):
                wrong.append(f"{path.relative_to(REPO)}:{line}: {name} from {module_name}")
            checked += 1
    assert checked > 50  # the scan sees the imports at all
    assert wrong == []
