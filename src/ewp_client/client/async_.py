"""The asyncio EWP client: :class:`BaseClient` plus an ``httpx.AsyncClient``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from ..errors import KeyNotAuthorizedError, PartnerError, UnknownKeyError
from ..registry.client import AsyncRegistryClient
from ..registry.resolver import CatalogueKeyResolver
from ..security import SigningKey
from .base import Answer, BaseClient, EwpCall
from .retry import RetryPolicy


class AsyncEwpClient(BaseClient):
    """The async twin of :class:`~ewp_client.client.EwpClient`."""

    def __init__(
        self,
        registry: AsyncRegistryClient,
        *,
        key: SigningKey | None,
        http: httpx.AsyncClient | None = None,
        verify_responses: bool = True,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            key=key,
            resolver=CatalogueKeyResolver(registry),
            verify_responses=verify_responses,
            retry=retry,
        )
        self.registry = registry
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=timeout)
        self._sleep = sleep

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncEwpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def max_ids(self, hei_id: str, call: EwpCall, parameter: str) -> int:
        hosted = self.locate(await self.registry.catalogue(), call)
        return hosted.entry.max_ids_of(parameter)

    async def _verified_after_refresh(
        self, error: UnknownKeyError | KeyNotAuthorizedError
    ) -> httpx.Response:
        """The response whose key the catalogue did not know, verified again after a refresh.

        The sync client's resolver refreshes the catalogue (once, rate limited)
        while verifying; here the refresh is awaited and the same response is
        checked again, so the partner is not asked twice. Raises ``error`` when
        it cannot be checked again, the new check's error when it fails again.
        """
        again = error.retry_verification
        if again is None:
            raise error
        await self.registry.refresh_for_unknown()
        response = again()
        if not isinstance(response, httpx.Response):
            raise error
        return response

    async def call(self, call: EwpCall) -> Answer:
        """Send ``call`` (retrying as its kind allows) and return the validated answer."""
        hosted = self.locate(await self.registry.catalogue(), call)
        url = self.endpoint_url(hosted, call)
        failures = 0
        while True:
            request = self.build_request(call, url)
            try:
                try:
                    response = await self.http.send(request, auth=self.auth)
                except (UnknownKeyError, KeyNotAuthorizedError) as exc:
                    response = await self._verified_after_refresh(exc)
                return self.handle_response(call, url, response)
            except (httpx.RequestError, PartnerError) as exc:
                failures += 1
                delay = self.next_delay(call, url, failures, exc)
            await self._sleep(delay)
