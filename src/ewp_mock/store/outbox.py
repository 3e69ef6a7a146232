"""The CNR outbox kept in the node's database: an :class:`~ewp_client.cnr.OutboxStore`.

:class:`SqliteOutbox` is the library's :class:`~ewp_client.cnr.Outbox` over
it, holding the database's own lock instead of one of its own: a change
and its notification written in one :meth:`~.state.SqliteState.transaction`
(database lock, then outbox) and a delivery round recording an outcome
(outbox, then database) then take the same lock, in any thread, and cannot
deadlock. :meth:`SqliteOutbox.reload` makes its view the file's again after
a transaction that enqueued was rolled back.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ewp_client.cnr import NotificationKey, Outbox, OutboxEntry, OutboxPolicy
from ewp_client.errors import ConfigError

from .db import Database

__all__ = ["SqliteOutbox", "SqliteOutboxStore"]


class SqliteOutboxStore:
    """Outbox entries as rows of JSON (:meth:`~ewp_client.cnr.OutboxEntry.to_json`) by key.

    :meth:`save` and :meth:`delete` are each one transaction, or part of the
    caller's :meth:`~.state.SqliteState.transaction`: a node that changes an
    object and enqueues its notification inside one transaction commits both
    or neither. Once ``save`` has returned outside such a block, the entries
    are on disk (see :mod:`.state` on durability). :meth:`load` lists entries
    in the order they were first saved; an entry another version of the
    program wrote in a form this one does not read raises
    :class:`~ewp_client.errors.ConfigError` naming its key.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def lock(self) -> threading.RLock:
        """The database's lock (what :class:`SqliteOutbox` holds)."""
        return self._db.lock

    def load(self) -> list[OutboxEntry]:
        rows = self._db.query("SELECT key, entry_json FROM outbox ORDER BY rowid")
        entries = []
        for key, text in rows:
            try:
                entries.append(OutboxEntry.from_json(text))
            except ConfigError as exc:
                raise ConfigError(f"outbox entry {key}: {exc}") from exc
        return entries

    def save(self, entries: Sequence[OutboxEntry]) -> None:
        with self._db.transaction() as c:
            c.executemany(
                "INSERT INTO outbox (key, entry_json) VALUES (?, ?) ON CONFLICT (key) "
                "DO UPDATE SET entry_json = excluded.entry_json",
                [(e.key.as_string(), e.to_json()) for e in entries],
            )

    def delete(self, keys: Sequence[NotificationKey]) -> None:
        with self._db.transaction() as c:
            c.executemany("DELETE FROM outbox WHERE key = ?", [(k.as_string(),) for k in keys])

    def __len__(self) -> int:
        return int(self._db.one("SELECT count(*) FROM outbox")[0])


class SqliteOutbox(Outbox):
    """An :class:`~ewp_client.cnr.Outbox` over ``store`` that holds the database's lock."""

    def __init__(self, store: SqliteOutboxStore, *, policy: OutboxPolicy | None = None) -> None:
        super().__init__(store, policy=policy)
        self._lock = store.lock
        self._sqlite_store = store

    def reload(self) -> None:
        """Read the entries from the file again (after a rolled-back transaction that enqueued)."""
        with self._lock:
            self._entries = {entry.key: entry for entry in self._sqlite_store.load()}
