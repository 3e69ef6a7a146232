"""A received CNR makes the node refetch the object from the notifier and update its copy.

Node ``a`` (uni-a) notifies node ``b`` (uni-b) through its outbox; ``b`` answers
200 at once and its refresh task fetches from ``a`` with ``b``'s own client.
Every outcome is recorded (``NodeActions.refreshes``), failures included; none
reaches the route.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ewp_client import AsyncEwpClient, AsyncIiasClient, AsyncRegistryClient
from ewp_client.client import AsyncIiaCnrClient, AsyncLaCnrClient
from ewp_client.clock import ManualClock
from ewp_client.cnr import CnrKind, EntryState, OutgoingNotification
from ewp_client.iia import CopyChangeKind
from ewp_client.ola import LaVersionEvent, VersionStatus
from ewp_mock import DEFAULT_HEI, MockConfig, create_app, node_of_app
from ewp_mock.demo_flow import demo_iia, receiving_signer
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.refresh import RefreshOutcome, RefreshRecord
from ewp_mock.store import SqliteState
from tests.mock.conftest import key
from tests.mock.test_actions import A_ID, B_ID, UNI_A, UNI_B, mapped_pair, specs, two_nodes

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
BASE = "http://mock.test"
STRANGER = "stranger.example.org"


@pytest.fixture
async def network() -> AsyncIterator[MockNetwork]:
    async with two_nodes() as network:
        yield network


async def notify_b(network: MockNetwork, notification: OutgoingNotification) -> RefreshRecord:
    """``a`` sends ``notification`` to ``b``; ``b``'s refresh record of it (one object)."""
    before = len(network.actions("b").refreshes)
    network.node("a").notify(notification)
    await network.idle()
    (entry,) = network.node("a").outbox.entries(notification.object_ids[0], kind=notification.kind)
    assert entry.state is EntryState.DELIVERED  # answered 200, whatever the refresh does
    records = network.actions("b").refreshes[before:]
    assert len(records) == 1
    return records[0]


async def test_an_iia_cnr_makes_the_node_fetch_the_copy_the_partner_serves(
    network: MockNetwork,
) -> None:
    assert network.actions("b").partner_copies(UNI_B).get(UNI_A, "a-iia-2") is None
    record = await notify_b(network, OutgoingNotification.iia(UNI_B, "a-iia-2"))
    assert record.outcome is RefreshOutcome.REFRESHED
    assert record.partner_hei_id == UNI_A
    assert getattr(record.change, "kind", None) is CopyChangeKind.NEW
    held = network.actions("b").partner_copies(UNI_B).get(UNI_A, "a-iia-2")
    assert held is not None
    async with network.client("b") as client:
        served = await AsyncIiasClient(client).get_one(UNI_A, "a-iia-2")
    assert served is not None
    assert held.iia_hash == served.hash.sha256
    assert held.hash_verified
    assert held.our_iia_id == "b-iia-2"

    again = await notify_b(network, OutgoingNotification.iia(UNI_B, "a-iia-2"))
    assert getattr(again.change, "kind", None) is CopyChangeKind.UNCHANGED


async def test_a_cnr_for_an_unknown_id_is_answered_and_recorded_as_not_found(
    network: MockNetwork,
) -> None:
    record = await notify_b(network, OutgoingNotification.iia(UNI_B, "no-such-iia"))
    assert record.outcome is RefreshOutcome.NOT_FOUND
    assert record.error is None
    assert network.actions("b").partner_copies(UNI_B).copies == {}
    la = await notify_b(network, OutgoingNotification.la(UNI_B, UNI_A, "no-such-la"))
    assert la.outcome is RefreshOutcome.NOT_FOUND
    approval = await notify_b(network, OutgoingNotification.iia_approval(UNI_B, "b-iia-2"))
    assert approval.outcome is RefreshOutcome.NOT_FOUND  # a shows no approval of b-iia-2


