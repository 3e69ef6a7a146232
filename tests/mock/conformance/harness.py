"""A mock node on the demo data, the endpoints its manifest announces, and one way to call them.

The node serves ``uni-a`` (the demo data's first HEI) in process, over ASGI.
Four callers are admitted: the *partner* (a key covering ``uni-b``, the other
side of every demo IIA and the receiving HEI of every demo LA), a *stranger*
(a key covering a HEI that is party to nothing), the *portal* (a key covering
the EWP Stats Portal's HEI id) and a key the node does not know.

:func:`endpoints` reads the node's manifest: every URL element of every API
entry but Discovery's is an endpoint, with the ``max-*`` numbers published
next to it, joined to the request rules the app gives the signature
middleware (``PARTNER_APIS``). A new API added to ``PARTNER_APIS`` and its
manifest is therefore found here without any change.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlencode, urlsplit

import httpx
from fastapi import FastAPI
from lxml import etree

from ewp_client.security import RequestSigner, SentRequest, SigningKey, new_request_id
from ewp_client.server import STATS_PORTAL_HEI, EndpointRules
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.routes import PARTNER_APIS
from tests.mock.conftest import key, verifier

BASE = "http://mock.test"
HOST = "mock.test"
SERVED = UNI_A
PARTNER = UNI_B
STRANGER = "stranger.example.org"
FORM = "application/x-www-form-urlencoded"

Caller = Literal["partner", "stranger", "portal", "unknown-key", "server-key", "unsigned"]
#: The key each signing caller uses (``key(1)`` is the node's own server key).
CALLER_KEYS: Mapping[str, int] = {
    "partner": 3,
    "stranger": 4,
    "portal": 5,
    "unknown-key": 9,
    "server-key": 1,
}


@functools.cache
def app() -> FastAPI:
    """The node (built once per session; every request carries a fresh X-Request-Id)."""
    dataset = demo_dataset()
    config = MockConfig(base_url=BASE, server_key=key(1), client_key=key(2), hei_ids=(SERVED,))
    application = create_app(config, dataset=dataset)
    node = node_of_app(application)
    node.register_client(key(3).public_key, [PARTNER])
    node.register_client(key(4).public_key, [STRANGER])
    node.register_client(key(5).public_key, [STATS_PORTAL_HEI])
    return application


@dataclass(frozen=True)
class Endpoint:
    """One URL the manifest announces, and what the node says about it.

    ``api`` is the manifest entry's element name (``iias``), ``element`` the
    URL element's (``get-url``); ``limits`` the ``max-*`` numbers of the
    entry; ``rules`` the request rules the node applies at ``path``.
    """

    path: str
    api: str
    element: str
    rules: EndpointRules
    limits: Mapping[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.rules.name

    @property
    def is_stats(self) -> bool:
        return self.element == "stats-url"

    @property
    def slug(self) -> str:
        return f"{self.api}:{self.element.removesuffix('-url') or 'url'}"

    def limit_of(self, param: str) -> int | None:
        spec = self.rules.param(param)
        if spec is None or spec.limit is None:
            return None
        return self.limits.get(spec.limit)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def announced() -> list[tuple[str, str, str, dict[str, int]]]:
    """``(path, api, url element, max-* numbers)`` for every URL in the served HEIs' manifests."""
    node = node_of_app(app())
    found: list[tuple[str, str, str, dict[str, int]]] = []
    for hei_id in node.config.hei_ids:
        xml = node.manifest_xml(hei_id)
        assert xml is not None, f"no manifest for {hei_id}"
        root = etree.fromstring(xml)
        for apis in root.iter("{*}apis-implemented"):
            for entry in apis:
                api = _local(entry.tag)
                if api == "discovery":
                    continue
                limits = {
                    _local(c.tag): int((c.text or "").strip())
                    for c in entry
                    if _local(c.tag).startswith("max-")
                }
                for child in entry:
                    element = _local(child.tag)
                    if element == "url" or element.endswith("-url"):
                        url = (child.text or "").strip()
                        found.append((urlsplit(url).path, api, element, limits))
    return found


def rules_by_path() -> dict[str, EndpointRules]:
    """The request rules the app hands to its signature middleware, by path."""
    config = node_of_app(app()).config
    return {p: r for api in PARTNER_APIS for p, r in api.endpoints(config).items()}


@functools.cache
def endpoints() -> tuple[Endpoint, ...]:
    """Every announced endpoint that has rules (the two lists are compared by a test)."""
    rules = rules_by_path()
    seen: dict[str, Endpoint] = {}
    for path, api, element, limits in announced():
        if path in rules and path not in seen:
            seen[path] = Endpoint(path, api, element, rules[path], limits)
    return tuple(seen.values())


# ------------------------------------------------------------------ sending


@dataclass(frozen=True)
class Sent:
    response: httpx.Response
    request: SentRequest
    path: str
    ask_signed: bool


async def send(
    path: str,
    method: str,
    params: list[tuple[str, str]],
    *,
    caller: Caller = "partner",
    ask_signed: bool = True,
    content_type: str | None = FORM,
    extra_headers: Mapping[str, str] | None = None,
    signer: RequestSigner | None = None,
    body: bytes | None = None,
) -> Sent:
    """Send ``params`` as a GET query or a POST form body, signed as ``caller``.

    ``content_type`` is the POST body's media type (``None``: no header).
    An ``unsigned`` caller sends no signature but may still ask for a signed
    answer (``Accept-Signature``, ``Want-Digest`` and an ``X-Request-Id``).
    ``extra_headers`` are sent (and given to the signer); ``signer`` replaces
    the caller's default :class:`RequestSigner`; ``body`` replaces the form
    body of a POST (an endpoint whose body is XML).
    """
    encoded = urlencode(params)
    if method == "GET":
        target, body = (f"{path}?{encoded}" if encoded else path), b""
    else:
        target, body = path, (encoded.encode() if body is None else body)
    headers: dict[str, str] = dict(extra_headers or {})
    if method == "POST" and content_type is not None:
        headers["Content-Type"] = content_type
    if caller == "unsigned":
        rid = new_request_id()
        request = SentRequest(request_id=rid)
        headers["X-Request-Id"] = rid
        if ask_signed:
            headers |= {"Accept-Signature": "rsa-sha256", "Want-Digest": "SHA-256"}
    else:
        signing: SigningKey = key(CALLER_KEYS[caller])
        signer = signer or RequestSigner(signing, ask_signed_response=ask_signed)
        signed = signer.sign(
            method=method, target=target, body=body, headers=list(headers.items()), host=HOST
        )
        headers |= dict(signed.headers)
        request = SentRequest.from_signature(signed)
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.request(method, target, content=body, headers=headers)
    return Sent(response, request, path, ask_signed)


def check_signature(sent: Sent) -> None:
    """A signed answer when one was asked for (verified with ewp_client), none otherwise."""
    if sent.ask_signed:
        result = verifier(app()).verify(
            request=sent.request,
            endpoint=f"{BASE}{sent.path}",
            headers=sent.response.headers.multi_items(),
            body=sent.response.content,
        )
        assert result.key_id == key(1).key_id
        if sent.request.signature is not None:
            assert "x-request-signature" in result.covered
    else:
        assert "signature" not in sent.response.headers
