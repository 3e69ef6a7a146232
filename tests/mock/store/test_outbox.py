"""The CNR :class:`~ewp_client.cnr.Outbox` over the database: a restart finds each step."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from ewp_client.cnr import Delivered, EntryState, Failed, Outbox, OutgoingNotification
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.store import SqliteState

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
