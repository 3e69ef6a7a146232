"""The package docstring's example, as written there, answering signed requests.

A bare ASGI IIAs ``get`` endpoint behind the middleware: a partner's signed
GET and POST get their agreement with a verifiable response signature and
the kit's ``iia-hash``; a stranger gets an empty answer; a PUT a 405.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx
import pytest

from ewp_client.client.iias import copies_of
from ewp_client.error_response import parse_error_response
from ewp_client.security import (
    InMemoryKeyResolver,
    RequestSigner,
    RequestVerifier,
    ResponseSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
    generate_private_key,
)
from ewp_client.server import (
    IIAS_GET,
    Caller,
    EwpSignatureMiddleware,
    InMemoryIiaRepository,
    parameters_of,
    send_answer,
    verified_of,
)
from ewp_client.server.iias import answer_get
from tests.iia.served_copies import NORTH, SOUTH, north

HEI = NORTH
HOST = "ewp.uni.example"


@functools.cache
def key(n: int) -> SigningKey:
    return SigningKey(generate_private_key())


resolver = InMemoryKeyResolver()
resolver.add_client_key(key(1).public_key, [SOUTH])
resolver.add_client_key(key(3).public_key, ["stranger.example.org"])
resolver.add_server_key(key(2).public_key, [f"http://{HOST}/"])
server_key = key(2)
store = InMemoryIiaRepository([])
store.put(north("n-1", "s-1"))


# ------------------------------------------------------ the docstring's example


async def iias_get(
    scope: Any, receive: Any, send: Any
) -> None:  # reached only by verified requests
    params = parameters_of(scope, IIAS_GET, {"max-iia-ids": 50})  # 405/415/400 raised
    caller = Caller.from_verified(verified_of(scope))  # type: ignore[arg-type]
    await send_answer(send, answer_get(store, hei_id=HEI, caller=caller, params=params))


app = EwpSignatureMiddleware(
    iias_get, verifier=RequestVerifier(resolver), signer=ResponseSigner(server_key), host=HOST
)

# ------------------------------------------------------------------------------


async def call(
    method: str, query: str = "", body: bytes = b"", signer: int = 1
) -> tuple[httpx.Response, SentRequest]:
    target = f"/iias/get?{query}" if query else "/iias/get"
    form = [("Content-Type", "application/x-www-form-urlencoded")] if body else []
    signed = RequestSigner(key(signer), also_sign=()).sign(
        method=method, target=target, body=body, headers=form, host=HOST
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{HOST}"
    ) as http:
        response = await http.request(
            method, target, content=body, headers=[*signed.headers, *form]
        )
    return response, SentRequest.from_signature(signed)


@pytest.mark.parametrize(
    ("method", "query", "body"), [("GET", "iia_id=n-1", b""), ("POST", "", b"iia_id=n-1&iia_id=x")]
)
async def test_a_partner_gets_its_agreement_signed_and_hashed(
    method: str, query: str, body: bytes
) -> None:
    response, sent = await call(method, query, body)
    assert response.status_code == 200
    ResponseVerifier(resolver).verify(
        request=sent,
        endpoint=f"http://{HOST}/iias/get",
        headers=response.headers.multi_items(),
        body=response.content,
    )
    (copy,) = copies_of(response.content)
    assert copy.iia_id == "n-1"
    assert copy.hash_verified


async def test_a_stranger_gets_an_empty_answer_and_a_put_is_405() -> None:
    stranger, _ = await call("GET", "iia_id=n-1", signer=3)
    assert stranger.status_code == 200
    assert copies_of(stranger.content) == ()
    put, _ = await call("PUT", "iia_id=n-1")
    assert put.status_code == 405
    assert "GET or POST" in (parse_error_response(put.content).developer or "")
