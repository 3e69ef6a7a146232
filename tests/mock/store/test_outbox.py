"""The CNR :class:`~ewp_client.cnr.Outbox` over the database: a restart finds each step."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from ewp_client.cnr import Delivered, EntryState, Failed, Outbox, OutgoingNotification
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.store import SqliteOutbox, SqliteState

from .conftest import T0


def test_a_change_and_its_enqueued_notification_survive_a_restart(seeded: Path) -> None:
    with SqliteState.open(seeded) as state:
        outbox = Outbox(state.outbox)
        la = state.las.find(UNI_A, "la-approved")
        assert la is not None
        with state.transaction():  # the database first, then the outbox: one lock order
            state.las.put(dataclasses.replace(la, unapproved_identity=frozenset({"x"})))
            outbox.enqueue(OutgoingNotification.la(UNI_B, UNI_A, "la-approved"), T0)
        (delivery,) = outbox.due(T0)  # handed out, then the node dies before the outcome
    with SqliteState.open(seeded) as state:
        outbox = Outbox(state.outbox)
        assert state.las.find(UNI_A, "la-approved") != la
        assert outbox.due(T0) == []  # still leased
        (released,) = outbox.release_leases()
        assert released.key.object_id == "la-approved"
        (again,) = outbox.due(T0)
        assert again.object_ids == delivery.object_ids
        outbox.record(again, Failed.for_status(503), T0)
    with SqliteState.open(seeded) as state:
        outbox = Outbox(state.outbox)
        (entry,) = outbox.pending()
        assert entry.tries == 1
        assert entry.due_at > T0
        (retry,) = outbox.due(entry.due_at + timedelta(seconds=1))
        outbox.record(retry, Delivered(), entry.due_at + timedelta(seconds=1))
    with SqliteState.open(seeded) as state:
        (entry,) = Outbox(state.outbox).entries()
        assert entry.state is EntryState.DELIVERED
        assert [a.status for a in entry.attempts] == [503, 200]


def test_the_database_outbox_forgets_what_a_rolled_back_transaction_queued(db_path: Path) -> None:
    with SqliteState.open(db_path) as state:
        box = SqliteOutbox(state.outbox)

        def change_that_fails() -> None:
            with state.transaction():
                box.enqueue(OutgoingNotification.iia(UNI_B, "a-1"), T0)
                raise RuntimeError("the change failed after its CNR was queued")

        with pytest.raises(RuntimeError):
            change_that_fails()
        assert [e.key.object_id for e in box.pending()] == ["a-1"]  # the view is ahead
        assert len(state.outbox) == 0
        box.reload()
        assert box.pending() == []
        with state.transaction():
            box.enqueue(OutgoingNotification.iia(UNI_B, "a-2"), T0)
    with SqliteState.open(db_path) as state:
        assert [e.key.object_id for e in SqliteOutbox(state.outbox).pending()] == ["a-2"]
