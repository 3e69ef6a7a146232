"""Where the outbox keeps its entries, so that a restart loses no pending notification.

The outbox writes through: every change it makes (a notification queued, a
delivery handed out, an outcome recorded, an expiry) is saved before the
outbox's own view changes, in one :meth:`OutboxStore.save` call per step.
A store that commits each call atomically (an SQLite transaction) therefore
never holds half a step, and once :meth:`~ewp_client.cnr.Outbox.enqueue`
has returned the notification survives a crash. A node that changes its
data and queues the notification in one transaction of its own gets the
stronger guarantee the mock needs: no committed change without its
notification.

Entries are plain data with a JSON form (:meth:`OutboxEntry.to_json`), keyed
by :meth:`NotificationKey.as_string`; a store needs no other schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from .model import NotificationKey, OutboxEntry

__all__ = ["MemoryOutboxStore", "OutboxStore"]


@runtime_checkable
class OutboxStore(Protocol):
    """The persistence an :class:`~ewp_client.cnr.Outbox` needs."""

    def load(self) -> Iterable[OutboxEntry]:
        """Every entry kept (read once, when an outbox is made over the store)."""
        ...

    def save(self, entries: Sequence[OutboxEntry]) -> None:
        """Insert or replace ``entries`` (by key), all of them or none."""
        ...

    def delete(self, keys: Sequence[NotificationKey]) -> None:
        """Forget the entries of ``keys`` (unknown keys are ignored), all of them or none."""
        ...


class MemoryOutboxStore:
    """An :class:`OutboxStore` in memory: the default, lost with the process.

    Entries are immutable, so it keeps them as they are (no serialising on
    every step); an outbox made again over the same store (a "restart" in
    tests) reads them back.
    """

    def __init__(self) -> None:
        self._entries: dict[NotificationKey, OutboxEntry] = {}

    def load(self) -> list[OutboxEntry]:
        return list(self._entries.values())

    def save(self, entries: Sequence[OutboxEntry]) -> None:
        self._entries.update((entry.key, entry) for entry in entries)

    def delete(self, keys: Sequence[NotificationKey]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
