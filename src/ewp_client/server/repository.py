"""What a data store must provide for the server handlers: a small Protocol per API.

A SIS team implements :class:`IiaRepository` over its own database; the mock
uses :class:`InMemoryIiaRepository`. The handlers in :mod:`ewp_client.server.iias`
only read through it, so the store decides nothing about the protocol. The LA
``update`` endpoint is the one that writes: a :class:`WritableLaRepository`
replaces one learning agreement at a time, only if it is still the version the
update was decided on (a compare-and-swap, so two concurrent updates cannot
both apply). A repository that also knows when each LA last changed
(:class:`LaChangeTimes`) lets ``index`` apply ``modified_since``; the
in-memory one reads those times from a business :class:`~ewp_client.clock.Clock`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from ..clock import Clock, SystemClock
from ..errors import ConfigError
from ..iia.approval import ApprovalRecord
from ..models import Iia, Institution, OrganizationalUnit
from ..ola import SendingLa

__all__ = [
    "ApprovalRepository",
    "DirectoryRepository",
    "IiaRepository",
    "InMemoryApprovalRepository",
    "InMemoryDirectory",
    "InMemoryIiaRepository",
    "InMemoryLaRepository",
    "LaRepository",
    "StoredIia",
    "WritableLaRepository",
]


@dataclass(frozen=True, slots=True)
class StoredIia:
    """One agreement as a HEI serves it, when it last changed, and who approved what.

    ``iia.partners[0]`` is the serving HEI (its ``iia_id`` is the id partners
    ask for); ``modified`` (timezone-aware) answers ``index``'s
    ``modified_since``; ``None`` when the store does not know, and the
    agreement is then always listed (the spec lets servers ignore the filter
    rather than miss a change). ``approved_locally``: the serving HEI approved the
    partner's copy; ``approved_by_partner``: the partner approved this copy
    (what the ``stats`` endpoint counts).
    """

    iia: Iia
    modified: datetime | None = None
    approved_locally: bool = False
    approved_by_partner: bool = False

    def __post_init__(self) -> None:
        if self.modified is not None and self.modified.utcoffset() is None:
            raise ConfigError("StoredIia.modified must be timezone-aware")

    @property
    def iia_id(self) -> str | None:
        return self.iia.partners[0].iia_id


@runtime_checkable
class IiaRepository(Protocol):
    """The agreements each served HEI holds."""

    def iias_of(self, hei_id: str) -> Iterable[StoredIia]:
        """Every agreement ``hei_id`` serves (its copies: ``partners[0]`` is ``hei_id``)."""

    def find(self, hei_id: str, iia_id: str) -> StoredIia | None:
        """``hei_id``'s agreement of id ``iia_id``, ``None`` when unknown."""


class InMemoryIiaRepository:
    """An :class:`IiaRepository` in a dictionary (tests, the mock partner); thread-safe.

    ``clock`` (business time, the system time by default) dates an agreement
    put without a change time.
    """

    def __init__(self, iias: Iterable[StoredIia] = (), *, clock: Clock | None = None) -> None:
        self._lock = threading.Lock()
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._iias: dict[tuple[str, str], StoredIia] = {}
        for stored in iias:
            self.put(stored)

    def put(self, stored: StoredIia | Iia, modified: datetime | None = None) -> StoredIia:
        """Store (or replace) an agreement under its serving HEI and id; returns what is stored.

        A bare :class:`~ewp_client.models.Iia` is stored as changed at
        ``modified`` (the clock's time when not given).
        """
        if isinstance(stored, Iia):
            stored = StoredIia(stored, modified or self._clock.now())
        hei_id = stored.iia.partners[0].hei_id
        if not stored.iia_id:
            raise ConfigError(f"an IIA served by {hei_id} needs its partners[0].iia_id")
        with self._lock:
            self._iias[(hei_id.lower(), stored.iia_id)] = stored
        return stored

    def iias_of(self, hei_id: str) -> list[StoredIia]:
        with self._lock:
            return [s for (hei, _), s in self._iias.items() if hei == hei_id.lower()]

    def find(self, hei_id: str, iia_id: str) -> StoredIia | None:
        with self._lock:
            return self._iias.get((hei_id.lower(), iia_id))

    def delete(self, hei_id: str, iia_id: str) -> bool:
        """Stop serving ``hei_id``'s agreement ``iia_id``; whether it was served.

        Only the store's part: whether a HEI may delete an agreement, and that
        its id is then never used again, is the lifecycle's
        (:class:`~ewp_client.iia.IiaBook`).
        """
        with self._lock:
            return self._iias.pop((hei_id.lower(), iia_id), None) is not None


@runtime_checkable
class ApprovalRepository(Protocol):
    """The approvals each served HEI gave to its partners' copies (IIA Approval v2)."""

    def approval(self, hei_id: str, partner_hei_id: str, iia_id: str) -> ApprovalRecord | None:
        """``hei_id``'s approval of ``partner_hei_id``'s agreement ``iia_id`` (the partner's id)."""


class InMemoryApprovalRepository:
    """An :class:`ApprovalRepository` in a dictionary; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str, str], ApprovalRecord] = {}

    def put(self, hei_id: str, record: ApprovalRecord) -> None:
        """Record that ``hei_id`` approved ``record`` (replacing an earlier approval)."""
        key = (hei_id.lower(), record.partner_hei_id.lower(), record.iia_id)
        with self._lock:
            self._records[key] = record

    def approval(self, hei_id: str, partner_hei_id: str, iia_id: str) -> ApprovalRecord | None:
        with self._lock:
            return self._records.get((hei_id.lower(), partner_hei_id.lower(), iia_id))


@runtime_checkable
class DirectoryRepository(Protocol):
    """The served HEIs' institution records and organizational units (Institutions, OUnits)."""

    def institution(self, hei_id: str) -> Institution | None:
        """``hei_id``'s record, ``None`` when the server does not cover it."""

    def ounits(self, hei_id: str) -> Sequence[OrganizationalUnit]:
        """``hei_id``'s organizational units (none for an HEI not covered)."""


