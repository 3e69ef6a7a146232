"""The node's repositories over its database; each satisfies an ``ewp_client.server`` protocol.

Every method reads or writes the database at once (no copy is cached but the
decoded documents, see :mod:`.serial`); a write is one transaction, or joins
the one its caller opened with :meth:`~.state.SqliteState.transaction`
(a change and the notification it calls for commit together). HEI ids are
matched without regard to case, as in the in-memory repositories.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from ewp_client.clock import Clock
from ewp_client.errors import ConfigError
from ewp_client.iia import ApprovalRecord, ApprovedVersion, IiaBook, ServedIia, served_hash
from ewp_client.models import Factsheet, Iia, Institution, OrganizationalUnit
from ewp_client.ola import ReceivedLa, SendingLa
from ewp_client.security import KeyInfo, key_id, load_public_key
from ewp_client.security.keys import public_key_pem
from ewp_client.server.repository import StoredIia

from . import serial
from .db import Database

__all__ = [
    "AdmittedKey",
    "SqliteApprovals",
    "SqliteClients",
    "SqliteDirectory",
    "SqliteFactsheets",
    "SqliteIias",
    "SqliteIncomingLas",
    "SqliteLas",
    "SqlitePartnerIias",
]


def _key(hei_id: str) -> str:
    return hei_id.lower()


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _now(clock: Clock | None) -> datetime:
    return clock.now() if clock is not None else datetime.now(UTC)


# ---------------------------------------------------------------------- IIAs


class SqliteIias:
    """The IIAs each served HEI serves: an :class:`~ewp_client.server.IiaRepository`.

    A row is a :class:`~ewp_client.server.repository.StoredIia` (the copy,
    when it changed, the two approval flags) and, when written from the IIA
    lifecycle (:meth:`put_served`, :meth:`save_book`), the whole
    :class:`~ewp_client.iia.ServedIia` (hashes, last mutually approved
    snapshot); the iia-ids a HEI retired are kept with them (:meth:`book`).
    ``clock`` (business time: the node's clock) dates an agreement
    :meth:`put` without a change time; the system time until one is given.
    """

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self.clock: Clock | None = clock

    # -- the protocol

    def iias_of(self, hei_id: str) -> list[StoredIia]:
        rows = self._db.query(
            "SELECT iia, modified, approved_locally, approved_by_partner FROM iias "
            "WHERE hei_key = ? ORDER BY rowid",
            (_key(hei_id),),
        )
        return [self._stored(row) for row in rows]

    def find(self, hei_id: str, iia_id: str) -> StoredIia | None:
        row = self._db.one(
            "SELECT iia, modified, approved_locally, approved_by_partner FROM iias "
            "WHERE hei_key = ? AND iia_id = ?",
            (_key(hei_id), iia_id),
        )
        return None if row is None else self._stored(row)

    @staticmethod
    def _stored(row: Any) -> StoredIia:
        return StoredIia(
            serial.decode_iia(row[0]),
            _time(row[1]),
            approved_locally=bool(row[2]),
            approved_by_partner=bool(row[3]),
        )

    # -- writing

    def put(self, stored: StoredIia | Iia, modified: datetime | None = None) -> StoredIia:
        """Store (or replace) an agreement as :meth:`InMemoryIiaRepository.put` does.

        An :class:`~ewp_client.models.Iia` alone is stored as changed at
        ``modified`` (when not given: now on :attr:`clock`, the system time
        without one). Its lifecycle record, if one was kept, is dropped (the
        flags say all that is known).
        """
        if isinstance(stored, Iia):
            stored = StoredIia(stored, modified or _now(self.clock))
        self._write(stored, None)
        return stored

    def put_served(self, served: ServedIia, modified: datetime | None) -> StoredIia:
        """Store the lifecycle record of an IIA its first partner serves.

        The flags follow from it: approved locally when we approved the
        partner's copy since ours last changed, by the partner when its
        approval quotes the hash served now.
        """
        stored = StoredIia(
            served.iia,
            modified,
            approved_locally=served.partner_hash is not None,
            approved_by_partner=served.partner_approved_hash == served.iia_hash,
        )
        self._write(stored, served)
        return stored

    def _write(self, stored: StoredIia, served: ServedIia | None) -> None:
        hei_id = stored.iia.partners[0].hei_id
        if not stored.iia_id:
            raise ConfigError(f"an IIA served by {hei_id} needs its partners[0].iia_id")
        lifecycle = last_iia = None
        if served is not None:
            last = served.last_approved
            lifecycle = json.dumps(
                {
                    "iia_hash": served.iia_hash,
                    "partner_approved_hash": served.partner_approved_hash,
                    "partner_hash": served.partner_hash,
                    "exchanges_took_place": served.exchanges_took_place,
                    "last_approved": None
                    if last is None
                    else {"iia_hash": last.iia_hash, "partner_hash": last.partner_hash},
                },
                sort_keys=True,
            )
            last_iia = None if last is None else serial.encode_iia(last.iia)
        row = (
            _key(hei_id),
            stored.iia_id,
            serial.encode_iia(stored.iia),
            None if stored.modified is None else stored.modified.isoformat(),
            int(stored.approved_locally),
            int(stored.approved_by_partner),
            lifecycle,
            last_iia,
        )
        with self._db.transaction() as c:
            c.execute(
                "INSERT INTO iias (hei_key, iia_id, iia, modified, approved_locally, "
                "approved_by_partner, lifecycle_json, last_approved_iia) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hei_key, iia_id) DO UPDATE SET "
                "iia = excluded.iia, modified = excluded.modified, "
                "approved_locally = excluded.approved_locally, "
                "approved_by_partner = excluded.approved_by_partner, "
                "lifecycle_json = excluded.lifecycle_json, "
                "last_approved_iia = excluded.last_approved_iia",
                row,
            )

    def delete(self, hei_id: str, iia_id: str, *, retire: bool = True) -> bool:
        """Stop serving ``iia_id``; with ``retire`` its id is never used again. Whether it was."""
        with self._db.transaction() as c:
            gone = c.execute(
                "DELETE FROM iias WHERE hei_key = ? AND iia_id = ?", (_key(hei_id), iia_id)
            ).rowcount
            if retire:
                c.execute(
                    "INSERT OR IGNORE INTO retired_iias (hei_key, iia_id) VALUES (?, ?)",
                    (_key(hei_id), iia_id),
                )
        return gone > 0

    # -- the lifecycle view

    def served(self, hei_id: str, iia_id: str) -> ServedIia | None:
        """The :class:`~ewp_client.iia.ServedIia` of ``iia_id``, ``None`` when not served.

        For a row written by :meth:`put` (flags only) the record is rebuilt
        from what the flags say: the hash of the copy, the partner's approval
        of it when ``approved_by_partner``; which copy of the partner's we
        approved is not known.
        """
        row = self._db.one(
            "SELECT iia, approved_by_partner, lifecycle_json, last_approved_iia FROM iias "
            "WHERE hei_key = ? AND iia_id = ?",
            (_key(hei_id), iia_id),
        )
        return None if row is None else self._served(row)

    @staticmethod
    def _served(row: Any) -> ServedIia:
        iia = serial.decode_iia(row[0])
        if row[2] is None:
            digest = iia.iia_hash or served_hash(iia)
            return ServedIia(
                iia=iia, iia_hash=digest, partner_approved_hash=digest if row[1] else None
            )
        data = json.loads(row[2])
        last = data["last_approved"]
        return ServedIia(
            iia=iia,
            iia_hash=data["iia_hash"],
            partner_approved_hash=data["partner_approved_hash"],
            partner_hash=data["partner_hash"],
            exchanges_took_place=data["exchanges_took_place"],
            last_approved=None
            if last is None
            else ApprovedVersion(serial.decode_iia(row[3]), last["iia_hash"], last["partner_hash"]),
        )

    def book(self, hei_id: str) -> IiaBook:
        """``hei_id``'s IIAs as the lifecycle keeps them: served by iia-id, and retired ids."""
        rows = self._db.query(
            "SELECT iia_id, iia, approved_by_partner, lifecycle_json, last_approved_iia "
            "FROM iias WHERE hei_key = ? ORDER BY rowid",
            (_key(hei_id),),
        )
        retired = self._db.query(
            "SELECT iia_id FROM retired_iias WHERE hei_key = ? ORDER BY rowid", (_key(hei_id),)
        )
        return IiaBook(
            {row[0]: self._served(row[1:]) for row in rows}, frozenset(r[0] for r in retired)
        )

    def save_book(self, hei_id: str, book: IiaBook, modified: datetime | None) -> tuple[str, ...]:
        """Make ``hei_id``'s IIAs what ``book`` holds (e.g. ``BookTransition.book``), atomically.

        IIAs whose record changed are stored as changed at ``modified``;
        those unchanged keep their time; those no longer served are removed;
        the retired ids become ``book.retired``. Returns the iia-ids added,
        changed or removed.
        """
        changed: list[str] = []
        with self._db.transaction() as c:
            before = self.book(hei_id)
            for iia_id, state in book.served.items():
                if before.served.get(iia_id) != state:
                    self.put_served(state, modified)
                    changed.append(iia_id)
            for iia_id in before.served.keys() - book.served.keys():
                c.execute(
                    "DELETE FROM iias WHERE hei_key = ? AND iia_id = ?", (_key(hei_id), iia_id)
                )
                changed.append(iia_id)
            c.execute("DELETE FROM retired_iias WHERE hei_key = ?", (_key(hei_id),))
            c.executemany(
                "INSERT INTO retired_iias (hei_key, iia_id) VALUES (?, ?)",
                [(_key(hei_id), i) for i in sorted(book.retired)],
            )
        return tuple(changed)


# ---------------------------------------------------------------------- approvals


class SqliteApprovals:
    """Each served HEI's approvals of its partners' copies: an
    :class:`~ewp_client.server.ApprovalRepository`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def approval(self, hei_id: str, partner_hei_id: str, iia_id: str) -> ApprovalRecord | None:
        row = self._db.one(
            "SELECT record_json FROM approvals WHERE hei_key = ? AND partner_key = ? "
            "AND iia_id = ?",
            (_key(hei_id), _key(partner_hei_id), iia_id),
        )
        return None if row is None else serial.approval_from_json(row[0])

    def put(self, hei_id: str, record: ApprovalRecord) -> None:
        """Record that ``hei_id`` approved ``record`` (replacing an earlier approval)."""
        with self._db.transaction() as c:
            c.execute(
                "INSERT INTO approvals (hei_key, partner_key, iia_id, record_json) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (hei_key, partner_key, iia_id) "
                "DO UPDATE SET record_json = excluded.record_json",
                (
                    _key(hei_id),
                    _key(record.partner_hei_id),
                    record.iia_id,
                    serial.approval_to_json(record),
                ),
            )

    def of(self, hei_id: str) -> tuple[ApprovalRecord, ...]:
        """``hei_id``'s approvals, in the order first given."""
        rows = self._db.query(
            "SELECT record_json FROM approvals WHERE hei_key = ? ORDER BY rowid", (_key(hei_id),)
        )
        return tuple(serial.approval_from_json(r[0]) for r in rows)

    def remove(self, hei_id: str, partner_hei_id: str, iia_id: str) -> bool:
        with self._db.transaction() as c:
            return (
                c.execute(
                    "DELETE FROM approvals WHERE hei_key = ? AND partner_key = ? AND iia_id = ?",
                    (_key(hei_id), _key(partner_hei_id), iia_id),
                ).rowcount
                > 0
            )


# ---------------------------------------------------------------------- directory


class SqliteDirectory:
    """The served HEIs' records and units: a :class:`~ewp_client.server.DirectoryRepository`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def institution(self, hei_id: str) -> Institution | None:
        row = self._db.one("SELECT institution FROM heis WHERE hei_key = ?", (_key(hei_id),))
        return None if row is None else serial.decode_institution(row[0])

    def ounits(self, hei_id: str) -> tuple[OrganizationalUnit, ...]:
        row = self._db.one("SELECT ounits FROM heis WHERE hei_key = ?", (_key(hei_id),))
        return () if row is None else serial.decode_ounits(row[0])

    def put(self, institution: Institution, ounits: Iterable[OrganizationalUnit] = ()) -> None:
        """Serve ``institution`` and its units (replacing what was kept for that HEI)."""
        with self._db.transaction() as c:
            c.execute(
                "INSERT INTO heis (hei_key, hei_id, institution, ounits) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (hei_key) DO UPDATE SET hei_id = excluded.hei_id, "
                "institution = excluded.institution, ounits = excluded.ounits",
                (
                    _key(institution.hei_id),
                    institution.hei_id,
                    serial.encode_institution(institution),
                    serial.encode_ounits(tuple(ounits)),
                ),
            )

    @property
    def hei_ids(self) -> tuple[str, ...]:
        """The HEIs served, as written, in the order first stored."""
        return tuple(r[0] for r in self._db.query("SELECT hei_id FROM heis ORDER BY rowid"))


# ---------------------------------------------------------------------- factsheets


class SqliteFactsheets:
    """The served HEIs' factsheets: a :class:`~ewp_client.server.factsheet.FactsheetRepository`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def factsheet(self, hei_id: str) -> Factsheet | None:
        row = self._db.one("SELECT factsheet FROM factsheets WHERE hei_key = ?", (_key(hei_id),))
        return None if row is None else serial.decode_factsheet(row[0])

    def put(self, factsheet: Factsheet) -> None:
        with self._db.transaction() as c:
            c.execute(
                "INSERT INTO factsheets (hei_key, factsheet) VALUES (?, ?) ON CONFLICT (hei_key) "
                "DO UPDATE SET factsheet = excluded.factsheet",
                (_key(factsheet.hei_id), serial.encode_factsheet(factsheet)),
            )

    @property
    def hei_ids(self) -> tuple[str, ...]:
        rows = self._db.query("SELECT factsheet FROM factsheets ORDER BY rowid")
        return tuple(serial.decode_factsheet(r[0]).hei_id for r in rows)


# ---------------------------------------------------------------------- LAs


class SqliteLas:
    """The LAs each sending HEI keeps: a :class:`~ewp_client.server.WritableLaRepository`.

    ``replace`` is a compare-and-swap in one ``BEGIN IMMEDIATE`` transaction:
    the stored record is read under the write lock, compared with ``current``
    and overwritten only when equal, so of two concurrent updates decided on
    the same version exactly one applies. Each write bumps the row's
    ``version`` (:meth:`version`) and dates it on ``clock`` (business time:
    the node's clock; the system time until one is given), which
    :meth:`modified` reads (the ``LaChangeTimes`` ``index`` applies
    ``modified_since`` with).

    Which HEIs it covers is configuration, not state: the HEIs with a stored
    record, an institution in the directory, or given to :meth:`cover`.
    """

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self.clock: Clock | None = clock
        self._covered: frozenset[str] = frozenset()

    def cover(self, hei_ids: Iterable[str]) -> None:
        """Serve the LAs of ``hei_ids`` too (the node's HEIs, even without data)."""
        self._covered = self._covered | {_key(h) for h in hei_ids}

    def covers(self, hei_id: str) -> bool:
        key = _key(hei_id)
        if key in self._covered:
            return True
        return (
            self._db.one(
                "SELECT 1 WHERE EXISTS (SELECT 1 FROM heis WHERE hei_key = ?) "
                "OR EXISTS (SELECT 1 FROM las WHERE hei_key = ?)",
                (key, key),
            )
            is not None
        )

    def las_of(self, hei_id: str) -> tuple[SendingLa, ...]:
        rows = self._db.query(
            "SELECT la, approved_student, unapproved_identity_json, rejection_json FROM las "
            "WHERE hei_key = ? ORDER BY rowid",
            (_key(hei_id),),
        )
        return tuple(self._record(row) for row in rows)

    def find(self, hei_id: str, omobility_id: str) -> SendingLa | None:
        row = self._db.one(
            "SELECT la, approved_student, unapproved_identity_json, rejection_json FROM las "
            "WHERE hei_key = ? AND omobility_id = ?",
            (_key(hei_id), omobility_id),
        )
        return None if row is None else self._record(row)

    def version(self, hei_id: str, omobility_id: str) -> int | None:
        """How many times the LA was written (1 once stored), ``None`` when unknown."""
        row = self._db.one(
            "SELECT version FROM las WHERE hei_key = ? AND omobility_id = ?",
            (_key(hei_id), omobility_id),
        )
        return None if row is None else int(row[0])

    def modified(self, hei_id: str, omobility_id: str) -> datetime | None:
        """When the LA was last written (business time); ``None`` when unknown or undated."""
        row = self._db.one(
            "SELECT modified FROM las WHERE hei_key = ? AND omobility_id = ?",
            (_key(hei_id), omobility_id),
        )
        return None if row is None else _time(row[0])

    @staticmethod
    def _record(row: Any) -> SendingLa:
        return SendingLa(
            la=serial.decode_la(row[0]),
            approved_student=None if row[1] is None else serial.decode_student(row[1]),
            unapproved_identity=frozenset(json.loads(row[2])),
            rejection=None if row[3] is None else serial.comment_from_json(row[3]),
        )

    def put(self, state: SendingLa, modified: datetime | None = None) -> None:
        """Store ``state`` under its sending HEI (added, or replacing that mobility's record).

        It is dated ``modified`` (now on :attr:`clock` when not given).
        """
        if modified is not None and modified.utcoffset() is None:
            raise ConfigError("an LA's change time must be timezone-aware")
        when = (modified or _now(self.clock)).isoformat()
        with self._db.transaction() as c:
            c.execute(
                "INSERT INTO las (hei_key, omobility_id, la, approved_student, "
                "unapproved_identity_json, rejection_json, version, modified) "
                "VALUES (?, ?, ?, ?, ?, ?, 1, ?) "
                "ON CONFLICT (hei_key, omobility_id) DO UPDATE SET la = excluded.la, "
                "approved_student = excluded.approved_student, "
                "unapproved_identity_json = excluded.unapproved_identity_json, "
                "rejection_json = excluded.rejection_json, version = version + 1, "
                "modified = excluded.modified",
                (*self._row(state), when),
            )

    @staticmethod
    def _row(state: SendingLa) -> tuple[Any, ...]:
        la = state.la
        return (
            _key(la.sending_hei.hei_id),
            la.omobility_id,
            serial.encode_la(la),
            None
            if state.approved_student is None
            else serial.encode_student(la, state.approved_student),
            json.dumps(sorted(state.unapproved_identity)),
            None if state.rejection is None else serial.comment_to_json(state.rejection),
        )

    def replace(self, hei_id: str, current: SendingLa, new: SendingLa) -> bool:
        omobility_id = current.la.omobility_id
        if new.la.omobility_id != omobility_id:
            raise ConfigError(
                f"cannot replace LA {omobility_id!r} by another mobility's "
                f"({new.la.omobility_id!r})"
            )
        if _key(new.la.sending_hei.hei_id) != _key(hei_id):
            raise ConfigError(f"LA {omobility_id!r} of {hei_id!r} cannot move to another HEI")
        row = self._row(new)  # encoded (and schema-checked) before the lock is taken
        with self._db.transaction() as c:
            stored = self.find(hei_id, omobility_id)
            if stored is None or stored != current:
                return False
            c.execute(
                "UPDATE las SET la = ?, approved_student = ?, unapproved_identity_json = ?, "
                "rejection_json = ?, version = version + 1, modified = ? "
                "WHERE hei_key = ? AND omobility_id = ?",
                (*row[2:], _now(self.clock).isoformat(), row[0], row[1]),
            )
            return True

    def delete(self, hei_id: str, omobility_id: str) -> bool:
        with self._db.transaction() as c:
            return (
                c.execute(
                    "DELETE FROM las WHERE hei_key = ? AND omobility_id = ?",
                    (_key(hei_id), omobility_id),
                ).rowcount
                > 0
            )


# ---------------------------------------------------------------------- copies


class SqliteIncomingLas:
    """The LAs partners send to each served HEI, as last fetched (what LA CNR ``stats`` counts).

    Reads like the node's ``incoming_las`` mapping: ``get(hei_id, ())``.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, hei_id: str, default: tuple[ReceivedLa, ...] = ()) -> tuple[ReceivedLa, ...]:
        found = self.of(hei_id)
        return found if found else default

    def of(self, hei_id: str) -> tuple[ReceivedLa, ...]:
        rows = self._db.query(
            "SELECT la, commented_proposal_id FROM incoming_las WHERE hei_key = ? ORDER BY rowid",
            (_key(hei_id),),
        )
        return tuple(ReceivedLa(serial.decode_la(r[0]), r[1]) for r in rows)

    def find(self, hei_id: str, sending_hei_id: str, omobility_id: str) -> ReceivedLa | None:
        row = self._db.one(
            "SELECT la, commented_proposal_id FROM incoming_las WHERE hei_key = ? "
            "AND sender_key = ? AND omobility_id = ?",
            (_key(hei_id), _key(sending_hei_id), omobility_id),
        )
        return None if row is None else ReceivedLa(serial.decode_la(row[0]), row[1])

    def put(self, received: ReceivedLa) -> None:
        """Keep ``received`` as its receiving HEI's copy (replacing the one before)."""
        la = received.la
        with self._db.transaction() as c:
            c.execute(
                "INSERT INTO incoming_las (hei_key, sender_key, omobility_id, la, "
                "commented_proposal_id) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (hei_key, sender_key, omobility_id) DO UPDATE SET la = excluded.la, "
                "commented_proposal_id = excluded.commented_proposal_id",
                (
                    _key(la.receiving_hei.hei_id),
                    _key(la.sending_hei.hei_id),
                    la.omobility_id,
                    serial.encode_la(la),
                    received.commented_proposal_id,
                ),
            )

    def delete(self, hei_id: str, sending_hei_id: str, omobility_id: str) -> bool:
        with self._db.transaction() as c:
            return (
                c.execute(
                    "DELETE FROM incoming_las WHERE hei_key = ? AND sender_key = ? "
                    "AND omobility_id = ?",
                    (_key(hei_id), _key(sending_hei_id), omobility_id),
                ).rowcount
                > 0
            )


class SqlitePartnerIias:
    """Partners' copies of IIAs naming a served HEI, as last fetched (the copy approvals quote).

    A copy is kept by the HEI its second ``<partner>`` names, under its first
    partner's HEI and ``iia-id``.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def find(self, hei_id: str, partner_hei_id: str, iia_id: str) -> Iia | None:
        row = self._db.one(
            "SELECT iia FROM partner_iias WHERE hei_key = ? AND partner_key = ? AND iia_id = ?",
            (_key(hei_id), _key(partner_hei_id), iia_id),
        )
        return None if row is None else serial.decode_iia(row[0])

    def of(self, hei_id: str) -> dict[tuple[str, str], Iia]:
        """``hei_id``'s copies by (partner HEI, partner's iia-id), the ids as written."""
        rows = self._db.query(
            "SELECT iia FROM partner_iias WHERE hei_key = ? ORDER BY rowid", (_key(hei_id),)
        )
        copies = [serial.decode_iia(r[0]) for r in rows]
        return {(i.partners[0].hei_id, i.partners[0].iia_id or ""): i for i in copies}

    def put(self, hei_id: str, iia: Iia) -> None:
        """``hei_id`` keeps ``iia`` (its first partner's copy), replacing the copy before."""
        first = iia.partners[0]
        if not first.iia_id:
            raise ConfigError(f"a copy of {first.hei_id}'s IIA needs its partners[0].iia_id")
        with self._db.transaction() as c:
            c.execute(
                "INSERT INTO partner_iias (hei_key, partner_key, iia_id, iia) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (hei_key, partner_key, iia_id) DO UPDATE SET iia = excluded.iia",
                (_key(hei_id), _key(first.hei_id), first.iia_id, serial.encode_iia(iia)),
            )

    def delete(self, hei_id: str, partner_hei_id: str, iia_id: str) -> bool:
        """Forget the copy (the partner deleted its IIA); whether one was kept."""
        with self._db.transaction() as c:
            return (
                c.execute(
                    "DELETE FROM partner_iias WHERE hei_key = ? AND partner_key = ? AND iia_id = ?",
                    (_key(hei_id), _key(partner_hei_id), iia_id),
                ).rowcount
                > 0
            )


# ---------------------------------------------------------------------- admitted keys


@dataclass(frozen=True, slots=True)
class AdmittedKey:
    """A client key the node admitted: its keyId, PEM, HEIs and Stats Portal role."""

    key_id: str
    public_key_pem: str
    heis: frozenset[str]
    stats_portal: bool = False

    def key_info(self) -> KeyInfo:
        """What the node's catalogue publishes for it."""
        key = load_public_key(self.public_key_pem.encode("ascii"))
        return KeyInfo(key_id=self.key_id, public_key=key, heis=self.heis)


class SqliteClients:
    """The admitted client keys (what ``MockNode.register_client`` and
    ``admit_stats_portal`` record)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def admit(
        self,
        public_key: rsa.RSAPublicKey,
        heis: Iterable[str] = (),
        *,
        stats_portal: bool = False,
    ) -> AdmittedKey:
        """Admit ``public_key`` for ``heis``; admitting it again adds HEIs (and the role).

        Checks nothing about the key (the node checks its size first).
        """
        kid = key_id(public_key)
        pem = public_key_pem(public_key).decode("ascii")
        with self._db.transaction() as c:
            row = c.execute(
                "SELECT heis_json, stats_portal FROM clients WHERE key_id = ?", (kid,)
            ).fetchone()
            known = frozenset() if row is None else frozenset(json.loads(row[0]))
            admitted = AdmittedKey(
                key_id=kid,
                public_key_pem=pem,
                heis=known | frozenset(heis),
                stats_portal=stats_portal or (row is not None and bool(row[1])),
            )
            c.execute(
                "INSERT INTO clients (key_id, public_key, heis_json, stats_portal) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET "
                "public_key = excluded.public_key, heis_json = excluded.heis_json, "
                "stats_portal = excluded.stats_portal",
                (kid, pem, json.dumps(sorted(admitted.heis)), int(admitted.stats_portal)),
            )
        return admitted

    def all(self) -> tuple[AdmittedKey, ...]:
        """Every admitted key, in the order first admitted."""
        rows = self._db.query(
            "SELECT key_id, public_key, heis_json, stats_portal FROM clients ORDER BY rowid"
        )
        return tuple(AdmittedKey(r[0], r[1], frozenset(json.loads(r[2])), bool(r[3])) for r in rows)

    def find(self, key_id: str) -> AdmittedKey | None:
        return next((k for k in self.all() if k.key_id == key_id), None)

    @property
    def stats_portal_keys(self) -> frozenset[str]:
        rows = self._db.query("SELECT key_id FROM clients WHERE stats_portal = 1")
        return frozenset(r[0] for r in rows)

    def revoke(self, key_id: str) -> bool:
        with self._db.transaction() as c:
            return c.execute("DELETE FROM clients WHERE key_id = ?", (key_id,)).rowcount > 0
