"""A file that is not a usable node database is refused with a clear error and left as it was."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ewp_client.errors import ConfigError, StateDbError
from ewp_mock.store import APPLICATION_ID, SqliteState

from .conftest import fingerprint


def refused(path: Path, reason: str, *, create: bool = True) -> StateDbError:
    """Opening ``path`` fails for ``reason``; every file there keeps its bytes."""
    before = fingerprint(path) if path.exists() else {}
    listing = sorted(os.listdir(path.parent))
    with pytest.raises(StateDbError) as caught:
        SqliteState.open(path, create=create)
    assert caught.value.reason == reason, caught.value
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, ConfigError)
    if path.is_file():
        assert fingerprint(path) == before
    assert sorted(os.listdir(path.parent)) == listing
    return caught.value


def other_program(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('someone');"
    )
    connection.close()


def test_another_programs_database(db_path: Path) -> None:
    other_program(db_path)
    error = refused(db_path, "foreign")
    assert "another program" in str(error)


def test_another_program_that_set_its_own_application_id(db_path: Path) -> None:
    other_program(db_path)
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA application_id = 1179603790")
    connection.close()
    refused(db_path, "foreign")


def test_our_mark_on_tables_that_are_not_ours(db_path: Path) -> None:
    other_program(db_path)
    connection = sqlite3.connect(db_path)
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute("PRAGMA user_version = 1")
    connection.close()
    assert "no meta table" in str(refused(db_path, "foreign"))


def test_a_meta_table_naming_another_program(seeded: Path) -> None:
    connection = sqlite3.connect(seeded)
    connection.execute("UPDATE meta SET value = 'other' WHERE key = 'program'")
    connection.commit()
    connection.close()
    assert "'other'" in str(refused(seeded, "foreign"))


def test_an_extra_table(seeded: Path) -> None:
    connection = sqlite3.connect(seeded)
    connection.execute("CREATE TABLE extra (x)")
    connection.close()
    assert "extra" in str(refused(seeded, "foreign"))


def test_another_schema_version(seeded: Path) -> None:
    connection = sqlite3.connect(seeded)
    connection.execute("PRAGMA user_version = 2")
    connection.close()
    assert "version 2" in str(refused(seeded, "unsupported-version"))


@pytest.mark.parametrize("keep", [0.5, 0.9, 120, 60, 10])
def test_a_truncated_database(seeded: Path, keep: float) -> None:
    data = seeded.read_bytes()
    assert len(data) > 8192  # several pages: the demo data
    size = int(len(data) * keep) if keep < 1 else int(keep)
    seeded.write_bytes(data[:size])
    refused(seeded, "corrupt")


def test_a_damaged_page(seeded: Path) -> None:
    data = bytearray(seeded.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[2 * page : 3 * page] = b"\xa5" * page  # the third page, whatever it holds
    seeded.write_bytes(bytes(data))
    refused(seeded, "corrupt")


def test_a_file_that_is_not_sqlite(db_path: Path) -> None:
    db_path.write_text("name,hei\nsomeone,uni-a.example.org\n")
    assert "not an SQLite database" in str(refused(db_path, "not-sqlite"))


def test_a_directory(db_path: Path) -> None:
    db_path.mkdir()
    refused(db_path, "not-a-file")


def test_missing_when_creating_is_not_asked(db_path: Path) -> None:
    refused(db_path, "missing", create=False)
    assert not db_path.exists()


@pytest.fixture
def read_only(seeded: Path) -> Iterator[Path]:
    mode = seeded.stat().st_mode
    seeded.chmod(stat.S_IRUSR | stat.S_IRGRP)
    yield seeded
    seeded.chmod(mode)


def test_a_read_only_file(read_only: Path) -> None:
    assert "read-only" in str(refused(read_only, "read-only"))


def test_a_read_only_directory(seeded: Path) -> None:
    folder = seeded.parent
    mode = folder.stat().st_mode
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        refused(seeded, "read-only")
        refused(folder / "new.db", "read-only")
    finally:
        folder.chmod(mode)


def test_a_database_another_node_holds(seeded: Path) -> None:
    with SqliteState.open(seeded):
        with pytest.raises(StateDbError) as caught:
            SqliteState.open(seeded)
        assert caught.value.reason == "locked"
    with SqliteState.open(seeded) as state:  # free again once the first is closed
        assert not state.is_empty()


def test_an_empty_file_is_a_new_database(db_path: Path) -> None:
    db_path.touch()
    with SqliteState.open(db_path) as state:
        assert state.created
        assert state.is_empty()
    with SqliteState.open(db_path) as state:
        assert not state.created


def test_our_own_database_reopens_after_refusals_left_it_alone(seeded: Path) -> None:
    with SqliteState.open(seeded) as state:
        assert state.meta()["program"] == "ewp-mock"
    connection = sqlite3.connect(f"{seeded.as_uri()}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()