class InMemoryDirectory:
    """A :class:`DirectoryRepository` over records given once (tests, the mock partner)."""

    def __init__(
        self, heis: Iterable[tuple[Institution, Sequence[OrganizationalUnit]]] = ()
    ) -> None:
        self._heis = {i.hei_id.lower(): (i, tuple(units)) for i, units in heis}

    def institution(self, hei_id: str) -> Institution | None:
        found = self._heis.get(hei_id.lower())
        return found[0] if found else None

    def ounits(self, hei_id: str) -> Sequence[OrganizationalUnit]:
        found = self._heis.get(hei_id.lower())
        return found[1] if found else ()


@runtime_checkable
class LaRepository(Protocol):
    """The learning agreements each covered sending HEI keeps (what ``get`` and ``index`` read)."""

    def covers(self, hei_id: str) -> bool:
        """Whether this server serves ``hei_id``'s LAs."""

    def las_of(self, hei_id: str) -> Iterable[SendingLa]:
        """``hei_id``'s LAs, drafts included (the handlers leave them out)."""


@runtime_checkable
class WritableLaRepository(LaRepository, Protocol):
    """An :class:`LaRepository` the ``update`` endpoint can write to.

    :meth:`replace` is a compare-and-swap: a database implements it as one
    transaction that checks the stored version (a version column, a row hash)
    before writing.
    """

    def find(self, hei_id: str, omobility_id: str) -> SendingLa | None:
        """``hei_id``'s LA ``omobility_id`` (a draft too), ``None`` when unknown."""

    def replace(self, hei_id: str, current: SendingLa, new: SendingLa) -> bool:
        """Store ``new`` in place of ``current`` (the same mobility), atomically.

        Returns ``False``, storing nothing, when the stored record is no
        longer ``current`` (another update came first).
        """


@runtime_checkable
class LaChangeTimes(Protocol):
    """When each LA last changed: what ``index`` compares ``modified_since`` with.

    Optional: an :class:`LaRepository` without it has every LA listed whatever
    the ``modified_since`` (the spec lets a server list unchanged LAs rather
    than miss a change).
    """

    def modified(self, hei_id: str, omobility_id: str) -> datetime | None:
        """When ``hei_id``'s LA ``omobility_id`` last changed (aware); ``None`` when unknown."""


class InMemoryLaRepository:
    """A :class:`WritableLaRepository` in a dictionary by sending HEI (tests, mock); thread-safe.

    HEI ids compare case-insensitively; within a HEI, one record per
    ``omobility-id`` (the last given wins), in the order given. It keeps
    :class:`LaChangeTimes` read from ``clock`` (business time, the system
    time by default): every LA given is changed when the repository is made,
    and again on each :meth:`replace` (or at the time :meth:`put` is given).
    """

    def __init__(
        self, las: Mapping[str, Iterable[SendingLa]], *, clock: Clock | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._las: dict[str, dict[str, SendingLa]] = {
            hei.lower(): {r.la.omobility_id: r for r in records} for hei, records in las.items()
        }
        now = self._clock.now()
        self._modified: dict[tuple[str, str], datetime] = {
            (hei, omobility_id): now
            for hei, records in self._las.items()
            for omobility_id in records
        }

    def covers(self, hei_id: str) -> bool:
        return hei_id.lower() in self._las

    def las_of(self, hei_id: str) -> tuple[SendingLa, ...]:
        with self._lock:
            return tuple(self._las.get(hei_id.lower(), {}).values())

    def find(self, hei_id: str, omobility_id: str) -> SendingLa | None:
        with self._lock:
            return self._las.get(hei_id.lower(), {}).get(omobility_id)

    def modified(self, hei_id: str, omobility_id: str) -> datetime | None:
        with self._lock:
            return self._modified.get((hei_id.lower(), omobility_id))

    def replace(self, hei_id: str, current: SendingLa, new: SendingLa) -> bool:
        omobility_id = current.la.omobility_id
        if new.la.omobility_id != omobility_id:
            raise ConfigError(
                f"cannot replace LA {omobility_id!r} by another mobility's "
                f"({new.la.omobility_id!r})"
            )
        with self._lock:
            records = self._las.get(hei_id.lower())
            if records is None or records.get(omobility_id) != current:
                return False
            records[omobility_id] = new
            self._modified[(hei_id.lower(), omobility_id)] = self._clock.now()
            return True

    def put(self, state: SendingLa, modified: datetime | None = None) -> None:
        """Store ``state`` under its sending HEI (added, or replacing that mobility's record).

        Unconditional, unlike :meth:`replace`: for the sending HEI's own steps
        (a new LA, its first proposal). It is dated ``modified`` (now on the
        clock when not given); a HEI not covered yet is covered from then on.
        """
        if modified is not None and modified.utcoffset() is None:
            raise ConfigError("an LA's change time must be timezone-aware")
        hei = state.la.sending_hei.hei_id.lower()
        omobility_id = state.la.omobility_id
        when = modified or self._clock.now()
        with self._lock:
            self._las.setdefault(hei, {})[omobility_id] = state
            self._modified[(hei, omobility_id)] = when

    def delete(self, hei_id: str, omobility_id: str) -> bool:
        """Forget ``hei_id``'s LA ``omobility_id``; whether it was kept."""
        key = (hei_id.lower(), omobility_id)
        with self._lock:
            self._modified.pop(key, None)
            return self._las.get(key[0], {}).pop(omobility_id, None) is not None
