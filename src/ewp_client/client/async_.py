"""The asyncio EWP client: :class:`BaseClient` plus an ``httpx.AsyncClient``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import DeadlineExceededError, EwpWarning, PartnerError, cnr_rejected
from ..partner_warnings import issue
from ..registry.client import AsyncRegistryClient
from ..registry.resolver import CatalogueKeyResolver
from ..security import SigningKey
from ..security.body import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_SIZE
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


class AsyncEwpClient(BaseClient):
    """The async twin of :class:`~ewp_client.client.EwpClient`.

    A response signed with a key the catalogue copy does not know yet is
    checked again after an awaited catalogue refresh, inside the auth flow
    (:meth:`~ewp_client.security.EwpAuth.async_auth_flow`). The deadline of an
    exchange is enforced with ``asyncio.timeout``.
    """

    def __init__(
        self,
        registry: AsyncRegistryClient,
        *,
        key: SigningKey | None,
        http: httpx.AsyncClient | None = None,
        verify_responses: bool = True,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        deadline: float | None = DEFAULT_DEADLINE,
        hei_ids: Sequence[str] = (),
        log_personal_data: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
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
            arefresh_keys=registry.refresh_for_unknown,
        )
        self.registry = registry
        self._own_http = http is None
        self._own_registry = False
        self.http = http or httpx.AsyncClient(timeout=timeout)
        self._sleep = sleep

    @classmethod
    def from_config(
        cls,
        config: ClientConfig | None = None,
        *,
        registry: AsyncRegistryClient | None = None,
        http: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> AsyncEwpClient:
        """See :meth:`EwpClient.from_config <ewp_client.client.EwpClient.from_config>`."""
        from ..config import load_config

        config = load_config() if config is None else config
        configured = configured_options(config)
        own_registry = registry is None
        registry = registry if registry is not None else AsyncRegistryClient.from_config(config)
        own_http = http is None
        if http is None:
            http = httpx.AsyncClient(**config.async_http_client_options())
        client = cls(registry, http=http, **configured, **options)
        client._own_http = own_http
        client._own_registry = own_registry
        return client

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()
        if self._own_registry:
            await self.registry.aclose()

    async def __aenter__(self) -> AsyncEwpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def max_ids(self, call: EwpCall, parameter: str) -> int:
        hosted = self.locate(await self.registry.catalogue(), call)
        return hosted.entry.max_ids_of(parameter)

    async def notify(self, call: EwpCall) -> Answer:
        """Send a change notification ``call`` as :meth:`call` does.

        A 4xx refusing it (other than 401/403) is
        :class:`~ewp_client.errors.CnrRejected`, still of its status's type
        (:class:`~ewp_client.errors.BadRequest` for 400...): not retried.
        """
        try:
            return await self.call(call)
        except PartnerError as exc:
            if rejects_notification(exc):
                raise cnr_rejected(exc) from exc
            raise

    async def read_ids(
        self, calls: Sequence[EwpCall], parameter: str, max_ids: int
    ) -> list[Answer]:
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
                    result = await self.call(call)
                except PartnerError as exc:
                    result = exc
                call = plan.send(result)
        except StopIteration as done:
            answers: list[Answer] = done.value
            return answers
        finally:  # what was found before an error is still said
            for warning in warned:
                issue(warning, stacklevel=3)

    async def call(self, call: EwpCall) -> Answer:
        """Send ``call`` (retrying as its kind allows) and return the validated answer."""
        hosted = self.locate(await self.registry.catalogue(), call)
        url = self.endpoint_url(hosted, call)
        failures = 0
        while True:
            request = self.build_request(call, url)
            budget = self.start_exchange(request, url, self.http.timeout)
            try:
                try:
                    async with asyncio.timeout(budget.remaining()):
                        response = await self.http.send(request, auth=self.auth)
                except TimeoutError as exc:
                    raise budget.exceeded() from exc
                return self.handle_response(call, url, response)
            except (httpx.RequestError, PartnerError, DeadlineExceededError) as exc:
                failures += 1
                delay = self.next_delay(call, url, failures, self.overdue(budget, exc))
            await self._sleep(delay)
