"""The mock's edges: parameters XML cannot carry, TCP_NODELAY, clients that go away, odd keys.

Sockets here are real (uvicorn on 127.0.0.1 / ::1) where the behaviour is the
socket's; the rest goes through ASGI.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ewp_client.codec import decode
from ewp_client.error_response import parse_error_response
from ewp_client.errors import BadRequest, ConfigError, KeyFormatError
from ewp_client.models import EchoResponse
from ewp_mock import MockConfig, MockServer, bind_socket, create_app, node_of_app
from ewp_mock.cli import main
from ewp_mock.security import error_response
from tests.mock.conftest import BASE, CLIENT_HEI, auth, key, make_config
from tests.security.test_keys import MADE_UP, made_up_algorithm_spki, pem

# ------------------------------------------------------------ unrepresentable values


@pytest.mark.parametrize(
    ("query", "developer"),
    [
        ("echo=%00", "U+0000"),
        ("echo=ok&echo=a%1Bb", "parameter 2 ('echo') holds U+001B at offset 1"),
        ("echo=%EF%BF%BE", "U+FFFE"),
        ("echo=%ED%A0%80", "not UTF-8"),  # a lone surrogate, as CESU-8 writes it
        ("echo=%C0%80", "not UTF-8"),  # an overlong NUL
        ("other%00=x&echo=a", "the name of parameter 1 holds U+0000"),
    ],
)
async def test_get_parameters_xml_cannot_carry_are_400(
    app: FastAPI, http: httpx.AsyncClient, query: str, developer: str
) -> None:
    response = await http.get(f"/ewp/echo?{query}", auth=auth(app))
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert developer in (parse_error_response(response.content).developer or "")


@pytest.mark.parametrize("body", [b"echo=%00", b"echo=%1b", b"echo=%ED%B2%80", b"echo=\xff"])
async def test_post_parameters_xml_cannot_carry_are_400(
    app: FastAPI, http: httpx.AsyncClient, body: bytes
) -> None:
    response = await http.post(
        "/ewp/echo",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=auth(app),
    )
    assert response.status_code == 400
    assert parse_error_response(response.content).developer


async def test_characters_xml_can_carry_are_echoed(app: FastAPI, http: httpx.AsyncClient) -> None:
    response = await http.get("/ewp/echo?echo=a%0Db%09c%7F&echo=%F0%9F%98%80", auth=auth(app))
    assert response.status_code == 200
    assert decode(response.content, EchoResponse).echoes == ("a\rb\tc\x7f", "\U0001f600")


def test_an_error_message_quoting_a_control_character_is_still_a_document() -> None:
    response = error_response(BadRequest("got a\x00b\x1b", status=400))
    assert response.status_code == 400
    assert parse_error_response(bytes(response.body)).developer == "got a\\x00b\\x1b"


# ---------------------------------------------------------------------- TCP_NODELAY


def _app(host: str, port: int) -> FastAPI:
    return create_app(MockConfig(host=host, port=port, server_key=key(1), client_key=key(2)))


def _raw_socket(host: str) -> socket.socket:
    """A listening socket made as ``socket.socket()`` makes them (``proto=0``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.bind((host, 0))
    return sock


@contextmanager
def _served(sock: socket.socket, **options: bool) -> Iterator[MockServer]:
    host, port = sock.getsockname()[:2]
    with MockServer(_app(host, port), sock, **options) as server:
        yield server


def _server_side_nodelay(server: MockServer, host: str) -> list[int]:
    """TCP_NODELAY, read with getsockopt, of the server's end of each open connection.

    Opens one keep-alive connection and completes a request on it first, so
    that there is an accepted connection to look at.
    """
    port = server.sock.getsockname()[1]
    with socket.create_connection((host, port), timeout=10) as client:
        assert _status_line(client) == b"HTTP/1.1 200 OK"
        connections = list(server.uvicorn.server_state.connections)
        assert connections, "uvicorn holds no open connection"
        return [
            conn.transport.get_extra_info("socket").getsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY
            )
            for conn in connections
        ]


def _status_line(client: socket.socket) -> bytes:
    """Send a GET of the catalogue on ``client`` (kept open) and read the answer's status line."""
    client.sendall(b"GET /catalogue-v1.xml HTTP/1.1\r\nHost: mock\r\n\r\n")
    received = b""
    while b"\r\n" not in received:
        chunk = client.recv(4096)
        if not chunk:
            break
        received += chunk
    return received.partition(b"\r\n")[0]


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


