"""One SQLite connection shared by the repositories, and the transactions over it.

Thread-safety: the node runs its ASGI app on one event loop, but tests, the
CLI and an outbox worker may use the store from other threads. A
:class:`Database` therefore holds **one** connection (opened with
``check_same_thread=False``) behind a re-entrant lock: every read and every
transaction holds the lock for its whole length, so statements of two threads
never interleave and a thread inside :meth:`Database.transaction` sees its
own writes in every repository call it makes. Another process is kept out by
SQLite's own lock (see :mod:`.state`). The calls are short (a node holds
hundreds of rows, not millions), so the event loop waits at most a few
milliseconds on a thread's transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ewp_client.errors import StateDbError

from .fileformat import refuse

__all__ = ["Database"]


class Database:
    """The connection, its lock and the nesting of :meth:`transaction`."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = connection
        self._lock = threading.RLock()
        self._depth = 0

    @property
    def lock(self) -> threading.RLock:
        """The lock every read and transaction holds (see the module docstring)."""
        return self._lock

    @property
    def connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise StateDbError(
                f"{self.path}: the database is closed", path=str(self.path), reason="closed"
            )
        return self._connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Everything done inside commits together, or not at all.

        The outermost level is ``BEGIN IMMEDIATE`` (the write lock is taken at
        once, so a compare-and-swap reads what it will overwrite); a nested
        level is a savepoint, rolled back alone when its block raises. A block
        that raises rolls its level back and lets the exception through; a
        failure of SQLite itself (disk full, I/O error) is a
        :class:`~ewp_client.errors.StateDbError` (``reason="os-error"``).
        """
        with self._lock:
            connection = self.connection
            level = self._depth
            name = f"level{level}"
            try:
                connection.execute("BEGIN IMMEDIATE" if level == 0 else f"SAVEPOINT {name}")
            except sqlite3.Error as exc:
                raise self._failure(exc) from exc
            self._depth += 1
            try:
                yield connection
            except BaseException:
                self._depth -= 1
                self._undo(connection, level, name)
                raise
            self._depth -= 1
            try:
                connection.execute("COMMIT" if level == 0 else f"RELEASE {name}")
            except sqlite3.Error as exc:
                self._undo(connection, level, name)
                raise self._failure(exc) from exc

    @staticmethod
    def _undo(connection: sqlite3.Connection, level: int, name: str) -> None:
        try:
            if level == 0:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            else:
                connection.execute(f"ROLLBACK TO {name}")
                connection.execute(f"RELEASE {name}")
        except sqlite3.Error:  # the connection is gone or broken; the first error tells why
            pass

    def _failure(self, exc: sqlite3.Error) -> StateDbError:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            return refuse(self.path, "read-only", f"cannot write: {text}")
        if "locked" in text or "busy" in text:
            return refuse(self.path, "locked", f"in use by another process: {text}")
        return refuse(self.path, "os-error", f"SQLite failed: {text}")

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """The rows of one read (under the lock, seeing this thread's open transaction)."""
        with self._lock:
            try:
                return self.connection.execute(sql, parameters).fetchall()
            except sqlite3.OperationalError as exc:
                raise self._failure(exc) from exc

    def one(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, parameters)
        return rows[0] if rows else None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    @property
    def closed(self) -> bool:
        return self._connection is None
