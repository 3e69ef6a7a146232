"""A node's whole state in one SQLite file: :class:`SqliteState`.

Durability
----------
The file is in WAL mode with ``synchronous=FULL`` by default: a transaction
is appended to the ``-wal`` file and that file is fsync'ed before ``COMMIT``
returns. A process killed at any moment (``kill -9``) therefore loses no
committed transaction (SQLite recovers the WAL at the next open, and drops
the half-written transaction it may end with), and neither does a power
cut or an OS crash. ``synchronous="normal"`` skips that fsync: it is as safe
against the process dying (the WAL is written to the OS before ``COMMIT``
returns, and the OS keeps it when the process is killed), but the last
transactions may roll back if the machine itself goes down. The node keeps
FULL: a mock runs a few writes a second, and the price is measured in the
tests' benchmark (see the package docstring).

One transaction per logical change: each repository write commits on its
own, and :meth:`SqliteState.transaction` groups several (a changed LA and the
CNR it calls for) so that they commit together or not at all.

Exclusive use
-------------
By default the node takes SQLite's exclusive lock on the file for as long as
it is open (``locking_mode=EXCLUSIVE``), so that a second node started on the
same ``--db`` is refused (``reason="locked"``) instead of sharing an outbox
whose leases it would release. The lock goes with the process (a killed node
leaves none behind).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from ewp_client.clock import Clock
from ewp_client.errors import StateDbError

from ..data import Dataset, HeiData
from .db import Database
from .fileformat import APPLICATION_ID, PROGRAM, SCHEMA_VERSION, FileVerdict, inspect_file, refuse
from .outbox import SqliteOutboxStore
from .repositories import (
    SqliteApprovals,
    SqliteClients,
    SqliteDirectory,
    SqliteFactsheets,
    SqliteIias,
    SqliteIncomingLas,
    SqliteLas,
    SqlitePartnerIias,
)
from .schema import DATA_TABLES, DDL

__all__ = ["SqliteState", "Synchronous"]

Synchronous = Literal["full", "normal"]

#: How long a statement waits for another process's lock before failing (seconds).
BUSY_TIMEOUT = 5.0


class SqliteState:
    """The node's state in the SQLite file ``path``; open it with :meth:`open`.

    Its repositories share one connection (see :mod:`.db` on threads):
    ``iias``, ``approvals``, ``directory``, ``las``, ``incoming_las``,
    ``partner_iias``, ``factsheets``, ``clients`` and the CNR ``outbox``
    store. Close it (or use it as a context manager) to checkpoint the WAL
    into the file. ``clock`` (business time: the node's, see
    :meth:`use_clock`) dates the IIAs and LAs written without a time.
    """

    def __init__(self, db: Database, *, created: bool, clock: Clock | None = None) -> None:
        self._db = db
        #: Whether :meth:`open` created the database (a new or zero-byte file).
        self.created = created
        self.iias = SqliteIias(db, clock=clock)
        self.approvals = SqliteApprovals(db)
        self.directory = SqliteDirectory(db)
        self.las = SqliteLas(db, clock=clock)
        self.incoming_las = SqliteIncomingLas(db)
        self.partner_iias = SqlitePartnerIias(db)
        self.factsheets = SqliteFactsheets(db)
        self.clients = SqliteClients(db)
        self.outbox = SqliteOutboxStore(db)

    # ------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        synchronous: Synchronous = "full",
        exclusive: bool = True,
        clock: Clock | None = None,
    ) -> SqliteState:
        """Open the node database ``path``, creating it when missing (and ``create``).

        Before anything is written the file is checked (:func:`.inspect_file`):
        a file that is not an SQLite database, another program's database, a
        damaged or truncated one, one of another schema version, a read-only
        file or directory, or one another node holds, is refused with a
        :class:`~ewp_client.errors.StateDbError` (``reason`` says which) and
        left as it was.
        """
        if synchronous not in ("full", "normal"):
            raise ValueError(f"synchronous is 'full' or 'normal', not {synchronous!r}")
        path = Path(path)
        inspection = inspect_file(path, create=create)
        new = inspection.verdict is FileVerdict.NEW
        try:
            connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT
            )
        except sqlite3.Error as exc:
            raise refuse(path, "os-error", f"cannot open: {exc}") from exc
        try:
            if exclusive:
                connection.execute("PRAGMA locking_mode = EXCLUSIVE")
            if new:
                _create(connection)
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise refuse(path, "os-error", f"SQLite cannot use WAL here (journal mode {mode})")
            connection.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            connection.execute("BEGIN IMMEDIATE")  # takes the lock (kept when exclusive)
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            connection.execute("COMMIT")
            if application_id != APPLICATION_ID:  # replaced between the check and the open
                raise refuse(path, "foreign", "the file changed while it was being opened")
        except sqlite3.OperationalError as exc:
            connection.close()
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise refuse(
                    path, "locked", "in use by another process (a node runs on it)"
                ) from exc
            raise refuse(path, "os-error", f"cannot open: {text}") from exc
        except sqlite3.Error as exc:
            connection.close()
            raise refuse(path, "corrupt", f"cannot open: {exc}") from exc
        except StateDbError:
            connection.close()
            raise
        return cls(Database(connection, path), created=new, clock=clock)

    @property
    def path(self) -> Path:
        return self._db.path

    def use_clock(self, clock: Clock) -> None:
        """Date the IIAs and LAs written without a time on ``clock`` (the node's business clock)."""
        self.iias.clock = clock
        self.las.clock = clock

    def close(self) -> None:
        """Checkpoint and close (idempotent); the repositories cannot be used afterwards."""
        self._db.close()

    @property
    def closed(self) -> bool:
        return self._db.closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: every repository call made inside commits with the others or not at all.

        Blocks nest (an inner block that raises is undone alone). While a
        block is open, other threads wait for it.
        """
        with self._db.transaction():
            yield

    # ------------------------------------------------------------ the --data rule

    def meta(self) -> dict[str, str]:
        """The ``meta`` table: ``program``, ``created``, ``schema`` and, once seeded, ``seeded``."""
        return {k: v for k, v in self._db.query("SELECT key, value FROM meta ORDER BY key")}

    def counts(self) -> dict[str, int]:
        """Rows per table (``meta`` left out): what a node says when it reuses a database."""
        tables = (*DATA_TABLES, "clients")
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
        return {name: int(n) for name, n in self._db.query(sql)}

    def is_empty(self) -> bool:
        """Whether the database holds no node data and no notification.

        Admitted client keys do not count: the command line admits them at
        every start.
        """
        sql = " UNION ALL ".join(f"SELECT 1 FROM (SELECT 1 FROM {t} LIMIT 1)" for t in DATA_TABLES)
        return self._db.one(sql) is None

    def seed(
        self, dataset: Dataset, *, source: str | None = None, now: datetime | None = None
    ) -> bool:
        """Store ``dataset`` if the database is empty; whether it did (one transaction).

        A database holding data is left as it is (the ``--data`` rule: the
        node says it uses the database and not the data set). ``source``
        (e.g. the ``--data`` directory) is recorded in ``meta`` with the time.
        IIAs are stored as changed at ``now`` (the node passes its clock's
        time, as when it loads a data set in memory), with no change time when
        ``now`` is not given (``index`` then lists them whatever its
        ``modified_since``); LAs are dated ``now``, or on the state's clock.
        """
        with self._db.transaction() as c:
            if not self.is_empty():
                return False
            for data in dataset.heis.values():
                self._store_hei(data, now)
            c.executemany(
                "INSERT INTO partners (hei_id) VALUES (?)", [(p,) for p in sorted(dataset.partners)]
            )
            c.execute(
                "INSERT INTO meta (key, value) VALUES ('seeded', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (
                    json.dumps(
                        {"at": datetime.now(UTC).isoformat(), "source": source}, sort_keys=True
                    ),
                ),
            )
        return True

    def _store_hei(self, data: HeiData, now: datetime | None) -> None:
        hei_id = data.hei_id
        self.directory.put(data.institution, data.ounits)
        if data.factsheet is not None:
            self.factsheets.put(data.factsheet)
        self.iias.save_book(hei_id, data.iias, now)
        for record in data.approvals:
            self.approvals.put(hei_id, record)
        for state in data.las.values():
            self.las.put(state, now)
        for iia in data.partner_iias.values():
            self.partner_iias.put(hei_id, iia)
        for received in data.received_las.values():
            self.incoming_las.put(received)

    def dataset(self) -> Dataset:
        """Everything stored, as a :class:`~ewp_mock.data.Dataset` (e.g. to dump it as fixtures).

        Outbox entries, admitted keys and IIA change times are not part of a
        data set.
        """
        with self._db.transaction():  # one consistent read
            heis = []
            for hei_id in self.directory.hei_ids:
                institution = self.directory.institution(hei_id)
                assert institution is not None
                heis.append(
                    HeiData(
                        institution=institution,
                        ounits=self.directory.ounits(hei_id),
                        iias=self.iias.book(hei_id),
                        approvals=self.approvals.of(hei_id),
                        las={s.la.omobility_id: s for s in self.las.las_of(hei_id)},
                        partner_iias=self.partner_iias.of(hei_id),
                        received_las={
                            (r.la.sending_hei.hei_id, r.la.omobility_id): r
                            for r in self.incoming_las.of(hei_id)
                        },
                        factsheet=self.factsheets.factsheet(hei_id),
                    )
                )
            partners = [r[0] for r in self._db.query("SELECT hei_id FROM partners")]
        return Dataset.of(heis, partners)


def _create(connection: sqlite3.Connection) -> None:
    """Write the schema and the format marks in one transaction, before WAL mode.

    Creating in rollback-journal mode puts the marks in the main file itself
    (a WAL would hold them until its first checkpoint), so a node killed
    right after creating its database still finds a file it recognises.
    """
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.execute("PRAGMA synchronous = FULL")
    now = datetime.now(UTC).isoformat()
    connection.executescript(
        "BEGIN IMMEDIATE;\n"
        f"{DDL}\n"
        f"PRAGMA application_id = {APPLICATION_ID};\n"
        f"PRAGMA user_version = {SCHEMA_VERSION};\n"
        f"INSERT INTO meta (key, value) VALUES ('program', '{PROGRAM}'), "
        f"('schema', '{SCHEMA_VERSION}'), ('created', '{now}');\n"
        "COMMIT;"
    )
