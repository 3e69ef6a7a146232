"""The change-notification outbox: which CNRs are due, and what became of each attempt.

When a node's data changes it must tell the partners concerned (IIA CNR, IIA
Approval CNR, LA CNR), and a partner may be down when it does. The outbox
keeps the notifications until they are delivered, refused, or too old, and
decides when each is tried; it does no I/O and reads no clock of its own:

* :meth:`Outbox.enqueue` queues a change. A change of an object whose
  notification has not gone out yet adds nothing (deduplicated per kind,
  partner, sending HEI and object); it only makes the notification live
  longer (its expiry counts from the latest change).
* :meth:`Outbox.due` hands out the :class:`Delivery` requests to send now.
  LA CNRs of one sending HEI to one partner that are due together travel in
  one request of up to ``la_batch_size`` ids (the client's sender splits
  them further at the partner's ``max-omobility-ids``); IIA CNRs carry one
  id each, as the API wants.
* The caller sends each and hands the :data:`Outcome` to :meth:`Outbox.record`:
  :class:`Delivered`, or :class:`Failed` retryable (5xx, timeouts, refused
  connections: tried again after an exponential backoff) or not (4xx: the
  notification fails for good, its status recorded).
* A notification not delivered ``expire_after`` (24 hours by default) after
  its latest change expires, recorded as such; no attempt starts after that.

Every attempt is kept (:meth:`Outbox.history`): when, the outcome or status,
the next try. :meth:`Outbox.run_due` and :meth:`Outbox.run_due_sync` are the
only pieces near I/O: they run one round with a ``send`` callable given by
the caller (:mod:`ewp_client.cnr.send` makes one from an EWP client).

Times are business time (:mod:`ewp_client.clock`): with a
:class:`~ewp_client.clock.ManualClock` a day of retries runs in milliseconds.
"""

from __future__ import annotations

import dataclasses
import random as _random
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..clock import Clock, as_utc
from ..errors import ConfigError
from .backoff import Backoff
from .model import (
    Attempt,
    AttemptResult,
    CnrKind,
    Delivered,
    Delivery,
    EntryState,
    FailureKind,
    NotificationKey,
    OutboxEntry,
    Outcome,
    OutgoingNotification,
)
from .store import MemoryOutboxStore, OutboxStore

