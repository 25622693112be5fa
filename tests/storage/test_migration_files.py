"""Migration files are read as SQL (a ';' in a string or a comment is not the end of a statement), and a start whose
file of an already applied migration has changed stops with one line naming the file, before it changes anything."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from integrations.qtickets_api.errors import ConfigError
from integrations.qtickets_api.storage import Target, connect, migrations


def test_a_semicolon_in_a_string_or_a_comment_does_not_split_a_statement(tmp_path: Path) -> None:
    migration = migrations.Migration(
        99, "semicolons",
        "-- a comment; with a semicolon\n"
        "CREATE TABLE {db}.t (s String DEFAULT 'a;b', c String COMMENT 'the venue''s; clock') ENGINE = Memory;\n"
        "/* another; */ INSERT INTO {db}.t (c) VALUES ('x;y');",
    )  # fmt: skip
    statements = migration.statements("zakaz", "Europe/Moscow")
    assert len(statements) == 2
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as storage:
        storage.command("CREATE DATABASE IF NOT EXISTS zakaz")
        for statement in statements:
            storage.command(statement)
        assert storage.rows("SELECT s, c FROM zakaz.t") == [("a;b", "x;y")]


def test_a_changed_applied_migration_stops_the_start_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Target(db="zakaz", data_dir=tmp_path / "ch")
    with connect(target) as storage:
        migrations.apply(storage, "Europe/Moscow")
        recorded = storage.rows("SELECT count() FROM zakaz.meta_schema_migrations")
    real = migrations.available()
    edited = [dataclasses.replace(real[1], sql=real[1].sql + "\n-- edited after it was applied\n"), *real[2:]]
    monkeypatch.setattr(migrations, "available", lambda: [real[0], *edited])
    with connect(target) as storage, pytest.raises(ConfigError) as refused:
        migrations.apply(storage, "Europe/Moscow")
    line = refused.value.one_line()
    assert "\n" not in line and real[1].file_name in line and "changed since it was applied" in line
    assert real[1].checksum in line and edited[0].checksum in line
    monkeypatch.setattr(migrations, "available", lambda: real)
    with connect(target) as storage:  # the files as they were: the start goes on, nothing applied twice
        assert migrations.apply(storage, "Europe/Moscow") == []
        assert storage.rows("SELECT count() FROM zakaz.meta_schema_migrations") == recorded


def test_the_files_of_this_install_match_what_they_recorded(tmp_path: Path) -> None:
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as storage:
        migrations.apply(storage, "Europe/Moscow")
        got = dict(storage.rows("SELECT version, checksum FROM zakaz.meta_schema_migrations"))
    assert got == {m.version: m.checksum for m in migrations.available()}
