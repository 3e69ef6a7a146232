"""A node playing fault scenarios, called with plain httpx and read as raw bytes.

The calls are signed with :class:`~ewp_client.security.RequestSigner` and
their answers checked with the library's low-level pieces only
(:class:`~ewp_client.security.ResponseVerifier`, :func:`verify_digest`,
the XML parser): not with the clients that diagnose problems, so that these
tests prove what the node sends, whatever a client makes of it.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from lxml import etree

from ewp_client.clock import Clock
from ewp_client.error_response import ErrorMessages, parse_error_response
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import RequestSigner, ResponseVerifier, SentRequest, VerifyResult
from ewp_client.xml.parser import parse_xml
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.node import MockNode
from ewp_mock.testing import resolve_dataset
from tests.mock.conftest import key

BASE = "http://mock.test"
HOST = "mock.test"


@dataclass
class Wire:
    """One answer as it came over the wire: status, header pairs, raw (still encoded) body."""

    status: int
    headers: list[tuple[str, str]]
    raw: bytes
    sent: SentRequest
    endpoint: str
    node: MockNode

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None

    @property
    def body(self) -> bytes:
        """The body after its Content-Encoding is undone."""
        return gzip.decompress(self.raw) if self.header("content-encoding") == "gzip" else self.raw

    def verify(self) -> VerifyResult:
        """The signature checked against the node's catalogue (raises the library's errors)."""
        verifier = ResponseVerifier(CatalogueKeyResolver(self.node.catalogue))
        return verifier.verify(
            request=self.sent, endpoint=self.endpoint, headers=self.headers, body=self.raw
        )

    def root(self) -> etree._Element:
        return parse_xml(self.body).getroot()

    def texts(self, local_path: str) -> list[str]:
        """Texts at a path of local names under the root (``iia/partner[2]/hei-id``,
        ``*`` for any element, a final ``@name`` for an attribute)."""
        steps = "/".join(_step(s) for s in local_path.split("/"))
        found = self.root().xpath(f"/*/{steps}")
        assert isinstance(found, list)
        return [str(n.text) if isinstance(n, etree._Element) else str(n) for n in found]

    def error(self) -> ErrorMessages:
        return parse_error_response(self.body)


def _step(step: str) -> str:
    if step.startswith("@") or step == "*":
        return step
    name, bracket, index = step.partition("[")
    return f"*[local-name()='{name}']{bracket}{index}"


class Mock:
    """A node serving the demo data of UNI_A, our key (test key 3) admitted for UNI_B."""

    def __init__(
        self,
        *scenarios: str,
        files: Sequence[Path] = (),
        clock: Clock | None = None,
        hei_ids: tuple[str, ...] = (UNI_A,),
    ) -> None:
        config = MockConfig(
            base_url=BASE,
            server_key=key(1),
            client_key=key(2),
            hei_ids=hei_ids,
            scenarios=scenarios,
            scenario_files=tuple(files),
        )
        self.app: FastAPI = create_app(config, resolve_dataset("demo"), clock=clock)
        self.node = node_of_app(self.app)
        self.node.register_client(key(3).public_key, [UNI_B])

    async def call(
        self,
        path: str,
        *,
        method: str = "GET",
        form: Iterable[tuple[str, str]] | None = None,
        xml: bytes | None = None,
        timeout: float | None = None,
    ) -> Wire:
        body, headers = b"", [("Host", HOST)]
        if form is not None:
            body = urlencode(list(form)).encode("ascii")
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        elif xml is not None:
            body = xml
            headers.append(("Content-Type", "text/xml; charset=utf-8"))
        signed = RequestSigner(key(3)).sign(method=method, target=path, body=body, headers=headers)
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
            request = client.build_request(
                method, BASE + path, content=body, headers=[*headers, *signed.headers]
            )
            response = await client.send(request, stream=True)
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
            await response.aclose()
        return Wire(
            status=response.status_code,
            headers=list(response.headers.multi_items()),
            raw=raw,
            sent=SentRequest.from_signature(signed),
            endpoint=BASE + path.split("?")[0],
            node=self.node,
        )