__all__ = ["Outbox", "OutboxPolicy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxPolicy:
    """How the outbox schedules: backoff, expiry, lease and LA batch size.

    ``lease`` is how long a handed-out delivery is considered on its way: it
    is not handed out again nor expired before then, and after a crash it is
    tried again once the lease has run out (or at once, for a node that
    calls :meth:`Outbox.release_leases` at start). It should exceed the
    longest a send may take (the client's deadline, times its own attempts).
    """

    backoff: Backoff = field(default_factory=Backoff)
    expire_after: timedelta = timedelta(hours=24)
    lease: timedelta = timedelta(minutes=10)
    la_batch_size: int = 50

    def __post_init__(self) -> None:
        if self.expire_after <= timedelta(0):
            raise ConfigError(f"expire_after must be a positive time, not {self.expire_after}")
        if self.lease <= timedelta(0):
            raise ConfigError(f"the lease must be a positive time, not {self.lease}")
        if isinstance(self.la_batch_size, bool) or self.la_batch_size < 1:
            raise ConfigError(f"la_batch_size must be at least 1, not {self.la_batch_size!r}")


Send = Callable[[Delivery], Awaitable[Outcome]]
SendSync = Callable[[Delivery], Outcome]


class Outbox:
    """Change notifications waiting for their partners (see the module docstring).

    ``store`` keeps the entries (in memory unless given); an outbox made over
    a store that already holds entries carries on with them. ``random`` draws
    the backoff's jitter and ``new_id`` names deliveries (both replaceable to
    make runs reproducible). Safe to use from several threads (a node's
    routes queue while its delivery loop records).
    """

    def __init__(
        self,
        store: OutboxStore | None = None,
        *,
        policy: OutboxPolicy | None = None,
        random: Callable[[], float] | None = None,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.store: OutboxStore = store if store is not None else MemoryOutboxStore()
        self.policy = policy if policy is not None else OutboxPolicy()
        self._random = random or _random.random
        self._new_id = new_id or (lambda: uuid.uuid4().hex)
        self._lock = threading.RLock()
        self._entries: dict[NotificationKey, OutboxEntry] = {
            entry.key: entry for entry in self.store.load()
        }

    # ------------------------------------------------------------- queueing

    def enqueue(self, notification: OutgoingNotification, now: datetime) -> list[OutboxEntry]:
        """Queue ``notification``'s objects as changed at ``now``; returns their entries.

        An object already waiting keeps its place and schedule (no second
        notification); its expiry moves to ``now + expire_after``. An object
        whose last notification finished (delivered, failed, expired) starts
        a new round, due at once; its history is kept.
        """
        now = as_utc(now, what="now")
        expires_at = now + self.policy.expire_after
        with self._lock:
            changed = []
            for key in notification.entry_keys():
                entry = self._entries.get(key)
                url = notification.url
                if entry is None:
                    entry = OutboxEntry(
                        key=key,
                        state=EntryState.PENDING,
                        revision=1,
                        announced=0,
                        changed_at=now,
                        due_at=now,
                        expires_at=expires_at,
                        url=url,
                    )
                else:
                    entry = dataclasses.replace(
                        entry,
                        revision=entry.revision + 1,
                        changed_at=now,
                        expires_at=expires_at,
                        url=url if url is not None else entry.url,
                    )
                    if entry.finished:
                        entry = _new_round(entry, now)
                changed.append(entry)
            self._commit(changed)
            return changed

    # ------------------------------------------------------------- delivering

    def due(self, now: datetime, *, force: bool = False) -> list[Delivery]:
        """The deliveries to send now, each leased until ``now + lease``.

        Expires what is past its time first (:meth:`expire`). ``force`` hands
        out every pending notification not on its way, due or not (a "flush
        now", e.g. when a partner is known to be back).
        """
        now = as_utc(now, what="now")
        with self._lock:
            self._expire(now)
            ready = sorted(
                (
                    e
                    for e in self._entries.values()
                    if e.state is EntryState.PENDING
                    and not e.in_flight(now)
                    and (force or e.due_at <= now)
                ),
                key=_order,
            )
            deliveries = [
                Delivery(
                    id=self._new_id(),
                    kind=group[0].key.kind,
                    partner_hei_id=group[0].key.partner_hei_id,
                    sending_hei_id=group[0].key.sending_hei_id,
                    object_ids=tuple(e.key.object_id for e in group),
                    url=group[0].url,
                    revisions=tuple(e.revision for e in group),
                )
                for group in self._batches(ready)
            ]
            leased = now + self.policy.lease
            self._commit([dataclasses.replace(e, leased_until=leased) for e in ready])
            return deliveries

    def record(self, delivery: Delivery, outcome: Outcome, now: datetime) -> list[OutboxEntry]:
        """Record what became of ``delivery`` at ``now``; returns the entries as they are now.

        Each object gets an :class:`Attempt`. :class:`Delivered`: the entry is
        delivered, unless the object changed again since the delivery was
        handed out (then that change is due at once). :class:`Failed` and
        retryable: tried again after the backoff (the entry waits for its
        expiry instead when that comes first). Not retryable: failed for good
        (unless changed again meanwhile). An entry that is gone (pruned) is
        skipped; one already finished only gets the record.
        """
        now = as_utc(now, what="now")
        with self._lock:
            changed = []
            for key, revision in zip(delivery.entry_keys(), _revisions(delivery), strict=True):
                entry = self._entries.get(key)
                if entry is None:
                    continue
                changed.append(self._recorded(entry, revision, delivery.id, outcome, now))
            self._commit(changed)
            return changed

    def _recorded(
        self, entry: OutboxEntry, revision: int, delivery_id: str, outcome: Outcome, now: datetime
    ) -> OutboxEntry:
        status: int | None = outcome.status
        error: FailureKind | None = None
        detail: str | None = None
        if isinstance(outcome, Delivered):
            result = AttemptResult.DELIVERED
        else:
            result = AttemptResult.RETRY if outcome.retryable else AttemptResult.FAILED
            error, detail = outcome.error, outcome.detail

        def attempts(next_try: datetime | None) -> tuple[Attempt, ...]:
            attempt = Attempt(
                at=now,
                result=result,
                revision=revision,
                status=status,
                error=error,
                detail=detail,
                next_try=next_try,
                delivery_id=delivery_id,
            )
            return (*entry.attempts, attempt)

        if entry.finished:  # expired meanwhile (a lease outlived): only the record
            return dataclasses.replace(entry, attempts=attempts(None))
        if result is AttemptResult.RETRY:
            tries = entry.tries + 1
            next_try = now + self.policy.backoff.delay(tries, self._random)
            # No try starts at or after the expiry: the entry then waits for it.
            scheduled = next_try if next_try < entry.expires_at else None
            return dataclasses.replace(
                entry,
                tries=tries,
                due_at=scheduled or entry.expires_at,
                leased_until=None,
                attempts=attempts(scheduled),
            )
        announced = revision if result is AttemptResult.DELIVERED else entry.announced
        if entry.revision > revision:  # changed while on its way: announce that change now
            return dataclasses.replace(
                entry,
                announced=announced,
                tries=0,
                due_at=now,
                leased_until=None,
                attempts=attempts(now),
            )
        state = EntryState.DELIVERED if result is AttemptResult.DELIVERED else EntryState.FAILED
        return dataclasses.replace(
            entry, state=state, announced=announced, leased_until=None, attempts=attempts(None)
        )

    def expire(self, now: datetime) -> list[OutboxEntry]:
        """Expire the pending notifications past their expiry time; returns them."""
        now = as_utc(now, what="now")
        with self._lock:
            return self._expire(now)

    def _expire(self, now: datetime) -> list[OutboxEntry]:
        expired = []
        for entry in self._entries.values():
            if entry.state is not EntryState.PENDING or entry.in_flight(now):
                continue
            if now >= entry.expires_at:
                last = entry.attempts[-1].at if entry.attempts else entry.expires_at
                record = Attempt(
                    at=max(entry.expires_at, last),
                    result=AttemptResult.EXPIRED,
                    revision=entry.revision,
                )
                expired.append(
                    dataclasses.replace(
                        entry,
                        state=EntryState.EXPIRED,
                        leased_until=None,
                        attempts=(*entry.attempts, record),
                    )
                )
        self._commit(expired)
        return expired

    def release_leases(self) -> list[OutboxEntry]:
        """Take back every delivery handed out and not recorded; returns their entries.

        For a node that alone uses its store, at start: after a crash nothing
        handed out before is still on its way, so its notifications are due
        again at once instead of when their leases run out. (Where several
        processes share a store, the leases do this job; do not call it.)
        """
        with self._lock:
            released = [
                dataclasses.replace(e, leased_until=None)
                for e in self._entries.values()
                if e.leased_until is not None
            ]
            self._commit(released)
            return released

    # ---------------------------------------------------------------- reading

    def next_due(self) -> datetime | None:
        """When :meth:`due` next has something to do (a try, an expiry, a lease running
        out); ``None`` when nothing is pending. A delivery loop sleeps until then."""
        with self._lock:
            times = [
                e.leased_until if e.leased_until is not None else min(e.due_at, e.expires_at)
                for e in self._entries.values()
                if e.state is EntryState.PENDING
            ]
        return min(times, default=None)

    def entry(self, key: NotificationKey) -> OutboxEntry | None:
        with self._lock:
            return self._entries.get(key)

    def entries(
        self,
        object_id: str | None = None,
        *,
        kind: CnrKind | None = None,
        partner_hei_id: str | None = None,
        state: EntryState | None = None,
    ) -> list[OutboxEntry]:
        """The entries matching every criterion given, in due order."""
        with self._lock:
            found = [
                e
                for e in self._entries.values()
                if (object_id is None or e.key.object_id == object_id)
                and (kind is None or e.key.kind is kind)
                and (partner_hei_id is None or e.key.partner_hei_id == partner_hei_id)
                and (state is None or e.state is state)
            ]
        return sorted(found, key=_order)

    def pending(self) -> list[OutboxEntry]:
        """The notifications not yet delivered, failed or expired (in due order)."""
        return self.entries(state=EntryState.PENDING)

    def history(
        self,
        object_id: str,
        *,
        kind: CnrKind | None = None,
        partner_hei_id: str | None = None,
    ) -> list[Attempt]:
        """Every attempt (and expiry) recorded for ``object_id``'s notifications, oldest first."""
        attempts = [
            a
            for e in self.entries(object_id, kind=kind, partner_hei_id=partner_hei_id)
            for a in e.attempts
        ]
        return sorted(attempts, key=lambda a: a.at)

    def prune(self, before: datetime) -> int:
        """Forget the finished entries whose last record is older than ``before``; returns
        how many (their history goes with them; a later change starts afresh)."""
        before = as_utc(before, what="before")
        with self._lock:
            gone = [
                e.key
                for e in self._entries.values()
                if e.finished and (e.attempts[-1].at if e.attempts else e.changed_at) < before
            ]
            self.store.delete(gone)
            for key in gone:
                del self._entries[key]
        return len(gone)

    # ----------------------------------------------------------------- rounds

    async def run_due(
        self, send: Send, clock: Clock, *, force: bool = False, concurrency: int = 1
    ) -> list[tuple[Delivery, Outcome]]:
        """Send what is due now with ``send`` and record each outcome; one round.

        Up to ``concurrency`` deliveries are on their way at once (a partner
        that times out then does not hold the others up). ``send`` reports
        failures as :class:`Failed`; should it raise instead, the other
        deliveries are still recorded, that one is left to its lease (tried
        again when it runs out) and the first such exception is raised.
        """
        import asyncio  # not at module level: the sans-I/O part does not need it

        if concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, not {concurrency}")
        gate = asyncio.Semaphore(concurrency)

        async def deliver(delivery: Delivery) -> tuple[Delivery, Outcome]:
            async with gate:
                outcome = await send(delivery)
            self.record(delivery, outcome, clock.now())
            return delivery, outcome

        deliveries = self.due(clock.now(), force=force)
        results = await asyncio.gather(*map(deliver, deliveries), return_exceptions=True)
        return _results(results)

    def run_due_sync(
        self, send: SendSync, clock: Clock, *, force: bool = False
    ) -> list[tuple[Delivery, Outcome]]:
        """The blocking twin of :meth:`run_due`: one round, one delivery after the other."""
        results: list[tuple[Delivery, Outcome] | BaseException] = []
        for delivery in self.due(clock.now(), force=force):
            try:
                outcome = send(delivery)
            except Exception as exc:
                results.append(exc)
                continue
            self.record(delivery, outcome, clock.now())
            results.append((delivery, outcome))
        return _results(results)

    # --------------------------------------------------------------- internals

    def _batches(self, ready: Sequence[OutboxEntry]) -> Iterable[list[OutboxEntry]]:
        groups: dict[tuple[NotificationKey, str | None], list[OutboxEntry]] = {}
        for entry in ready:
            if entry.key.kind is not CnrKind.LA:
                yield [entry]
                continue
            group_key = (dataclasses.replace(entry.key, object_id=""), entry.url)
            group = groups.setdefault(group_key, [])
            group.append(entry)
            if len(group) == self.policy.la_batch_size:
                yield groups.pop(group_key)
        yield from groups.values()

    def _commit(self, entries: Sequence[OutboxEntry]) -> None:
        """Save, then show: the store holds every step before the outbox acts on it."""
        if not entries:
            return
        self.store.save(entries)
        for entry in entries:
            self._entries[entry.key] = entry


def _new_round(entry: OutboxEntry, now: datetime) -> OutboxEntry:
    """``entry`` due at once for its latest change, backoff reset."""
    return dataclasses.replace(
        entry, state=EntryState.PENDING, tries=0, due_at=now, leased_until=None
    )


def _order(entry: OutboxEntry) -> tuple[datetime, str, str, str, str]:
    key = entry.key
    return (
        entry.due_at,
        key.kind.value,
        key.partner_hei_id,
        key.sending_hei_id or "",
        key.object_id,
    )


def _revisions(delivery: Delivery) -> tuple[int, ...]:
    if len(delivery.revisions) != len(delivery.object_ids):
        raise ConfigError(
            f"delivery {delivery.id} has {len(delivery.revisions)} revisions for "
            f"{len(delivery.object_ids)} ids: it was not made by Outbox.due"
        )
    return delivery.revisions


def _results(
    results: Sequence[tuple[Delivery, Outcome] | BaseException],
) -> list[tuple[Delivery, Outcome]]:
    done: list[tuple[Delivery, Outcome]] = []
    errors: list[BaseException] = []
    for result in results:
        if isinstance(result, BaseException):
            errors.append(result)
        else:
            done.append(result)
    if errors:
        raise errors[0]
    return done
