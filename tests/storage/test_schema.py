"""``storage/schema.py`` is what the Python side knows of the tables: it must match what the migrations create,
on a new database and on one migrated from the first schema."""

from __future__ import annotations

from pathlib import Path

from integrations.qtickets_api.storage import Target, connect, migrations, schema


def tables_and_columns(data_dir: Path) -> dict[str, list[str]]:
    with connect(Target(db="zakaz", data_dir=data_dir)) as storage:
        migrations.apply(storage, "Europe/Moscow")
        rows = storage.rows("SELECT table, name FROM system.columns WHERE database = 'zakaz' ORDER BY table, position")
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(str(table), []).append(str(column))
    return out


def test_every_table_of_the_schema_module_exists_with_its_insert_columns(tmp_path: Path) -> None:
    created = tables_and_columns(tmp_path / "ch")
    assert set(created) == {t.name for t in schema.ALL}, "a table is created but not named in schema.py, or not created"
    for table in schema.ALL:
        missing = set(table.columns) - set(created[table.name])
        assert not missing, f"{table.name} has no column {sorted(missing)}"
        assert len(set(table.columns)) == len(table.columns), f"{table.name}: a column listed twice"


def test_a_second_migration_on_an_existing_database_gives_the_same_schema(tmp_path: Path) -> None:
    first = tmp_path / "old"
    with connect(Target(db="zakaz", data_dir=first)) as storage:
        # only the first migration, as an earlier version of the loader left the database
        storage.command("CREATE DATABASE IF NOT EXISTS zakaz")
        migration = migrations.available()[0]
        for statement in migration.statements("zakaz", "Europe/Moscow"):
            storage.command(statement)
        storage.command(
            "CREATE TABLE zakaz.meta_schema_migrations (version UInt32, name String, checksum String, "
            "applied_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY version"
        )
        storage.command(f"INSERT INTO zakaz.meta_schema_migrations VALUES ({migration.version}, 'initial', '', now())")
        storage.command("INSERT INTO zakaz.fact_qtickets_inventory_latest (show_id, tickets_total) VALUES (7, 100)")
    upgraded = tables_and_columns(first)
    assert upgraded == tables_and_columns(tmp_path / "new")
    with connect(Target(db="zakaz", data_dir=first)) as storage:
        kept = storage.rows("SELECT show_id, tickets_total, capacity_known FROM zakaz.fact_qtickets_inventory_latest")
        versions = storage.rows("SELECT version FROM zakaz.meta_schema_migrations ORDER BY version")
    assert kept == [(7, 100, 1)], "data of the first schema is kept through the upgrade"
    assert [v[0] for v in versions] == [m.version for m in migrations.available()]
