"""The mock node's state kept in SQLite (``--db FILE``), so that it survives a crash.

::

    with SqliteState.open("node.db") as state:
        seeded = state.seed(demo_dataset(), source="demo")   # only a new or empty database
        outbox = Outbox(state.outbox)                        # ewp_client.cnr over the same file
        with state.transaction():                            # a change and its CNR, together
            state.las.put(new_state)
            outbox.enqueue(OutgoingNotification.la(partner, ours, omobility_id), now)

:class:`SqliteState` opens (or creates) the file after checking it is ours
(:mod:`.fileformat`: ``application_id``, ``user_version``, a ``meta`` table;
a foreign, damaged, truncated or read-only file is refused with a
:class:`~ewp_client.errors.StateDbError` and left untouched). Its
repositories satisfy the ``ewp_client.server`` protocols
(:class:`~ewp_client.server.IiaRepository`,
:class:`~ewp_client.server.ApprovalRepository`,
:class:`~ewp_client.server.DirectoryRepository`,
:class:`~ewp_client.server.WritableLaRepository`,
:class:`~ewp_client.server.factsheet.FactsheetRepository`) and the outbox's
:class:`~ewp_client.cnr.OutboxStore`. Objects are stored as the EWP XML the
fixtures use (:mod:`.serial`), never pickled. Durability and threads:
:mod:`.state` and :mod:`.db`.

Using it with the CNR outbox
----------------------------
:class:`SqliteOutbox` (what the node uses) is the library's outbox holding
the database's lock and able to :meth:`~SqliteOutbox.reload` its view, which
settles both rules below. A plain :class:`~ewp_client.cnr.Outbox` keeps its
own lock and an in-memory view it updates after each ``store.save``. Two
rules follow:

* **one lock order**: call the outbox either always inside
  :meth:`SqliteState.transaction` (database lock, then outbox lock) or never
  from inside one while another thread may call it outside one (outbox lock,
  then database lock): mixing the two orders across threads can deadlock. On
  the node's single event loop both are the same thread and nothing can
  block; a delivery thread must wrap its ``due``/``record`` calls in
  ``state.transaction()`` too;
* a transaction that fails after ``enqueue`` leaves the outbox's view ahead
  of the file (the notification is in memory, not on disk): make the outbox
  again over the store (``Outbox(state.outbox)``) after such a failure. At
  worst a partner is told of a change that did not happen, which a CNR
  allows (it refetches and finds nothing new).
"""

from .fileformat import APPLICATION_ID, PROGRAM, SCHEMA_VERSION
from .outbox import SqliteOutbox, SqliteOutboxStore
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
    "SqliteOutbox",
    "SqliteOutboxStore",
    "SqlitePartnerIias",
    "SqliteState",
    "Synchronous",
]
