"""Echo v2 through the client API, against the mock partner app in process (no sockets).

The mock publishes its catalogue (read through the same transport by our
Registry client), verifies our request signatures and signs its answers;
the sync client reaches the ASGI app through the blocking bridge of
tests/support/mock_partner.py, the async client through
``httpx.ASGITransport``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl

import httpx
import pytest

pytest.importorskip("fastapi", reason="the mock partner needs the [mock] extra")

from ewp_client import (
    AsyncEchoClient,
    AsyncEwpClient,
    AsyncRegistryClient,
    ConfigError,
    DigestError,
    EchoClient,
    EwpClient,
    Forbidden,
    NoEndpointError,
    RegistryClient,
    SigningKey,
)
from ewp_client.client.echo import echo_call
from ewp_client.models import EchoResponse
from ewp_client.security import generate_private_key
from ewp_mock import DEFAULT_HEI, MockConfig, create_app, node_of_app
from tests.support.mock_partner import AppTransport

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"
US = "client.example.org"

Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


@functools.cache
def key(n: int) -> SigningKey:
    return SigningKey(generate_private_key())


class BlockingAsgi(AppTransport):
    """The app served to a blocking ``httpx.Client``; records requests, may rewrite Echo answers."""

    def __init__(self, app: object, rewrite: Rewrite | None = None) -> None:
        super().__init__(app, [])  # type: ignore[arg-type]
        self.rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.rewrite is not None and request.url.path.endswith("/echo"):
            response = self.rewrite(request, response)
        return response


@pytest.fixture
def app() -> object:
    app = create_app(MockConfig(base_url=BASE, server_key=key(1), client_key=key(2)))
    node_of_app(app).register_client(key(3).public_key, [US])
    return app


@pytest.fixture
def bridge(app: object) -> Iterator[BlockingAsgi]:
    transport = BlockingAsgi(app)
    yield transport
    transport.close()


def sync_client(transport: httpx.BaseTransport, signing_key: SigningKey) -> EwpClient:
    http = httpx.Client(transport=transport)
    return EwpClient(RegistryClient(CATALOGUE, http=http), key=signing_key, http=http)


@pytest.fixture
def echo(bridge: BlockingAsgi) -> Iterator[EchoClient]:
    with sync_client(bridge, key(3)) as client:
        yield EchoClient(client)


def echo_requests(bridge: BlockingAsgi) -> list[httpx.Request]:
    return [r for r in bridge.requests if r.url.path == "/ewp/echo"]


def test_echo_answers_our_heis_and_values_in_order(echo: EchoClient, bridge: BlockingAsgi) -> None:
    answer = echo.echo(DEFAULT_HEI, ["a", "b c", "a", ""])
    assert answer == EchoResponse(hei_ids=(US,), echoes=("a", "b c", "a", ""))
    (sent,) = echo_requests(bridge)
    assert sent.method == "GET"
    assert parse_qsl(sent.url.query.decode(), keep_blank_values=True) == [
        ("echo", "a"),
        ("echo", "b c"),
        ("echo", "a"),
        ("echo", ""),
    ]
    assert sent.headers["Authorization"].startswith("Signature ")


def test_echo_as_a_post_form(echo: EchoClient, bridge: BlockingAsgi) -> None:
    answer = echo.echo(DEFAULT_HEI, ["één"], method="POST")
    assert answer.echoes == ("één",)
    (sent,) = echo_requests(bridge)
    assert (sent.method, sent.url.query) == ("POST", b"")
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(sent.content.decode()) == [("echo", "één")]


def test_echo_without_values_still_names_our_heis(echo: EchoClient) -> None:
    assert echo.echo(DEFAULT_HEI) == EchoResponse(hei_ids=(US,), echoes=())


def test_a_hei_the_catalogue_does_not_know_is_no_endpoint(
    echo: EchoClient, bridge: BlockingAsgi
) -> None:
    with pytest.raises(NoEndpointError) as info:
        echo.echo("nobody.example.org", ["a"])
    assert (info.value.hei_id, info.value.api) == ("nobody.example.org", "echo")
    assert echo_requests(bridge) == []


def test_a_key_the_partner_does_not_admit_is_forbidden(bridge: BlockingAsgi) -> None:
    with sync_client(bridge, key(4)) as client, pytest.raises(Forbidden) as info:
        EchoClient(client).echo(DEFAULT_HEI, ["a"])
    assert info.value.status == 403
    assert key(4).key_id in (info.value.developer_message or "")


def test_an_answer_changed_on_the_way_fails_its_digest(app: object) -> None:
    def tamper(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.content.replace(b">a<", b">b<")
        assert body != response.content
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    with sync_client(BlockingAsgi(app, tamper), key(3)) as client, pytest.raises(DigestError):
        EchoClient(client).echo(DEFAULT_HEI, ["a"])


async def test_async_echo_over_the_asgi_transport(app: object) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(3), http=http) as client,
    ):
        echo = AsyncEchoClient(client)
        assert await echo.echo(DEFAULT_HEI, ["x", "y"]) == EchoResponse(
            hei_ids=(US,), echoes=("x", "y")
        )
        posted = await echo.echo(DEFAULT_HEI, ["z"], method="POST")
        assert posted.echoes == ("z",)


# ------------------------------------------------------------------ the call


def test_a_long_echo_goes_as_a_post_form() -> None:
    call = echo_call(DEFAULT_HEI, ["x" * 100] * 30)
    assert call.method == "POST"
    assert call.params == (("echo", "x" * 100),) * 30
    assert echo_call(DEFAULT_HEI, ["x"]).method == "GET"
    assert echo_call(DEFAULT_HEI, ["x"] * 30, method="GET").method == "GET"


@pytest.mark.parametrize(
    ("echoes", "method", "message"),
    [("ping", None, "not one string"), (["ping"], "PUT", "GET or POST")],
)
def test_unusable_echo_arguments_are_config_errors(
    echoes: list[str] | str, method: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        echo_call(DEFAULT_HEI, echoes, method=method)  # type: ignore[arg-type]
