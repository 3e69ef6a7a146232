"""The CNR outbox on a manual clock: dedup, schedule, terminal 4xx, expiry, crash and restart.

No I/O here: a scripted ``send`` plays the partner, and the clock is moved by
hand, so a day of retries is a loop of a few dozen steps.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ewp_client.clock import ManualClock
from ewp_client.cnr import (
    AttemptResult,
    Backoff,
    CnrKind,
    Delivered,
    Delivery,
    EntryState,
    Failed,
    FailureKind,
    MemoryOutboxStore,
    NotificationKey,
    Outbox,
    OutboxEntry,
    OutboxPolicy,
    Outcome,
    OutgoingNotification,
)
from ewp_client.errors import ConfigError

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
A, A2, B, C = "uni-a.example.org", "uni-a2.example.org", "uni-b.example.org", "uni-c.example.org"
SEC = timedelta(seconds=1)

UNAVAILABLE = Failed.for_status(503)
REFUSED = Failed(retryable=True, error=FailureKind.CONNECT, detail="TransportError")
TIMEOUT = Failed(retryable=True, error=FailureKind.TIMEOUT, detail="DeadlineExceededError")
BAD_REQUEST = Failed.for_status(400)


def ids() -> Iterator[str]:
    return (f"d{n}" for n in itertools.count(1))


def outbox(store: MemoryOutboxStore | None = None, **policy: object) -> Outbox:
    return Outbox(store, policy=OutboxPolicy(**policy), new_id=ids().__next__)  # type: ignore[arg-type]


class Partner:
    """A scripted ``send``: answers the outcomes given in turn, then ``Delivered``."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[Delivery] = []

    def __call__(self, delivery: Delivery) -> Outcome:
        self.sent.append(delivery)
        return self.outcomes.pop(0) if self.outcomes else Delivered()

    async def asend(self, delivery: Delivery) -> Outcome:
        return self(delivery)


def key(object_id: str, kind: CnrKind = CnrKind.IIA, partner: str = B) -> NotificationKey:
    sending = A if kind is CnrKind.LA else None
    return NotificationKey(
        kind=kind, partner_hei_id=partner, sending_hei_id=sending, object_id=object_id
    )


# ------------------------------------------------------------------ deduplication


def test_a_second_change_before_delivery_adds_no_second_notification() -> None:
    box = outbox()
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0 + SEC)
    box.enqueue(OutgoingNotification.iia(B, "iia-1", "iia-1"), T0 + 2 * SEC)
    (pending,) = box.pending()
    assert pending.revision == 3
    deliveries = box.due(T0 + 2 * SEC)
    assert [(d.kind, d.partner_hei_id, d.object_ids) for d in deliveries] == [
        (CnrKind.IIA, B, ("iia-1",))
    ]


def test_what_keeps_notifications_apart() -> None:
    box = outbox()
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    box.enqueue(OutgoingNotification.iia(C, "iia-1"), T0)  # another partner
    box.enqueue(OutgoingNotification.iia_approval(B, "iia-1"), T0)  # another kind
    box.enqueue(OutgoingNotification.iia(B, "iia-1", sending_hei_id=A2), T0)  # another HEI of ours
    box.enqueue(OutgoingNotification.iia(B, "iia-2"), T0)  # another object
    assert len(box.pending()) == 5
    assert len(box.due(T0)) == 5


def test_a_change_after_delivery_is_notified_again_with_the_history_kept() -> None:
    box, clock, partner = outbox(), ManualClock(T0), Partner()
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), clock.now())
    box.run_due_sync(partner, clock)
    assert box.entry(key("iia-1")).state is EntryState.DELIVERED  # type: ignore[union-attr]
    clock.advance(timedelta(hours=3))
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), clock.now())
    assert [e.key.object_id for e in box.pending()] == ["iia-1"]
    box.run_due_sync(partner, clock)
    assert len(partner.sent) == 2
    assert [(a.result, a.revision) for a in box.history("iia-1")] == [
        (AttemptResult.DELIVERED, 1),
        (AttemptResult.DELIVERED, 2),
    ]