async def test_a_failed_refresh_is_recorded_and_the_copy_left_as_it_was(
    network: MockNetwork,
) -> None:
    await notify_b(network, OutgoingNotification.iia(UNI_B, "a-iia-2"))
    held = network.actions("b").partner_copies(UNI_B).get(UNI_A, "a-iia-2")

    def failing(request: httpx.Request) -> httpx.Response | None:
        if "/ewp/iias/" in request.url.path:
            return httpx.Response(500, text="down for maintenance")
        return None

    network.intercept("a", failing)
    record = await notify_b(network, OutgoingNotification.iia(UNI_B, "a-iia-2"))
    assert record.outcome is RefreshOutcome.FAILED
    assert record.error is not None
    assert record.error.startswith("PartnerServerError")
    assert record.partner_hei_id == UNI_A
    assert network.actions("b").partner_copies(UNI_B).get(UNI_A, "a-iia-2") == held
    # the text body is not an error-response: kept on the record, not printed as a warning
    assert {(w.known_issue, getattr(w, "excerpt", None)) for w in record.warnings} == {
        ("error-response-malformed", "down for maintenance")
    }

    network.intercept("a", None)
    back = await notify_b(network, OutgoingNotification.iia(UNI_B, "a-iia-2"))
    assert back.outcome is RefreshOutcome.REFRESHED
    assert back.warnings == ()


async def test_a_deleted_iia_disappears_from_the_partners_copies(network: MockNetwork) -> None:
    a, b = network.actions("a"), network.actions("b")
    a.create_iia(demo_iia(UNI_A, "short-lived", UNI_B))
    await network.idle()
    assert b.partner_copies(UNI_B).get(UNI_A, "short-lived") is not None
    a.delete_iia(UNI_A, "short-lived")
    await network.idle()
    record = b.refreshes[-1]
    assert record.outcome is RefreshOutcome.DELETED
    assert getattr(record.change, "kind", None) is CopyChangeKind.DELETED
    assert network.node("b").received[-1].outcomes == (record,)
    copies = b.partner_copies(UNI_B)
    assert copies.get(UNI_A, "short-lived") is None
    assert (UNI_A, "short-lived") in copies.deleted
    async with network.client("b") as client:
        assert await AsyncIiasClient(client).get_one(UNI_A, "short-lived") is None


async def test_an_la_cnr_makes_the_receiver_follow_the_senders_versions(
    network: MockNetwork,
) -> None:
    b = network.actions("b")
    seeded = b.received_la(UNI_B, UNI_A, "la-changes-pending")  # from the data set
    assert seeded is not None
    assert seeded.status is VersionStatus.AWAITING
    await b.approve_received_la(
        UNI_B, UNI_A, "la-changes-pending", receiving_signer(UNI_B, network.clock.now())
    )
    await network.idle()
    record = b.refreshes[-1]
    assert record.notification.kind is CnrKind.LA
    assert record.outcome is RefreshOutcome.REFRESHED
    assert getattr(record.change, "events", ()) == (LaVersionEvent.CHANGES_APPROVED,)
    copy = b.received_la(UNI_B, UNI_A, "la-changes-pending")
    assert copy is not None
    assert copy.status is VersionStatus.APPROVED
    assert copy.la.approved_changes is not None
    stats = {r.la.omobility_id: r.status for r in network.node("b").incoming_las[UNI_B]}
    assert stats["la-changes-pending"] is VersionStatus.APPROVED  # what LA CNR stats count


async def test_the_notifier_is_the_caller_and_the_refresh_is_awaitable(
    network: MockNetwork,
) -> None:
    network.node("a").notify(OutgoingNotification.iia(UNI_B, "a-iia-4"))
    await network.node("a").outbox.idle()  # delivered; b's refresh may still run
    (received,) = [r for r in network.node("b").received if r.kind is CnrKind.IIA]
    assert received.caller_heis == frozenset({UNI_A})
    await network.actions("b").refreshed()
    (record,) = network.actions("b").refresher.outcomes(received)
    assert record.outcome is RefreshOutcome.REFRESHED
    assert record.object_id == "a-iia-4"
    assert received.outcomes == (record,)


