"""The node's change notifications on their way: its outbox, and the task that delivers it.

A node queues a CNR when its data changes (:meth:`NodeOutbox.enqueue`); the
:class:`~ewp_client.cnr.Outbox` decides when each is tried, and the delivery
task sends what is due through the library's CNR clients
(:func:`ewp_client.cnr.async_sender`) over an :class:`~ewp_client.AsyncEwpClient`
signed with the node's client key. Every time is the node's business clock
(:mod:`ewp_client.clock`): with a :class:`~ewp_client.clock.ManualClock` a day
of retries runs in milliseconds, since the task never waits for business time
to pass by itself:

* it sleeps until the outbox's :meth:`~ewp_client.cnr.Outbox.next_due`, on
  the real clock at most :data:`MAX_NAP` seconds at a time, and wakes early
  when something is queued or when :meth:`NodeOutbox.wake` is called (what a
  test or a control API does after moving a manual clock);
* :meth:`NodeOutbox.flush` sends everything pending at once, due or not
  (a partner known to be back);
* :meth:`NodeOutbox.idle` waits until the task has nothing due now: a test
  awaits it instead of sleeping.

How the node reaches its partners is an :class:`Outgoing`: the catalogue it
finds them in, the key it signs with, the CA certificates it trusts, and, for
nodes in one process, the httpx transport that routes to their apps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

import httpx

from ewp_client import errors
from ewp_client.client import NO_RETRY
from ewp_client.client.async_ import AsyncEwpClient
from ewp_client.clock import Clock
from ewp_client.cnr import (
    Attempt,
    CnrKind,
    Delivery,
    EntryState,
    Failed,
    NotificationKey,
    Outbox,
    OutboxEntry,
    Outcome,
    OutgoingNotification,
    async_sender,
)
from ewp_client.errors import ConfigError
from ewp_client.partner_warnings import collected
from ewp_client.registry import CachePolicy
from ewp_client.registry.client import AsyncRegistryClient
from ewp_client.security import SigningKey

from .exchange_log import ExchangeRing, note_known_issue

if TYPE_CHECKING:
    from .refresh import RefreshRecord

__all__ = ["MAX_NAP", "NodeOutbox", "Outgoing", "ReceivedNotification", "trust_context"]

log = logging.getLogger("ewp_mock.delivery")

#: The longest the delivery task sleeps on the real clock before looking again.
MAX_NAP: Final = 30.0
#: The node reads its catalogue again after this many (real) seconds: peers
#: introduced later are found soon, and a delivery costs one conditional GET at most.
CATALOGUE_TTL: Final = 1.0
#: What the task sleeps (real seconds) after a round that raised (a bug, not a partner's
#: failure: those are outcomes), unless woken.
ERROR_NAP: Final = 5.0
#: What the task sleeps (real seconds) when something is due but a round sent nothing.
_SPIN_GUARD: Final = 0.05


def trust_context(ca_files: Sequence[Path]) -> ssl.SSLContext | bool:
    """What the node's client verifies partners' TLS with: the CAs in ``ca_files``.

    ``True`` (the system's CAs) when there are none. An unreadable or
    malformed file is a :class:`~ewp_client.errors.ConfigError`.
    """
    if not ca_files:
        return True
    context = ssl.create_default_context()
    for path in ca_files:
        try:
            context.load_verify_locations(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot trust the CA certificate {path}: {exc}") from exc
    return context


@dataclass(frozen=True, slots=True, kw_only=True)
class Outgoing:
    """How a node calls its partners.

    ``catalogue_url`` is the Registry catalogue it finds them in (usually its
    own, which lists the peers it was introduced to); ``key`` signs its
    requests; ``hei_ids`` are the HEIs it acts for; ``verify`` is what TLS
    certificates it trusts (see :func:`trust_context`); ``transport``, when
    given, carries every request (the in-process network routes them to the
    nodes' apps; ``verify`` is then the transport's business). ``timeout`` is
    the per-request timeout in seconds, ``deadline`` the whole exchange's.
    ``exchanges``, when given, records every request sent and its answer
    (through :meth:`~ewp_mock.exchange_log.ExchangeRing.transport`, the
    caller's HEIs being ``hei_ids``); the calls then go straight to the
    partners (an ``HTTPS_PROXY`` in the environment is not used: httpx takes
    none for a client given its transport).
    """

    catalogue_url: str
    key: SigningKey
    hei_ids: tuple[str, ...] = ()
    verify: ssl.SSLContext | bool = True
    transport: httpx.AsyncBaseTransport | None = None
    timeout: float = 10.0
    deadline: float = 30.0
    exchanges: ExchangeRing | None = None

    def open(self) -> tuple[AsyncEwpClient, httpx.AsyncClient]:
        """A client for one delivery task, and the HTTP client to close with it."""
        transport = self.transport
        if self.exchanges is not None:
            inner = transport or httpx.AsyncHTTPTransport(verify=self.verify)
            transport = self.exchanges.transport(inner, heis=self.hei_ids)
        http = httpx.AsyncClient(transport=transport, verify=self.verify, timeout=self.timeout)
        policy = CachePolicy(default_ttl=CATALOGUE_TTL, min_ttl=CATALOGUE_TTL)
        registry = AsyncRegistryClient(
            self.catalogue_url, http=http, policy=policy, deadline=self.deadline
        )
        client = AsyncEwpClient(
            registry,
            key=self.key,
            http=http,
            retry=NO_RETRY,
            deadline=self.deadline,
            hei_ids=self.hei_ids,
        )
        return client, http


@dataclass(slots=True)
class _Task:
    """The running delivery task, the loop it runs in and its events."""

    loop: asyncio.AbstractEventLoop
    woken: asyncio.Event
    idle: asyncio.Event
    task: asyncio.Task[None] | None = None
    wakes: int = 0


@dataclass(slots=True)
class _Link:
    client: AsyncEwpClient
    http: httpx.AsyncClient
    loop: asyncio.AbstractEventLoop


class NodeOutbox:
    """A node's :class:`~ewp_client.cnr.Outbox` on the node's clock, with its delivery task.

    The reading methods (:meth:`entries`, :meth:`pending`, :meth:`history`,
    :meth:`entry`, :meth:`next_due`) are the outbox's; :attr:`box` is the
    outbox itself. :meth:`start` and :meth:`stop` run the delivery task in
    the running event loop (the app's lifespan does it); :meth:`enqueue` and
    :meth:`wake` may be called from any thread.
    """

    def __init__(
        self,
        box: Outbox,
        clock: Clock,
        outgoing: Outgoing,
        *,
        concurrency: int = 4,
    ) -> None:
        if concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, not {concurrency}")
        self.box = box
        self.clock = clock
        self.outgoing = outgoing
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._task: _Task | None = None
        self._link: _Link | None = None
        #: When a notification changed at ``now`` is queued (a fault scenario's say:
        #: later, or never when it returns ``None``); ``None``: at once.
        self.gate: Callable[[OutgoingNotification, datetime], datetime | None] | None = None

    # ------------------------------------------------------------ queueing

    def enqueue(self, notification: OutgoingNotification) -> list[OutboxEntry]:
        """Queue ``notification`` as changed now (business time) and wake the task."""
        entries = self.queue(notification, self.clock.now())
        self.wake()
        return entries

    def queue(self, notification: OutgoingNotification, now: datetime) -> list[OutboxEntry]:
        """Queue ``notification`` as changed at ``now``, or as :attr:`gate` says (no wake)."""
        at = now if self.gate is None else self.gate(notification, now)
        return [] if at is None else self.box.enqueue(notification, at)

    def wake(self) -> None:
        """Make the delivery task look at the outbox now (after the clock moved, say)."""
        with self._lock:
            running = self._task
        if running is None or running.loop.is_closed():
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is running.loop:
            self._woken(running)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                running.loop.call_soon_threadsafe(self._woken, running)

    @staticmethod
    def _woken(running: _Task) -> None:
        running.wakes += 1
        running.idle.clear()
        running.woken.set()

    # ------------------------------------------------------------ reading

    def entries(
        self,
        object_id: str | None = None,
        *,
        kind: CnrKind | None = None,
        partner_hei_id: str | None = None,
        state: EntryState | None = None,
    ) -> list[OutboxEntry]:
        return self.box.entries(object_id, kind=kind, partner_hei_id=partner_hei_id, state=state)

    def pending(self) -> list[OutboxEntry]:
        return self.box.pending()

    def history(
        self, object_id: str, *, kind: CnrKind | None = None, partner_hei_id: str | None = None
    ) -> list[Attempt]:
        return self.box.history(object_id, kind=kind, partner_hei_id=partner_hei_id)

    def entry(self, key: NotificationKey) -> OutboxEntry | None:
        return self.box.entry(key)

    def next_due(self) -> datetime | None:
        return self.box.next_due()

    # ------------------------------------------------------------ sending

    async def flush(self) -> list[tuple[Delivery, Outcome]]:
        """Send every pending notification now, due or not; the round's outcomes."""
        return await self._round(force=True)

    async def run_due(self) -> list[tuple[Delivery, Outcome]]:
        """Send what is due now (one round, as the task does); the round's outcomes."""
        return await self._round(force=False)

    async def _round(self, *, force: bool) -> list[tuple[Delivery, Outcome]]:
        client = await self._client()
        send = _noting_warnings(async_sender(client))

        async def noted(delivery: Delivery) -> Outcome:
            """``send``, the known issue of a failure noted on the exchange that showed it."""
            outcome = await send(delivery)
            if isinstance(outcome, Failed):
                note_known_issue(getattr(errors, outcome.detail or "", None))
            return outcome

        return await self.box.run_due(noted, self.clock, force=force, concurrency=self.concurrency)

    async def _client(self) -> AsyncEwpClient:
        loop = asyncio.get_running_loop()
        link = self._link
        if link is not None and link.loop is loop:
            return link.client
        if link is not None:  # made in a loop that is gone (a test's previous loop)
            self._link = None
        client, http = self.outgoing.open()
        self._link = _Link(client, http, loop)
        return client

    # ------------------------------------------------------------ the task

    @property
    def running(self) -> bool:
        task = self._task
        return task is not None and task.task is not None and not task.task.done()

    def start(self, *, retry_at_once: bool = False) -> None:
        """Start the delivery task in the running loop (a second call does nothing).

        What was handed out before and never recorded (a crash) is due again
        at once: the node is alone on its store. With ``retry_at_once`` the
        task's first round tries every pending notification, due or not (a
        node restarted over its database cannot tell how long it was down,
        nor whether its partners are back).
        """
        if self.running:
            return
        loop = asyncio.get_running_loop()
        self.box.release_leases()
        running = _Task(loop=loop, woken=asyncio.Event(), idle=asyncio.Event())
        running.woken.set()
        with self._lock:
            self._task = running
        running.task = loop.create_task(
            self._deliver(running, force_first=retry_at_once), name="ewp-mock-outbox"
        )

    async def stop(self) -> None:
        """Stop the delivery task and close the node's client."""
        with self._lock:
            running, self._task = self._task, None
        if running is not None and running.task is not None:
            running.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running.task
        link, self._link = self._link, None
        if link is not None and link.loop is asyncio.get_running_loop():
            await link.client.aclose()
            await link.http.aclose()

    async def idle(self) -> None:
        """Wait until the delivery task has sent everything due now (it must be running).

        From any loop: the waiting is done on the task's own loop (its events
        and its task belong there), the caller's loop awaits the outcome.
        """
        running = self._task
        if running is None:
            raise ConfigError("the node's delivery task is not running")
        task = running.task
        if task is None:
            raise ConfigError("the node's delivery task is not running")
        if running.loop is not asyncio.get_running_loop():
            waited = asyncio.run_coroutine_threadsafe(self._idle(running, task), running.loop)
            await asyncio.wrap_future(waited)
            return
        await self._idle(running, task)

    async def _idle(self, running: _Task, task: asyncio.Task[None]) -> None:
        while True:
            waiting = asyncio.ensure_future(running.idle.wait())
            try:
                await asyncio.wait({waiting, task}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiting.cancel()
            if task.done():
                raise ConfigError("the node's delivery task stopped") from (
                    None if task.cancelled() else task.exception()
                )
            due = self.box.next_due()
            if due is None or due > self.clock.now():
                return
            self._woken(running)  # queued from another thread, its wake not yet run

    async def _deliver(self, running: _Task, *, force_first: bool = False) -> None:
        force = force_first
        while True:
            running.woken.clear()
            seen = running.wakes
            done: list[tuple[Delivery, Outcome]] = []
            try:
                done = await self._round(force=force)
            except Exception:  # a bug in a send: that delivery waits for its lease
                log.exception("a round of change notifications failed")
                delay = ERROR_NAP
            else:
                delay = self._delay()
            force = False
            if delay <= 0:
                # Due again at once; a round that sent nothing must not spin.
                await asyncio.sleep(0 if done else _SPIN_GUARD)
                continue
            if running.wakes == seen:
                running.idle.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(running.woken.wait(), delay)

    def _delay(self) -> float:
        """Real seconds until the outbox has something to do, at most :data:`MAX_NAP`."""
        due = self.box.next_due()
        if due is None:
            return MAX_NAP
        return min(max((due - self.clock.now()).total_seconds(), 0.0), MAX_NAP)


@dataclass(frozen=True, slots=True)
class ReceivedNotification:
    """A change notification a node received (answered 200 at once): for tests and logs.

    ``kind`` is the API called, ``hei_id`` the node's HEI it was addressed to,
    ``caller_heis`` the HEIs the caller's key covers, ``sending_hei_id`` the
    LA CNR's parameter (``None`` for the IIA kinds), ``object_ids`` the ids
    named, ``at`` the node's business time. :attr:`outcomes` says what the
    node then did about each object (filled in once its refresh is over).
    """

    kind: CnrKind
    hei_id: str
    caller_heis: frozenset[str]
    object_ids: tuple[str, ...]
    at: datetime
    sending_hei_id: str | None = None
    key_id: str | None = field(default=None, compare=False)
    # Filled in by the node's refresher after the route answered (the latest
    # refresh wins): the record stays the same object, which its refresh records name.
    _outcomes: list[RefreshRecord] = field(
        default_factory=list, init=False, compare=False, repr=False
    )

    @property
    def outcomes(self) -> tuple[RefreshRecord, ...]:
        """What acting on each object named came to, in the order named; ``()`` until acted on.

        Each :class:`~ewp_mock.refresh.RefreshRecord` has its ``outcome``
        (refreshed, deleted, not found, failed) and, for a failure, its
        ``error``.
        """
        return tuple(self._outcomes)

    def acted(self, records: Sequence[RefreshRecord]) -> None:
        """Note what the refresher did about this notification (the refresher calls it)."""
        self._outcomes[:] = records


def _noting_warnings(
    send: Callable[[Delivery], Awaitable[Outcome]],
) -> Callable[[Delivery], Awaitable[Outcome]]:
    """``send``, logging what the client found the partner got wrong (one line each).

    The outcome is the delivery's evidence; an
    :class:`~ewp_client.errors.EwpWarning` (an empty 503 body, say) is a
    detail of it, logged at info rather than issued as a Python warning into
    the node's console once per code location.
    """

    async def noting(delivery: Delivery) -> Outcome:
        with collected() as found:
            outcome = await send(delivery)
        for warning in found:
            log.info(
                "%s to %s: %s (known issue %s)",
                delivery.kind,
                delivery.partner_hei_id,
                warning,
                warning.known_issue,
            )
        return outcome

    return noting