def test_a_change_made_while_a_notification_is_on_its_way_is_notified_after_it() -> None:
    box = outbox()
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    (delivery,) = box.due(T0)
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0 + SEC)  # the partner may read too early
    assert box.due(T0 + SEC) == []  # on its way: not handed out twice
    (entry,) = box.record(delivery, Delivered(), T0 + 2 * SEC)
    assert (entry.state, entry.announced, entry.due_at) == (
        EntryState.PENDING,
        1,
        T0 + 2 * SEC,
    )
    assert entry.attempts[-1].next_try == T0 + 2 * SEC
    (again,) = box.due(T0 + 2 * SEC)
    assert again.revisions == (2,)
    (entry,) = box.record(again, Delivered(), T0 + 3 * SEC)
    assert (entry.state, entry.announced) == (EntryState.DELIVERED, 2)


# ------------------------------------------------------------------------ schedule


def test_retries_follow_the_backoff_exactly() -> None:
    box = outbox(backoff=Backoff(base=10 * SEC, factor=3, cap=timedelta(minutes=5)))
    clock, partner = (
        ManualClock(T0),
        Partner(UNAVAILABLE, TIMEOUT, REFUSED, UNAVAILABLE, UNAVAILABLE),
    )
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), clock.now())
    tried_at = []
    while box.pending():
        clock.set(box.next_due())  # type: ignore[arg-type]
        tried_at.append(clock.now() - T0)
        box.run_due_sync(partner, clock)
    # waits of 10, 30, 90, 270 s, then 810 s capped at 300 s
    assert tried_at == [0 * SEC, 10 * SEC, 40 * SEC, 130 * SEC, 400 * SEC, 700 * SEC]
    history = box.history("iia-1")
    assert [(a.result, a.status, a.error) for a in history] == [
        (AttemptResult.RETRY, 503, FailureKind.HTTP_STATUS),
        (AttemptResult.RETRY, None, FailureKind.TIMEOUT),
        (AttemptResult.RETRY, None, FailureKind.CONNECT),
        (AttemptResult.RETRY, 503, FailureKind.HTTP_STATUS),
        (AttemptResult.RETRY, 503, FailureKind.HTTP_STATUS),
        (AttemptResult.DELIVERED, 200, None),
    ]
    assert [a.next_try for a in history] == [
        T0 + 10 * SEC,
        T0 + 40 * SEC,
        T0 + 130 * SEC,
        T0 + 400 * SEC,
        T0 + 700 * SEC,
        None,
    ]
    assert [a.at for a in history] == [T0 + t for t in tried_at]
    assert box.entry(key("iia-1")).state is EntryState.DELIVERED  # type: ignore[union-attr]


def test_nothing_is_handed_out_before_it_is_due() -> None:
    box = outbox()
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    (delivery,) = box.due(T0)
    box.record(delivery, UNAVAILABLE, T0)
    assert box.next_due() == T0 + 30 * SEC
    assert box.due(T0 + 29 * SEC) == []
    assert len(box.due(T0 + 30 * SEC)) == 1


def test_force_hands_out_what_is_waiting_but_not_what_is_on_its_way() -> None:
    box = outbox()
    box.enqueue(OutgoingNotification.iia(B, "iia-1", "iia-2"), T0)
    first, second = box.due(T0)
    box.record(first, UNAVAILABLE, T0)
    (forced,) = box.due(T0 + SEC, force=True)
    assert forced.object_ids == first.object_ids
    assert second.object_ids == ("iia-2",)


def test_a_jittered_backoff_draws_from_the_outboxs_random_source() -> None:
    policy = OutboxPolicy(backoff=Backoff(base=100 * SEC, jitter=0.5))
    box = Outbox(policy=policy, random=lambda: 0.5)
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    (delivery,) = box.due(T0)
    (entry,) = box.record(delivery, UNAVAILABLE, T0)
    assert entry.due_at == T0 + 75 * SEC


