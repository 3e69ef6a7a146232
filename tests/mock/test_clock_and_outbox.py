"""The node's business clock and its change-notification outbox, two nodes in one process.

Node ``a`` serves uni-a, node ``b`` serves uni-b (the demo data). ``b``'s own client
approves uni-a's pending LA proposal at ``a``'s ``update`` endpoint; ``a`` then owes
uni-b an LA CNR, which its delivery task sends to ``b`` through the network's
transport. The clock is a :class:`ManualClock` that only the tests move: retries a
day long run without waiting, and ``modified_since`` compares against business time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ewp_client import AsyncIiasClient, AsyncLasClient
from ewp_client.client.las import Signer
from ewp_client.clock import ManualClock
from ewp_client.cnr import (
    AttemptResult,
    CnrKind,
    EntryState,
    FailureKind,
    MemoryOutboxStore,
    OutboxEntry,
)
from ewp_client.errors import ConfigError
from ewp_mock import create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.network import MockNetwork, NodeSpec
from tests.mock.conftest import key

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
PENDING = "la-changes-pending"
SIGNER = Signer(
    name="Bruno Rossi",
    position="Erasmus+ coordinator",
    email="bruno.rossi@uni-b.example",
    timestamp=datetime(2026, 9, 25, 10, 0, tzinfo=UTC),
    app="ewp_client tests",
)


def two_nodes(clock: ManualClock) -> MockNetwork:
    dataset = demo_dataset()
    return MockNetwork(
        [
            NodeSpec("a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2)}),
            NodeSpec("b", (UNI_B,), dataset, {"server_key": key(3), "client_key": key(4)}),
        ],
        clock=clock,
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def network(clock: ManualClock) -> AsyncIterator[MockNetwork]:
    async with two_nodes(clock) as network:
        yield network


async def approve_as_b(network: MockNetwork, omobility_id: str = PENDING) -> None:
    """uni-b's coordinator approves uni-a's current proposal through node b's client."""
    async with network.client("b") as client:
        las = AsyncLasClient(client)
        la = await las.get_one(UNI_A, omobility_id)
        assert la is not None
        assert la.changes_proposal is not None
        await las.approve(UNI_A, omobility_id, la.changes_proposal.id, SIGNER)


def la_cnr(network: MockNetwork, omobility_id: str = PENDING) -> OutboxEntry:
    entries = network.node("a").outbox.entries(omobility_id, kind=CnrKind.LA)
    assert len(entries) == 1
    return entries[0]


def cnrs_at_b(network: MockNetwork) -> list[tuple[str | None, tuple[str, ...]]]:
    return [
        (r.sending_hei_id, r.object_ids) for r in network.node("b").received if r.kind is CnrKind.LA
    ]


async def until_due(network: MockNetwork, clock: ManualClock) -> None:
    """Move the clock to a's next try (or expiry) and let the nodes act."""
    due = network.node("a").outbox.next_due()
    assert due is not None
    network.advance(max(due - clock.now(), timedelta(0)))
    await network.idle()


