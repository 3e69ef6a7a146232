"""The blocking EWP client: :class:`BaseClient` plus an ``httpx.Client``."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from ..errors import PartnerError
from ..registry.client import RegistryClient
from ..registry.resolver import CatalogueKeyResolver
from ..security import SigningKey
from .base import Answer, BaseClient, EwpCall
from .retry import RetryPolicy


class EwpClient(BaseClient):
    """Talks to EWP partners: finds endpoints in the Registry, signs, verifies, validates.

    ``key`` signs our requests (HTTP Signature client authentication). Partner
    responses are verified against the Registry's server keys unless
    ``verify_responses`` is off. Pass ``http`` to bring your own ``httpx.Client``
    (proxies, CA bundle, transports in tests).
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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            key=key,
            resolver=CatalogueKeyResolver(registry, refresh_unknown=True),
            verify_responses=verify_responses,
            retry=retry,
        )
        self.registry = registry
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=timeout)
        self._sleep = sleep

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> EwpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def max_ids(self, hei_id: str, call: EwpCall, parameter: str) -> int:
        hosted = self.locate(self.registry.catalogue(), call)
        return hosted.entry.max_ids_of(parameter)

    def call(self, call: EwpCall) -> Answer:
        """Send ``call`` (retrying as its kind allows) and return the validated answer."""
        hosted = self.locate(self.registry.catalogue(), call)
        url = self.endpoint_url(hosted, call)
        failures = 0
        while True:
            request = self.build_request(call, url)
            try:
                response = self.http.send(request, auth=self.auth)
                return self.handle_response(call, url, response)
            except (httpx.RequestError, PartnerError) as exc:
                failures += 1
                delay = self.next_delay(call, url, failures, exc)
            self._sleep(delay)