def test_a_day_of_retries_ends_in_expiry_recorded_as_such() -> None:
    box, clock = outbox(), ManualClock(T0)
    partner = Partner(*[UNAVAILABLE] * 1000)
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), clock.now())
    rounds = 0
    while box.pending():
        clock.set(box.next_due())  # type: ignore[arg-type]
        box.run_due_sync(partner, clock)
        rounds += 1
    history = box.history("iia-1")
    tries = [a for a in history if a.result is AttemptResult.RETRY]
    # 30 s doubling to the 1 h cap: tries at 0, 30, 90, 210, 450, 930, 1890, 3810 s, then hourly
    assert [a.at - T0 for a in tries[:9]] == [
        s * SEC for s in (0, 30, 90, 210, 450, 930, 1890, 3810, 7410)
    ]
    assert len(tries) == len(partner.sent) == 30
    assert tries[-1].at == T0 + 83010 * SEC
    assert tries[-1].next_try is None  # the next one (86610 s) would fall past the expiry
    assert history[-1].result is AttemptResult.EXPIRED
    assert history[-1].at == T0 + timedelta(hours=24)
    assert history[-1].status is None
    assert rounds == 31
    assert box.entry(key("iia-1")).state is EntryState.EXPIRED  # type: ignore[union-attr]
    assert box.next_due() is None


def test_expiry_is_configurable_and_counts_from_the_latest_change() -> None:
    box = outbox(expire_after=timedelta(hours=1))
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    (delivery,) = box.due(T0)
    box.record(delivery, REFUSED, T0)
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0 + timedelta(minutes=30))
    assert box.expire(T0 + timedelta(hours=1)) == []
    (expired,) = box.expire(T0 + timedelta(hours=1, minutes=30))
    assert expired.state is EntryState.EXPIRED
    assert expired.attempts[-1].at == T0 + timedelta(hours=1, minutes=30)


def test_a_delivery_on_its_way_does_not_expire_under_it() -> None:
    box = outbox(expire_after=timedelta(minutes=5), lease=timedelta(minutes=10))
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    (delivery,) = box.due(T0)
    assert box.expire(T0 + timedelta(minutes=6)) == []
    (entry,) = box.record(delivery, Delivered(), T0 + timedelta(minutes=7))
    assert entry.state is EntryState.DELIVERED


# ------------------------------------------------------------------ terminal failures


def test_a_4xx_stops_the_retries_with_its_status_recorded() -> None:
    box, clock, partner = outbox(), ManualClock(T0), Partner(UNAVAILABLE, BAD_REQUEST)
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), clock.now())
    box.run_due_sync(partner, clock)
    clock.advance(30 * SEC)
    box.run_due_sync(partner, clock)
    entry = box.entry(key("iia-1"))
    assert entry is not None
    assert entry.state is EntryState.FAILED
    assert [(a.result, a.status, a.next_try) for a in entry.attempts] == [
        (AttemptResult.RETRY, 503, T0 + 30 * SEC),
        (AttemptResult.FAILED, 400, None),
    ]
    assert box.pending() == []
    assert box.next_due() is None
    clock.advance(timedelta(days=2))
    assert box.run_due_sync(partner, clock) == []
    assert len(partner.sent) == 2


def test_501_is_terminal_and_so_is_a_failure_said_to_be() -> None:
    box = outbox()
    box.enqueue(OutgoingNotification.iia(B, "a", "b"), T0)
    first, second = box.due(T0)
    (one,) = box.record(first, Failed.for_status(501), T0)
    (two,) = box.record(second, Failed(retryable=False, error=FailureKind.NO_ENDPOINT), T0)
    assert (one.state, two.state) == (EntryState.FAILED, EntryState.FAILED)
    assert two.attempts[-1].error is FailureKind.NO_ENDPOINT


# --------------------------------------------------------------------- LA batches


def test_la_notifications_due_together_travel_in_batches() -> None:
    box = outbox(la_batch_size=2)
    box.enqueue(OutgoingNotification.la(B, A, "om-1", "om-2", "om-3"), T0)
    box.enqueue(OutgoingNotification.la(C, A, "om-4"), T0)
    box.enqueue(OutgoingNotification.la(B, A2, "om-5"), T0)
    batches = sorted(
        (d.partner_hei_id, d.sending_hei_id, d.object_ids, d.revisions) for d in box.due(T0)
    )
    assert batches == [
        (B, A, ("om-1", "om-2"), (1, 1)),
        (B, A, ("om-3",), (1,)),
        (B, A2, ("om-5",), (1,)),
        (C, A, ("om-4",), (1,)),
    ]


