"""The blocking EWP client: :class:`BaseClient` plus an ``httpx.Client``."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import DeadlineExceededError, EwpWarning, PartnerError, cnr_rejected
from ..partner_warnings import issue
from ..registry.client import RegistryClient
from ..registry.resolver import CatalogueKeyResolver
from ..security import SigningKey
from ..security.body import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_SIZE, ReadBudget
from .base import (
    Answer,
    BaseClient,
    EwpCall,
    configured_options,
    reading_ids,
    rejects_notification,
)
from .retry import RetryPolicy

if TYPE_CHECKING:
    from ..config import ClientConfig


class EwpClient(BaseClient):
    """Talks to EWP partners: finds endpoints in the Registry, signs, verifies, validates.

    ``key`` signs our requests (HTTP Signature client authentication). Partner
    responses are verified against the Registry's server keys unless
    ``verify_responses`` is off; a response signed with a key our catalogue
    copy does not know yet makes the client refresh the catalogue once (rate
    limited) and check the response again. Pass ``http`` to bring your own
    ``httpx.Client`` (proxies, CA bundle, transports in tests).

    Each exchange is bounded: a body over ``max_response_size`` bytes (as
    received or decoded) raises :class:`~ewp_client.errors.ResponseTooLargeError`,
    never retried; an exchange longer than ``deadline`` seconds (connect,
    headers, body) raises :class:`~ewp_client.errors.DeadlineExceededError`,
    retried like a timeout. ``hei_ids`` are the HEIs we act for
    (:meth:`~BaseClient.our_hei`); ``log_personal_data`` lets partner text into
    the logs. :meth:`from_config` builds all of it from the configuration.
    """

    def __init__(
        self,
        registry: RegistryClient,
        *,
        key: SigningKey | None,
        http: httpx.Client | None = None,
        verify_responses: bool = True,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        deadline: float | None = DEFAULT_DEADLINE,
        hei_ids: Sequence[str] = (),
        log_personal_data: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            key=key,
            resolver=CatalogueKeyResolver(registry),
            verify_responses=verify_responses,
            retry=retry,
            max_response_size=max_response_size,
            deadline=deadline,
            hei_ids=hei_ids,
            log_personal_data=log_personal_data,
            refresh_keys=registry.refresh_for_unknown,
        )
        self.registry = registry
        self._own_http = http is None
        self._own_registry = False
        self.http = http or httpx.Client(timeout=timeout)
        self._sleep = sleep

    @classmethod
    def from_config(
        cls,
        config: ClientConfig | None = None,
        *,
        registry: RegistryClient | None = None,
        http: httpx.Client | None = None,
        **options: Any,
    ) -> EwpClient:
        """A client as the configuration says (:func:`~ewp_client.config.load_config` when
        ``config`` is not given): its key, HEIs, Registry, timeouts, CA bundle,
        proxies, limits and the personal-data switch.

        ``registry`` and ``http`` replace the ones the configuration would make
        (they are then not closed with the client); ``options`` are passed on
        (``retry``, ``verify_responses``, ``sleep``...).
        """
        from ..config import load_config

        config = load_config() if config is None else config
        configured = configured_options(config)
        own_registry = registry is None
        registry = registry if registry is not None else RegistryClient.from_config(config)
        own_http = http is None
        http = http if http is not None else httpx.Client(**config.http_client_options())
        client = cls(registry, http=http, **configured, **options)
        client._own_http = own_http
        client._own_registry = own_registry
        return client

    def close(self) -> None:
        if self._own_http:
            self.http.close()
        if self._own_registry:
            self.registry.close()

    def __enter__(self) -> EwpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def max_ids(self, call: EwpCall, parameter: str) -> int:
        """The partner's published ``parameter`` limit at ``call``'s endpoint."""
        hosted = self.locate(self.registry.catalogue(), call)
        return hosted.entry.max_ids_of(parameter)

    def notify(self, call: EwpCall) -> Answer:
        """Send a change notification ``call`` as :meth:`call` does.

        A 4xx refusing it (other than 401/403) is
        :class:`~ewp_client.errors.CnrRejected`, still of its status's type
        (:class:`~ewp_client.errors.BadRequest` for 400...): not retried.
        """
        try:
            return self.call(call)
        except PartnerError as exc:
            if rejects_notification(exc):
                raise cnr_rejected(exc) from exc
            raise

    def read_ids(self, calls: Sequence[EwpCall], parameter: str, max_ids: int) -> list[Answer]:
        """The answers of ``get`` calls carrying ids in ``parameter``, each sent as :meth:`call`.

        A partner refusing a batch (400/404) instead of skipping the ids it does
        not show is asked again one id at a time: an id refused alone is read as
        absent (:class:`~ewp_client.errors.UnknownIdNotIgnored` warning), a batch
        whose ids are each answered was refused for its size
        (:class:`~ewp_client.errors.MaxIdsNotHonoured` warning). A 400 to more ids
        than ``max_ids`` is :class:`~ewp_client.errors.MaxIdsExceeded`.
        """
        warned: list[EwpWarning] = []
        plan = reading_ids(calls, parameter, max_ids, warned)
        try:
            call = next(plan)
            while True:
                result: Answer | PartnerError
                try:
                    result = self.call(call)
                except PartnerError as exc:
                    result = exc
                call = plan.send(result)
        except StopIteration as done:
            answers: list[Answer] = done.value
            return answers
        finally:  # what was found before an error is still said
            for warning in warned:
                issue(warning, stacklevel=3)

    def call(self, call: EwpCall) -> Answer:
        """Send ``call`` (retrying as its kind allows) and return the validated answer."""
        hosted = self.locate(self.registry.catalogue(), call)
        url = self.endpoint_url(hosted, call)
        failures = 0
        while True:
            request = self.build_request(call, url)
            budget = self.start_exchange(request, url, self.http.timeout)
            try:
                with _Watchdog(request, budget):
                    response = self.http.send(request, auth=self.auth)
                return self.handle_response(call, url, response)
            except (httpx.RequestError, PartnerError, DeadlineExceededError) as exc:
                failures += 1
                delay = self.next_delay(call, url, failures, self.overdue(budget, exc))
            self._sleep(delay)


#: httpcore trace events that hand over a new connection's network stream.
_NEW_STREAM_EVENTS = frozenset({"connection.connect_tcp.complete", "connection.start_tls.complete"})


class _Watchdog:
    """Shuts the exchange's connection down when its deadline passes.

    A blocking read cannot be interrupted otherwise: httpx's timeouts apply
    per read, so a partner sending a byte now and then would never trip them.
    The connection is learnt from httpcore's ``trace`` extension when it is
    opened, or from the response once the headers are in; the blocked read
    then fails, and the client reports :class:`DeadlineExceededError`. A
    partner dripping its *headers* over a reused keep-alive connection is
    bounded per read only (the connection is not known before the headers).
    One thread (:data:`_WATCHDOGS`) watches every exchange's deadline.
    """

    def __init__(self, request: httpx.Request, budget: ReadBudget) -> None:
        self.budget = budget
        self.lock = threading.Lock()
        self.done = False
        if budget.expires_at is not None:
            request.extensions["trace"] = self._trace

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event in _NEW_STREAM_EVENTS:
            self.budget.network_stream = info.get("return_value")

    def __enter__(self) -> _Watchdog:
        if self.budget.expires_at is not None:
            _WATCHDOGS.watch(self.budget.expires_at, self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self.lock:
            self.done = True

    def fire(self) -> None:
        with self.lock:
            if not self.done:
                self.done = True
                _shut_down(self.budget.network_stream)


class _Watchdogs:
    """One daemon thread firing the watchdogs whose deadline has passed, soonest first.

    Finished exchanges are dropped lazily (``done``), so watching costs a heap
    push rather than a thread per exchange.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, expires_at: float, watchdog: _Watchdog) -> None:
        with self._cond:
            heapq.heappush(self._heap, (expires_at, next(self._order), watchdog))
            if self._thread is None or not self._thread.is_alive():  # first use, or after fork
                self._thread = threading.Thread(
                    target=self._run, name="ewp-deadline-watchdog", daemon=True
                )
                self._thread.start()
            if self._heap[0][2] is watchdog:  # the soonest deadline now: wake up earlier
                self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                left = self._heap[0][0] - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                heapq.heappop(self._heap)[2].fire()


_WATCHDOGS = _Watchdogs()


def _shut_down(stream: object) -> None:
    """Shut the socket under an httpcore network stream down (through a duplicate descriptor,
    so that a TLS object in use by the reading thread is left alone)."""
    get_extra_info = getattr(stream, "get_extra_info", None)
    sock = get_extra_info("socket") if callable(get_extra_info) else None
    if not isinstance(sock, socket.socket) or sock.fileno() < 0:
        return
    with contextlib.suppress(OSError), socket.fromfd(sock.fileno(), sock.family, sock.type) as dup:
        dup.shutdown(socket.SHUT_RDWR)
