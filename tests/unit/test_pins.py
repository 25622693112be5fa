"""The pins in requirements*.txt (what make installs) and pyproject.toml (what pip install . installs) agree,
and every pin is in constraints.txt at the same version."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins(path: Path) -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {line.lower() for line in lines if line and not line.startswith("-")}


def test_requirements_agree_with_pyproject_and_constraints() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = pins(ROOT / "requirements.txt")
    assert runtime == {d.lower() for d in project["dependencies"]}
    assert pins(ROOT / "requirements-embedded.txt") == {d.lower() for d in project["optional-dependencies"]["embedded"]}
    assert pins(ROOT / "requirements-dev.txt") == {d.lower() for d in project["optional-dependencies"]["dev"]}
    assert not any(pin.startswith("chdb") for pin in runtime)  # the server install and its image stay small
    constraints = pins(ROOT / "constraints.txt")
    for pin in runtime | pins(ROOT / "requirements-embedded.txt") | pins(ROOT / "requirements-dev.txt"):
        name, version = pin.split("[")[0].split("==")[0], pin.split("==")[1]
        assert f"{name}=={version}" in constraints, pin