def test_each_id_of_a_batch_keeps_its_own_schedule() -> None:
    box, clock = outbox(), ManualClock(T0)
    box.enqueue(OutgoingNotification.la(B, A, "om-1"), clock.now())
    box.run_due_sync(Partner(UNAVAILABLE), clock)
    clock.advance(30 * SEC)
    box.enqueue(OutgoingNotification.la(B, A, "om-2"), clock.now())
    partner = Partner(UNAVAILABLE)
    box.run_due_sync(partner, clock)
    (batch,) = partner.sent
    assert batch.object_ids == ("om-1", "om-2")
    assert box.entry(key("om-1", CnrKind.LA)).due_at == clock.now() + 60 * SEC  # type: ignore[union-attr]
    assert box.entry(key("om-2", CnrKind.LA)).due_at == clock.now() + 30 * SEC  # type: ignore[union-attr]
    assert {a.delivery_id for a in box.history("om-1")} >= {batch.id}


# ------------------------------------------------------------------ store, restart


def test_the_store_holds_every_step_and_a_restart_carries_on() -> None:
    store = MemoryOutboxStore()
    box, clock = outbox(store), ManualClock(T0)
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), clock.now())
    box.enqueue(OutgoingNotification.la(B, A, "om-1"), clock.now())
    box.run_due_sync(Partner(UNAVAILABLE, Delivered()), clock)
    assert len(store) == 2

    restarted = outbox(store)
    assert sorted(e.to_json() for e in restarted.entries()) == sorted(
        e.to_json() for e in box.entries()
    )
    (pending,) = restarted.pending()
    clock.advance(30 * SEC)
    restarted.run_due_sync(Partner(), clock)
    assert restarted.pending() == []
    assert [a.result for a in outbox(store).history(pending.key.object_id)] == [
        AttemptResult.RETRY,
        AttemptResult.DELIVERED,
    ]


def test_a_crash_during_a_delivery_loses_nothing_the_lease_brings_it_back() -> None:
    store = MemoryOutboxStore()
    box = outbox(store, lease=timedelta(minutes=10))
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    assert len(box.due(T0)) == 1  # handed out, then the process dies before recording
    restarted = outbox(store)
    assert restarted.due(T0 + timedelta(minutes=9)) == []
    assert restarted.next_due() == T0 + timedelta(minutes=10)
    (again,) = restarted.due(T0 + timedelta(minutes=10))
    assert again.object_ids == ("iia-1",)


def test_a_node_alone_on_its_store_takes_its_leases_back_at_start() -> None:
    store = MemoryOutboxStore()
    box = outbox(store)
    box.enqueue(OutgoingNotification.iia(B, "iia-1", "iia-2"), T0)
    first, _ = box.due(T0)
    box.record(first, Delivered(), T0)  # the second is on its way when the process dies
    restarted = outbox(store)
    (released,) = restarted.release_leases()
    assert released.key == key("iia-2")
    assert restarted.release_leases() == []
    (again,) = restarted.due(T0 + SEC)
    assert again.object_ids == ("iia-2",)
    assert [e.leased_until for e in outbox(store).pending()] == [T0 + SEC + timedelta(minutes=10)]


class FailingStore(MemoryOutboxStore):
    def save(self, entries: object) -> None:
        raise OSError("disk full")


def test_a_step_the_store_refuses_is_not_taken() -> None:
    box = Outbox(FailingStore())
    with pytest.raises(OSError, match="disk full"):
        box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    assert box.entries() == []


def test_prune_forgets_finished_entries_older_than_a_time() -> None:
    store = MemoryOutboxStore()
    box, clock = outbox(store), ManualClock(T0)
    box.enqueue(OutgoingNotification.iia(B, "done", "refused", "waiting"), clock.now())
    box.run_due_sync(Partner(Delivered(), BAD_REQUEST, UNAVAILABLE), clock)
    assert box.prune(T0) == 0
    assert box.prune(T0 + SEC) == 2
    assert [e.key.object_id for e in box.entries()] == ["waiting"]
    assert len(store) == 1


# ------------------------------------------------------------------ reading, rounds