class Partner:
    """Stands in front of b's LA CNR endpoint: each fault in turn (a status, or an httpx
    error raised), the last one until ``faults`` is emptied (b is back)."""

    def __init__(self, *faults: int | type[httpx.TransportError]) -> None:
        self.faults = list(faults)
        self.seen = 0

    def __call__(self, request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.startswith("/ewp/la-cnr/"):
            return None
        self.seen += 1
        if not self.faults:
            return None  # up: b answers
        fault = self.faults[0] if len(self.faults) == 1 else self.faults.pop(0)
        if isinstance(fault, int):
            return httpx.Response(fault, content=b"")
        raise fault("b is unreachable", request=request)


async def test_an_approval_at_a_makes_a_notify_b_with_an_la_cnr(network: MockNetwork) -> None:
    await approve_as_b(network)
    await network.idle()
    entry = la_cnr(network)
    assert entry.key.partner_hei_id == UNI_B
    assert entry.key.sending_hei_id == UNI_A
    assert entry.state is EntryState.DELIVERED
    assert [(a.result, a.status, a.at) for a in entry.attempts] == [
        (AttemptResult.DELIVERED, 200, START)
    ]
    assert cnrs_at_b(network) == [(UNI_A, (PENDING,))]
    received = network.node("b").received[0]
    assert received.hei_id == UNI_B
    assert received.caller_heis == frozenset({UNI_A})  # a's own client key, verified by b
    assert received.key_id == network["a"].config.client_key.key_id


async def test_a_partner_failing_500_then_timing_out_then_unreachable_gets_it_once_when_back(
    network: MockNetwork, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ewp_mock.delivery")
    partner = Partner(500, httpx.ReadTimeout, httpx.ConnectError)
    network.intercept("b", partner)
    await approve_as_b(network)
    await network.idle()
    first = la_cnr(network)
    assert [(a.result, a.status) for a in first.attempts] == [(AttemptResult.RETRY, 500)]
    assert first.attempts[0].next_try == first.due_at > START
    # the empty 500 body is logged with the delivery, not issued as a Python warning
    assert [r.getMessage() for r in caplog.records if "known issue" in r.getMessage()] == [
        f"la-cnr to {UNI_B}: HTTP 500 answer (no Content-Type) is not a proper error-response "
        "(empty); classified by its status (known issue error-response-malformed)"
    ]

    await until_due(network, clock)
    await until_due(network, clock)
    retried = la_cnr(network)
    assert [(a.result, a.error) for a in retried.attempts[1:]] == [
        (AttemptResult.RETRY, FailureKind.TIMEOUT),
        (AttemptResult.RETRY, FailureKind.CONNECT),
    ]
    assert cnrs_at_b(network) == []

    partner.faults.clear()  # b is back
    await until_due(network, clock)
    delivered = la_cnr(network)
    assert delivered.state is EntryState.DELIVERED
    assert [a.result for a in delivered.attempts] == [
        AttemptResult.RETRY,
        AttemptResult.RETRY,
        AttemptResult.RETRY,
        AttemptResult.DELIVERED,
    ]
    assert all(
        a.at == b.next_try for a, b in zip(delivered.attempts[1:], delivered.attempts, strict=False)
    )
    assert cnrs_at_b(network) == [(UNI_A, (PENDING,))]

    network.advance(timedelta(hours=30))  # nothing is sent again
    await network.idle()
    assert cnrs_at_b(network) == [(UNI_A, (PENDING,))]
    assert partner.seen == 4


async def test_a_400_stops_the_retries(network: MockNetwork, clock: ManualClock) -> None:
    partner = Partner(400)
    network.intercept("b", partner)
    await approve_as_b(network)
    await network.idle()
    entry = la_cnr(network)
    assert entry.state is EntryState.FAILED
    assert [(a.result, a.status, a.next_try) for a in entry.attempts] == [
        (AttemptResult.FAILED, 400, None)
    ]
    assert network.node("a").outbox.next_due() is None
    network.advance(timedelta(hours=2))
    await network.idle()
    assert partner.seen == 1
    assert len(la_cnr(network).attempts) == 1


async def test_an_undelivered_notification_expires_after_24_hours_of_retries(
    network: MockNetwork, clock: ManualClock
) -> None:
    partner = Partner(httpx.ConnectError)
    network.intercept("b", partner)
    await approve_as_b(network)
    await network.idle()
    while la_cnr(network).state is EntryState.PENDING:
        await until_due(network, clock)
    entry = la_cnr(network)
    assert entry.state is EntryState.EXPIRED
    assert entry.expires_at == START + timedelta(hours=24)
    *tries, expiry = entry.attempts
    assert len(tries) == partner.seen > 3
    assert {(a.result, a.error) for a in tries} == {(AttemptResult.RETRY, FailureKind.CONNECT)}
    assert all(a.at < entry.expires_at for a in tries)
    assert (expiry.result, expiry.at) == (AttemptResult.EXPIRED, entry.expires_at)
    assert clock.now() >= entry.expires_at
    assert cnrs_at_b(network) == []

    partner.faults.clear()
    network.advance(timedelta(hours=1))
    await network.idle()
    assert partner.seen == len(tries)  # nothing is tried after the expiry


async def test_flush_sends_what_is_pending_without_moving_the_clock(
    network: MockNetwork, clock: ManualClock
) -> None:
    partner = Partner(503)
    network.intercept("b", partner)
    await approve_as_b(network)
    await network.idle()
    assert la_cnr(network).state is EntryState.PENDING
    partner.faults.clear()
    sent = await network.node("a").outbox.flush()
    assert [(d.kind, d.object_ids, o.status) for d, o in sent] == [(CnrKind.LA, (PENDING,), 200)]
    assert la_cnr(network).state is EntryState.DELIVERED
    assert clock.now() == START
    assert cnrs_at_b(network) == [(UNI_A, (PENDING,))]


async def test_modified_since_follows_the_node_clock_on_both_indexes(
    network: MockNetwork, clock: ManualClock
) -> None:
    network.advance(timedelta(hours=2))
    await approve_as_b(network)  # the LA changes at START + 2 h
    async with network.client("b") as client:
        las, iias = AsyncLasClient(client), AsyncIiasClient(client)
        every_la = await las.index(UNI_A)
        every_iia = await iias.index(UNI_A)
        assert PENDING in every_la
        assert len(every_la) > 1
        assert every_iia
        before_load = START - timedelta(seconds=1)
        assert set(await las.index(UNI_A, modified_since=before_load)) == set(every_la)
        assert set(await iias.index(UNI_A, modified_since=before_load)) == set(every_iia)
        after_load = START + timedelta(hours=1)
        assert await las.index(UNI_A, modified_since=after_load) == (PENDING,)
        assert await iias.index(UNI_A, modified_since=after_load) == ()
        assert await las.index(UNI_A, modified_since=clock.now()) == ()


def test_the_node_reads_the_clock_it_is_given_and_an_empty_network_is_refused() -> None:
    clock = ManualClock(START)
    node = node_of_app(create_app(clock=clock))
    assert node.clock is clock
    assert node.outbox.clock is clock
    with pytest.raises(ConfigError):
        MockNetwork([])


async def test_the_app_lifespan_runs_the_delivery_task() -> None:
    app = create_app(clock=ManualClock(START))
    outbox = node_of_app(app).outbox
    assert not outbox.running
    with pytest.raises(ConfigError, match="not running"):
        await outbox.idle()
    async with app.router.lifespan_context(app):
        assert outbox.running
        await outbox.idle()
    assert not outbox.running


async def test_a_node_made_again_over_its_store_delivers_what_was_pending(
    clock: ManualClock,
) -> None:
    store = MemoryOutboxStore()
    dataset = demo_dataset()
    a_keys = {"server_key": key(1), "client_key": key(2)}
    b_keys = {"server_key": key(3), "client_key": key(4)}

    def network() -> MockNetwork:
        return MockNetwork(
            [
                NodeSpec("a", (UNI_A,), dataset, a_keys, outbox_store=store),
                NodeSpec("b", (UNI_B,), dataset, b_keys),
            ],
            clock=clock,
        )

    async with network() as before:
        before.intercept("b", Partner(503))
        await approve_as_b(before)
        await before.idle()
        assert la_cnr(before).state is EntryState.PENDING
    assert len(store) == 1

    async with network() as after:  # a restarted; b is up
        await after.idle()
        assert la_cnr(after).state is EntryState.PENDING  # due after its backoff, not before
        await until_due(after, clock)
        entry = la_cnr(after)
        assert entry.state is EntryState.DELIVERED
        assert [(a.result, a.status) for a in entry.attempts] == [
            (AttemptResult.RETRY, 503),
            (AttemptResult.DELIVERED, 200),
        ]
        assert cnrs_at_b(after) == [(UNI_A, (PENDING,))]
