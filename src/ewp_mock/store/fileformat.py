"""The ``--db`` file format, and the checks a file passes before the node writes to it.

A node's database is an SQLite 3 file that says it is ours in three places:

* ``PRAGMA application_id`` = :data:`APPLICATION_ID` (``0x4557504D``, "EWPM"
  in ASCII; offset 68 of the file header, as ``file(1)`` reports it);
* ``PRAGMA user_version`` = :data:`SCHEMA_VERSION`, the version of the tables
  (a file of another version is refused: there is no migration yet);
* a ``meta`` table whose ``program`` row is :data:`PROGRAM`.

:func:`inspect_file` decides, before anything is written, whether ``path``
is a new database to create, one of ours to use, or a file to refuse. It
reads an existing file through a read-only connection only (``mode=ro``), so
a refused file keeps every byte and no file is added beside it (when a
``-wal`` file is already there, SQLite may refresh the ``-shm`` index next to
it; that file is a cache, rebuilt from the WAL). Every refusal is
a :class:`~ewp_client.errors.StateDbError` whose ``path`` is the file and
whose ``reason`` is one of:

``not-a-file``
    a directory or a device where the database goes;
``missing``
    no file, and the caller asked not to create one;
``not-sqlite``
    the file is not an SQLite 3 database (its first 16 bytes say so);
``foreign``
    an SQLite database of another program (another ``application_id``, a
    ``meta`` table naming another program, or tables that are not ours);
``corrupt``
    a database cut short (shorter than its header says, or under 100
    bytes), or one ``PRAGMA quick_check`` or SQLite itself finds damaged;
``unsupported-version``
    one of ours, written by a version of the tables this program does not read;
``read-only``
    the file, its ``-wal`` / ``-shm`` companions or its directory cannot be
    written (no write permission bit, or the system says so; checked by the
    mode bits too, since ``root`` may write anywhere);
``locked``
    another process holds the database (a node already runs on it);
``closed``
    the state was closed and then used;
``os-error``
    the system refused otherwise (permissions, disk, a missing directory).
"""

from __future__ import annotations

import enum
import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ewp_client.errors import StateDbError

__all__ = [
    "APPLICATION_ID",
    "PROGRAM",
    "SCHEMA_VERSION",
    "FileVerdict",
    "Inspection",
    "inspect_file",
    "refuse",
]

#: ``PRAGMA application_id`` of a node's database: "EWPM" as a big-endian 32-bit integer.
APPLICATION_ID: Final = 0x4557504D
#: ``PRAGMA user_version``: the version of the tables (see :mod:`.schema`).
SCHEMA_VERSION: Final = 1
#: The ``program`` row of the ``meta`` table.
PROGRAM: Final = "ewp-mock"

_MAGIC: Final = b"SQLite format 3\x00"
_HEADER: Final = 100


class FileVerdict(enum.Enum):
    """What :func:`inspect_file` found at the path."""

    NEW = "new"  # nothing there (or an empty file): a database is created
    OURS = "ours"  # one of ours, intact, of this schema version


@dataclass(frozen=True, slots=True)
class Inspection:
    verdict: FileVerdict
    path: Path


def refuse(path: Path | str, reason: str, message: str) -> StateDbError:
    """The error refusing ``path`` (the message names the file and says what to do)."""
    return StateDbError(f"{path}: {message}", path=str(path), reason=reason)