def test_entries_filter_and_history_spans_partners() -> None:
    box, clock = outbox(), ManualClock(T0)
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), clock.now())
    box.enqueue(OutgoingNotification.iia(C, "iia-1"), clock.now())
    box.run_due_sync(Partner(UNAVAILABLE), clock)
    assert len(box.entries("iia-1")) == 2
    assert [e.key.partner_hei_id for e in box.entries(partner_hei_id=C)] == [C]
    assert len(box.entries(state=EntryState.DELIVERED)) == 1
    assert len(box.history("iia-1")) == 2
    assert [a.status for a in box.history("iia-1", partner_hei_id=B)] == [503]
    assert box.history("iia-1", kind=CnrKind.LA) == []


async def test_run_due_sends_concurrently_and_records_each_outcome() -> None:
    box, clock = outbox(), ManualClock(T0)
    box.enqueue(OutgoingNotification.iia(B, "a", "b", "c"), clock.now())
    partner = Partner(UNAVAILABLE)
    results = await box.run_due(partner.asend, clock, concurrency=3)
    assert sorted((d.object_ids, type(o).__name__) for d, o in results) == [
        (("a",), "Failed"),
        (("b",), "Delivered"),
        (("c",), "Delivered"),
    ]
    assert [e.key.object_id for e in box.pending()] == ["a"]
    assert await box.run_due(partner.asend, clock) == []


async def test_a_send_that_raises_leaves_its_delivery_to_the_lease() -> None:
    box, clock = outbox(), ManualClock(T0)
    box.enqueue(OutgoingNotification.iia(B, "a", "b"), clock.now())

    async def send(delivery: Delivery) -> Outcome:
        if delivery.object_ids == ("a",):
            raise RuntimeError("bug in the sender")
        return Delivered()

    with pytest.raises(RuntimeError, match="bug in the sender"):
        await box.run_due(send, clock)
    assert box.entry(key("b")).state is EntryState.DELIVERED  # type: ignore[union-attr]
    (left,) = box.pending()
    assert left.in_flight(clock.now())
    with pytest.raises(ConfigError):
        await box.run_due(send, clock, concurrency=0)


def test_run_due_sync_records_the_others_when_one_send_raises() -> None:
    box, clock = outbox(), ManualClock(T0)
    box.enqueue(OutgoingNotification.iia(B, "a", "b"), clock.now())

    def send(delivery: Delivery) -> Outcome:
        if delivery.object_ids == ("a",):
            raise RuntimeError("bug in the sender")
        return Delivered()

    with pytest.raises(RuntimeError):
        box.run_due_sync(send, clock)
    assert box.entry(key("b")).state is EntryState.DELIVERED  # type: ignore[union-attr]


def test_recording_what_was_not_handed_out_is_refused_or_ignored() -> None:
    box = outbox()
    box.enqueue(OutgoingNotification.iia(B, "iia-1"), T0)
    forged = Delivery(
        id="x", kind=CnrKind.IIA, partner_hei_id=B, sending_hei_id=None, object_ids=("iia-1",)
    )
    with pytest.raises(ConfigError, match="revisions"):
        box.record(forged, Delivered(), T0)
    unknown = Delivery(
        id="y",
        kind=CnrKind.IIA,
        partner_hei_id=C,
        sending_hei_id=None,
        object_ids=("iia-1",),
        revisions=(1,),
    )
    assert box.record(unknown, Delivered(), T0) == []
    assert box.entry(key("iia-1")).state is EntryState.PENDING  # type: ignore[union-attr]


def test_naive_times_and_bad_policies_are_refused() -> None:
    box = outbox()
    with pytest.raises(ConfigError):
        box.enqueue(OutgoingNotification.iia(B, "iia-1"), datetime(2026, 3, 1))
    for bad in (
        {"expire_after": timedelta(0)},
        {"lease": -SEC},
        {"la_batch_size": 0},
        {"la_batch_size": True},
    ):
        with pytest.raises(ConfigError):
            OutboxPolicy(**bad)  # type: ignore[arg-type]


def test_entries_returned_are_the_stored_ones() -> None:
    store = MemoryOutboxStore()
    box = outbox(store)
    (entry,) = box.enqueue(OutgoingNotification.la(B, A, "om-1"), T0)
    assert [OutboxEntry.from_json(e.to_json()) for e in store.load()] == [entry]