HOSTS = [
    "127.0.0.1",
    pytest.param(
        "::1", marks=pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
    ),
]


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("make_socket", [bind_socket, _raw_socket], ids=["bind_socket", "proto0"])
def test_every_accepted_connection_has_tcp_nodelay(
    host: str, make_socket: Callable[[str], socket.socket]
) -> None:
    with _served(make_socket(host)) as server:
        assert all(_server_side_nodelay(server, host))


def test_without_the_option_a_proto_0_socket_keeps_nagle() -> None:
    """The control: the reading above does see a connection without TCP_NODELAY."""
    with _served(_raw_socket("127.0.0.1"), tcp_nodelay=False) as server:
        assert not any(_server_side_nodelay(server, "127.0.0.1"))


# ---------------------------------------------------------- clients that go away


@contextmanager
def _uvicorn_records_too(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """uvicorn's loggers do not propagate to the root: capture them as well."""
    uvicorn_logger = logging.getLogger("uvicorn")
    uvicorn_logger.addHandler(caplog.handler)
    try:
        yield
    finally:
        uvicorn_logger.removeHandler(caplog.handler)


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the server did not get there")
        time.sleep(0.01)


def test_a_client_leaving_mid_body_is_one_line_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="ewp_mock")
    with _uvicorn_records_too(caplog), _served(bind_socket()) as server:
        port = server.sock.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(
                b"POST /ewp/echo HTTP/1.1\r\nHost: mock\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\n0123456789"
            )
            _wait_for(lambda: bool(server.uvicorn.server_state.connections))
        _wait_for(lambda: any(r.name == "ewp_mock" for r in caplog.records))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as again:
            assert _status_line(again) == b"HTTP/1.1 200 OK"  # the server still answers
    mock_records = [r for r in caplog.records if r.name == "ewp_mock"]
    assert len(mock_records) == 1
    (record,) = mock_records
    assert record.levelno == logging.WARNING
    assert "went away before sending the whole request body (POST /ewp/echo)" in record.message
    assert "\n" not in record.getMessage()
    assert all(r.exc_info is None and r.levelno < logging.ERROR for r in caplog.records)


# ------------------------------------------------------------- keys of odd algorithms


def test_admitting_a_key_of_an_unknown_algorithm_is_a_key_format_error() -> None:
    node = node_of_app(_app("127.0.0.1", 8000))
    with pytest.raises(KeyFormatError) as caught:
        node.register_client(pem("PUBLIC KEY", made_up_algorithm_spki()), [CLIENT_HEI])
    assert caught.value.algorithm == MADE_UP


def test_serve_admit_of_an_unknown_algorithm_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = tmp_path / "odd.pem"
    odd.write_bytes(pem("PUBLIC KEY", made_up_algorithm_spki()))
    assert main(["serve", "--admit", f"{odd}={CLIENT_HEI}"]) == 2
    err = capsys.readouterr().err
    assert str(odd) in err
    assert MADE_UP in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ request bodies


@pytest.fixture
def small_app() -> FastAPI:
    app = create_app(make_config(max_request_bytes=100))
    node_of_app(app).register_client(key(3).public_key, [CLIENT_HEI])
    return app


async def test_a_body_over_the_limit_is_413_and_one_at_it_is_answered(small_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=small_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        at_limit = {"echo": "x" * 95}  # "echo=" + 95 bytes
        ok = await http.post("/ewp/echo", data=at_limit, auth=auth(small_app))
        assert ok.status_code == 200
        over = await http.post("/ewp/echo", data={"echo": "x" * 96}, auth=auth(small_app))
        assert over.status_code == 413
        developer = parse_error_response(over.content).developer or ""
        assert "100 bytes" in developer


@pytest.mark.parametrize(
    ("declared", "chunks_read"),
    [(b"1000000000", 0), (None, 11)],  # Content-Length says it; or 11 chunks of 10 bytes pass 100
    ids=["content-length", "streamed"],
)
async def test_an_endless_body_is_413_without_reading_past_the_limit(
    small_app: FastAPI, declared: bytes | None, chunks_read: int
) -> None:
    received: list[int] = []
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        received.append(1)
        return {"type": "http.request", "body": b"x" * 10, "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    headers = [(b"host", b"mock.test")]
    if declared is not None:
        headers.append((b"content-length", declared))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/ewp/echo",
        "raw_path": b"/ewp/echo",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("mock.test", 80),
    }
    await small_app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 413
    assert len(received) == chunks_read


def test_max_request_bytes_must_be_positive() -> None:
    with pytest.raises(ConfigError):
        make_config(max_request_bytes=0)