async def test_a_received_cnr_carries_what_acting_on_each_object_came_to(
    network: MockNetwork,
) -> None:
    """Refreshed, not found, deleted, in the order named; then failed, with the reason."""
    b = network.actions("b")
    assert b.received_la(UNI_B, UNI_A, "la-changes-pending") is not None
    assert network.node("a").las.delete(UNI_A, "la-changes-pending")
    named = ["la-approved", "unknown-la", "la-changes-pending"]
    async with network.client("a") as client:  # one LA CNR naming three LAs
        await AsyncLaCnrClient(client).notify(UNI_B, UNI_A, named)
    (received,) = [r for r in network.node("b").received if r.kind is CnrKind.LA]
    await network.idle()
    assert [(r.object_id, r.outcome) for r in received.outcomes] == [
        ("la-approved", RefreshOutcome.REFRESHED),
        ("unknown-la", RefreshOutcome.NOT_FOUND),
        ("la-changes-pending", RefreshOutcome.DELETED),
    ]
    assert [r.error for r in received.outcomes] == [None, None, None]
    assert b.received_la(UNI_B, UNI_A, "la-changes-pending") is None

    def down(request: httpx.Request) -> httpx.Response | None:
        if "/las/" in request.url.path:
            return httpx.Response(500, text="down for maintenance")
        return None

    network.intercept("a", down)
    async with network.client("a") as client:
        await AsyncLaCnrClient(client).notify(UNI_B, UNI_A, ["la-approved"])
    await network.idle()
    later = network.node("b").received[-1]
    assert later is not received
    (failed,) = later.outcomes
    assert failed.outcome is RefreshOutcome.FAILED
    assert failed.error is not None
    assert failed.error.startswith("PartnerServerError")
    assert b.received_la(UNI_B, UNI_A, "la-approved") is not None  # kept as it was


async def test_the_copies_and_our_approval_survive_a_restart_over_a_database(
    tmp_path: Path,
) -> None:
    a_spec, b_spec = specs()
    with SqliteState.open(tmp_path / "a.db") as a_db, SqliteState.open(tmp_path / "b.db") as b_db:
        nodes = [dataclasses.replace(a_spec, state=a_db), dataclasses.replace(b_spec, state=b_db)]
        async with MockNetwork(nodes, clock=ManualClock(START)) as network:
            await mapped_pair(network)
            record = network.actions("b").approve_partner_iia(UNI_B, UNI_A, A_ID)
            await network.idle()
            held = network.actions("b").partner_copies(UNI_B).get(UNI_A, A_ID)
    assert held is not None
    with SqliteState.open(tmp_path / "b.db") as b_db:
        alone = MockNetwork([NodeSpec("b", (UNI_B,), state=b_db)], clock=ManualClock(START))
        kept = alone.actions("b").partner_copies(UNI_B).get(UNI_A, A_ID)
    assert kept is not None
    assert kept.iia_hash == held.iia_hash
    assert kept.our_iia_id == B_ID
    assert kept.approved is not None
    assert kept.approved.record == record
    assert kept.approval_current


async def test_a_cnr_from_a_hei_the_node_was_never_introduced_to_is_not_fetched_from() -> None:
    app = create_app(MockConfig(base_url=BASE, server_key=key(1), client_key=key(2)))
    node = node_of_app(app)
    node.register_client(key(3).public_key, [STRANGER])
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(
            AsyncRegistryClient(f"{BASE}/catalogue-v1.xml", http=http), key=key(3), http=http
        ) as client,
    ):
        assert await AsyncIiaCnrClient(client).notify(DEFAULT_HEI, ["s-1"]) == 1
        assert await AsyncLaCnrClient(client).notify(DEFAULT_HEI, STRANGER, ["m-1"]) == 1
        await node.actions.refreshed()
    iia, la = node.actions.refreshes
    for record in (iia, la):
        assert record.outcome is RefreshOutcome.FAILED
        assert record.partner_hei_id == STRANGER
        assert record.error is not None
        assert record.error.startswith("NoEndpointError")
