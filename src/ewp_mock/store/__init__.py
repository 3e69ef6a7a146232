"""The mock node's state kept in SQLite (``--db FILE``), so that it survives a crash.

::

    with SqliteState.open("node.db") as state:
        seeded = state.seed(demo_dataset(), source="demo")   # only a new or empty database
        with state.transaction():                            # a change and its CNR, together
            state.las.put(new_state)
            Outbox(state.outbox).enqueue(notification, now)  # hypothetical outbox over the store
        state.las.find("uni-a.example.org", "om-1")

:class:`SqliteState` opens (or creates) the file after checking it is ours
(:mod:`.fileformat`: ``application_id``, ``user_version``, a ``meta`` table;
a foreign, damaged, truncated or read-only file is refused with a
:class:`~ewp_client.errors.StateDirError` and left untouched). Its
repositories satisfy the ``ewp_client.server`` protocols
(:class:`~ewp_client.server.IiaRepository`,
:class:`~ewp_client.server.ApprovalRepository`,
:class:`~ewp_client.server.DirectoryRepository`,
:class:`~ewp_client.server.WritableLaRepository`,
:class:`~ewp_client.server.factsheet.FactsheetRepository`) and the outbox's
:class:`~ewp_client.cnr.OutboxStore`. Objects are stored as the EWP XML the
fixtures use (:mod:`.serial`), never pickled. Durability and threads:
:mod:`.state` and :mod:`.db`.
"""

from .fileformat import APPLICATION_ID, PROGRAM, SCHEMA_VERSION
from .outbox import SqliteOutboxStore
from .repositories import (
    AdmittedKey,
    SqliteApprovals,
    SqliteClients,
    SqliteDirectory,
    SqliteFactsheets,
    SqliteIias,
    SqliteIncomingLas,
    SqliteLas,
    SqlitePartnerIias,
)
from .state import SqliteState, Synchronous

__all__ = [
    "APPLICATION_ID",
    "PROGRAM",
    "SCHEMA_VERSION",
    "AdmittedKey",
    "SqliteApprovals",
    "SqliteClients",
    "SqliteDirectory",
    "SqliteFactsheets",
    "SqliteIias",
    "SqliteIncomingLas",
    "SqliteLas",
    "SqliteOutboxStore",
    "SqlitePartnerIias",
    "SqliteState",
    "Synchronous",
]
