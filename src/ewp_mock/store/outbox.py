"""The CNR outbox kept in the node's database: an :class:`~ewp_client.cnr.OutboxStore`."""

from __future__ import annotations

from collections.abc import Sequence

from ewp_client.cnr import NotificationKey, OutboxEntry
from ewp_client.errors import ConfigError

from .db import Database

__all__ = ["SqliteOutboxStore"]


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
