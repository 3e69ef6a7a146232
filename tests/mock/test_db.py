"""A mock node over its SQLite state (``create_app(state=...)``): what it keeps across a restart.

Each test opens the database, serves through the app in process (ASGI), closes
it, and opens it again as a restarted node would: an LA approved through the
``update`` endpoint stays approved (and its CNR stays queued), admitted keys
stay admitted, a data set seeds only an empty database, a bare HEI is read,
never written, LA CNR ``stats`` follows the LAs the node's own HEIs send, a
change rolled back takes its CNR with it, and ``index`` dates LAs on the
node's clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ewp_client import AsyncEwpClient, AsyncLasClient, AsyncRegistryClient
from ewp_client.clock import ManualClock
from ewp_client.cnr import CnrKind, EntryState, OutgoingNotification
from ewp_client.ola import VersionStatus
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.store import SqliteState
from tests.mock.conftest import auth, key
from tests.mock.test_la_update import SIGNER

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"
T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def config(*heis: str) -> MockConfig:
    return MockConfig(base_url=BASE, server_key=key(1), client_key=key(2), hei_ids=heis or (UNI_A,))


async def las_client(app: FastAPI, n: int = 3) -> AsyncIterator[AsyncLasClient]:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(n), http=http) as client,
    ):
        yield AsyncLasClient(client)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "node.db"


async def test_an_approved_la_and_its_cnr_and_the_admitted_keys_survive_a_restart(
    db: Path,
) -> None:
    with SqliteState.open(db) as state:
        app = create_app(config(), demo_dataset(), state=state, data_source="demo")
        node = node_of_app(app)
        assert node.dataset_loaded is True
        node.register_client(key(3).public_key, [UNI_B])
        node.admit_stats_portal(key(4).public_key)
        async for las in las_client(app):
            before = await las.get_one(UNI_A, "la-changes-pending")
            assert before is not None
            assert before.changes_proposal is not None
            await las.approve(UNI_A, "la-changes-pending", before.changes_proposal.id, SIGNER)
        queued = node.outbox.entries("la-changes-pending", kind=CnrKind.LA)
        assert [(e.key.partner_hei_id, e.state) for e in queued] == [(UNI_B, EntryState.PENDING)]

    with SqliteState.open(db) as state:
        app = create_app(config(), demo_dataset(), state=state, data_source="demo")
        node = node_of_app(app)
        assert node.dataset_loaded is False  # used as it is
        record = node.las.find(UNI_A, "la-changes-pending")
        assert record is not None
        assert record.status is VersionStatus.APPROVED
        assert {c.key_id: c.heis for c in node.clients} == {
            key(3).key_id: frozenset({UNI_B}),
            key(4).key_id: frozenset(),
        }
        assert node.stats_portal_keys == {key(4).key_id}
        assert [e.key.object_id for e in node.outbox.pending()] == ["la-changes-pending"]
        async for las in las_client(app):  # the restarted node verifies the admitted key
            after = await las.get_one(UNI_A, "la-changes-pending")
        assert after is not None
        assert after.changes_proposal is None
        assert after.approved_changes is not None
        assert after.approved_changes.receiving_hei_signature == SIGNER.signature()


def test_a_data_set_seeds_only_an_empty_database(db: Path) -> None:
    with SqliteState.open(db) as state:
        node = node_of_app(create_app(config(), demo_dataset(), state=state))
        assert node.dataset_loaded is True
        seeded = state.counts()
        assert seeded["las"] > 0
        assert seeded["iias"] > 0
        assert state.directory.hei_ids == (UNI_A,)  # what the served HEI keeps of it
    with SqliteState.open(db) as state:
        node = node_of_app(create_app(config(), demo_dataset().only([UNI_B]), state=state))
        assert node.dataset_loaded is False
        assert state.counts() == seeded


def test_a_bare_hei_is_read_but_never_written(db: Path) -> None:
    with SqliteState.open(db) as state:
        app = create_app(config("bare.example.org"), state=state)
        node = node_of_app(app)
        node.register_client(key(3).public_key, ["client.example.org"])
        institution = node.directory.institution("bare.example.org")
        assert institution is not None
        assert institution.hei_id == "bare.example.org"
        assert node.directory.institution("other.example.org") is None
        assert node.factsheets.factsheet("BARE.example.org") is not None
        assert node.factsheets.factsheet("other.example.org") is None
        assert node.las.covers("bare.example.org")
        assert state.is_empty()  # an admitted key is not data


def test_la_cnr_stats_follow_the_las_the_node_s_own_heis_send(db: Path) -> None:
    dataset = demo_dataset()
    with SqliteState.open(db) as state:
        app = create_app(config(*dataset.hei_ids), dataset, state=state)
        node = node_of_app(app)
        received = node.incoming_las.get(UNI_B, ())
        pending = [r for r in received if r.la.omobility_id == "la-changes-pending"]
        assert len(pending) == 1
        assert pending[0].la.changes_proposal is not None
        stored = node.las.find(UNI_A, "la-changes-pending")
        assert stored is not None
        state.las.put(replace(stored, la=replace(stored.la, changes_proposal=None)))
        again = [
            r for r in node.incoming_las.get(UNI_B, ()) if r.la.omobility_id == "la-changes-pending"
        ]
        assert again[0].la.changes_proposal is None  # read now, not when the node started
        assert state.incoming_las.of(UNI_B) == ()  # nothing copied: derived at read time


def test_a_change_rolled_back_takes_its_notification_with_it(db: Path) -> None:
    with SqliteState.open(db) as state:
        node = node_of_app(create_app(config(), demo_dataset(), state=state))
        before = node.las.find(UNI_A, "la-changes-pending")
        assert before is not None
        seen: list[str] = []

        def half_done() -> None:
            with node.transaction():
                state.las.put(before)
                node.notify(OutgoingNotification.la(UNI_B, UNI_A, "la-changes-pending"))
                seen.extend(e.key.object_id for e in node.outbox.pending())
                raise RuntimeError("the change failed half way")

        with pytest.raises(RuntimeError):
            half_done()
        assert seen == ["la-changes-pending"]
        assert node.outbox.pending() == []
        assert state.counts()["outbox"] == 0
        assert state.las.version(UNI_A, "la-changes-pending") == 1
        with node.transaction():
            node.notify(OutgoingNotification.la(UNI_B, UNI_A, "la-changes-pending"))
        assert state.counts()["outbox"] == 1


async def test_index_dates_las_on_the_node_clock(db: Path) -> None:
    clock = ManualClock(T0)
    with SqliteState.open(db) as state:
        app = create_app(config(), demo_dataset(), state=state, clock=clock)
        node = node_of_app(app)
        node.register_client(key(3).public_key, [UNI_B])
        assert state.las.modified(UNI_A, "la-changes-pending") == T0
        clock.advance(timedelta(hours=2))
        async for las in las_client(app):
            found = await las.get_one(UNI_A, "la-changes-pending")
            assert found is not None
            assert found.changes_proposal is not None
            proposal = found.changes_proposal
            await las.approve(UNI_A, "la-changes-pending", proposal.id, SIGNER)
        assert state.las.modified(UNI_A, "la-changes-pending") == T0 + timedelta(hours=2)
        since = (T0 + timedelta(hours=1)).isoformat()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            answer = await http.get(
                "/ewp/las/index",
                params={"sending_hei_id": UNI_A, "modified_since": since},
                auth=auth(app),
            )
        assert answer.status_code == 200
        assert b"la-changes-pending" in answer.content
        assert answer.content.count(b"<omobility-id>") == 1