def inspect_file(path: Path, *, create: bool = True) -> Inspection:
    """Whether ``path`` is a new database, one of ours, or a file to refuse (raised).

    Writes nothing. A missing file is :attr:`FileVerdict.NEW` when ``create``
    and its directory is writable; a zero-byte file (``touch``) is new too, as
    SQLite itself sees it. Raises :class:`~ewp_client.errors.StateDbError`
    (see the module docstring for the reasons).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if not create:
            raise refuse(
                path, "missing", "no such database (and creating one was not asked)"
            ) from None
        _check_directory(path)
        return Inspection(FileVerdict.NEW, path)
    except OSError as exc:
        raise refuse(path, "os-error", f"cannot read: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise refuse(path, "not-a-file", "not a regular file; --db names a database file")
    _check_writable(path, info)
    if info.st_size == 0:
        _check_companions(path)
        return Inspection(FileVerdict.NEW, path)
    header = _read_header(path)
    if len(header) < len(_MAGIC) and _MAGIC.startswith(header):
        raise refuse(path, "corrupt", f"cut short: {len(header)} bytes of an SQLite header")
    if not header.startswith(_MAGIC):
        raise refuse(
            path,
            "not-sqlite",
            "not an SQLite database (not written by ewp-mock); refusing to use or overwrite it",
        )
    if len(header) < _HEADER:
        raise refuse(path, "corrupt", f"cut short: {len(header)} bytes, not an SQLite database")
    application_id = int.from_bytes(header[68:72], "big", signed=True)
    if application_id != APPLICATION_ID:
        raise refuse(
            path,
            "foreign",
            f"an SQLite database of another program (application_id {application_id:#x}, "
            f"ewp-mock writes {APPLICATION_ID:#x}); refusing to use or overwrite it",
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages and info.st_size < pages * page_size:
        raise refuse(
            path,
            "corrupt",
            f"truncated: {info.st_size} bytes where its header counts {pages} pages of "
            f"{page_size} bytes; restore it from a copy or remove it",
        )
    _check_companions(path)
    _check_contents(path)
    return Inspection(FileVerdict.OURS, path)


def _read_header(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(_HEADER)
    except OSError as exc:
        raise refuse(path, "os-error", f"cannot read: {exc.strerror or exc}") from exc


def _no_write_bits(info: os.stat_result) -> bool:
    return info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0


def _check_writable(path: Path, info: os.stat_result) -> None:
    if _no_write_bits(info) or not os.access(path, os.W_OK):
        raise refuse(path, "read-only", "the database file is read-only; the node must write it")
    _check_directory(path)


def _check_directory(path: Path) -> None:
    """SQLite writes ``-wal`` and ``-shm`` files next to the database: its folder must take them."""
    folder = path.parent
    try:
        info = folder.stat()
    except FileNotFoundError:
        raise refuse(path, "os-error", f"its directory {folder} does not exist") from None
    except OSError as exc:
        raise refuse(path, "os-error", f"cannot read its directory: {exc.strerror or exc}") from exc
    if not stat.S_ISDIR(info.st_mode):
        raise refuse(path, "os-error", f"{folder} is not a directory")
    if _no_write_bits(info) or not os.access(folder, os.W_OK | os.X_OK):
        raise refuse(
            path,
            "read-only",
            f"its directory {folder} is read-only; SQLite writes its journal (-wal) there",
        )


def _check_companions(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        try:
            info = companion.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise refuse(
                path, "os-error", f"cannot read {companion}: {exc.strerror or exc}"
            ) from exc
        if suffix == "-journal":
            raise refuse(
                path,
                "foreign",
                f"{companion.name} is a rollback journal, which ewp-mock never writes "
                "(it uses WAL): another program's database",
            )
        if not stat.S_ISREG(info.st_mode):
            raise refuse(path, "not-a-file", f"{companion} is not a regular file")
        if _no_write_bits(info) or not os.access(companion, os.W_OK):
            raise refuse(path, "read-only", f"{companion} is read-only")


def _check_contents(path: Path) -> None:
    """Ours by its schema and intact by ``quick_check``, read through a read-only connection."""
    from .schema import TABLES

    # Without a WAL beside it the file alone is the database: ``immutable`` reads it
    # without creating a -wal or -shm file. With one (a node stopped without closing),
    # the WAL holds committed changes and must be read too: SQLite then refreshes -shm.
    wal = path.with_name(path.name + "-wal").exists()
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if wal else 'immutable=1'}"
    try:
        connection = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=0.2)
    except sqlite3.Error as exc:
        raise refuse(path, "os-error", f"cannot open: {exc}") from exc
    try:
        connection.execute("PRAGMA query_only = ON")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        names = {
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if "meta" not in names:
            raise refuse(path, "foreign", "no meta table: not an ewp-mock database")
        program = connection.execute("SELECT value FROM meta WHERE key = 'program'").fetchone()
        if program is None or program[0] != PROGRAM:
            named = "none" if program is None else repr(program[0])
            raise refuse(path, "foreign", f"its meta table names program {named}, not {PROGRAM!r}")
        if version != SCHEMA_VERSION:
            raise refuse(
                path,
                "unsupported-version",
                f"written with schema version {version}; this ewp-mock reads version "
                f"{SCHEMA_VERSION} only",
            )
        extra = sorted(names - set(TABLES))
        missing = sorted(set(TABLES) - names)
        if extra or missing:
            raise refuse(
                path,
                "foreign",
                f"its tables are not ewp-mock's (unknown: {extra}, missing: {missing})",
            )
        verdict = [r[0] for r in connection.execute("PRAGMA quick_check")]
        if verdict != ["ok"]:
            raise refuse(path, "corrupt", f"damaged (quick_check: {verdict[0]!s:.200})")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise refuse(path, "locked", "in use by another process (a node runs on it)") from exc
        raise refuse(path, "corrupt", f"unreadable: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise refuse(path, "corrupt", f"damaged: {exc}") from exc
    finally:
        connection.close()
