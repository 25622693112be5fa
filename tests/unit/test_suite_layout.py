"""The test folders have no ``__init__.py``, so pytest imports each test file by its bare name: two files with
the same name in different folders stop the whole collection (this broke CI once)."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def duplicate_names(root: Path) -> list[str]:
    names = Counter(path.name for path in root.rglob("test_*.py"))
    return sorted(name for name, count in names.items() if count > 1)


def test_every_test_file_name_is_unique() -> None:
    assert duplicate_names(TESTS) == []


def test_the_check_sees_a_duplicate(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "test_same.py").write_text("")
    assert duplicate_names(tmp_path) == ["test_same.py"]
