"""``ewp-mock serve`` with key files, as a CI suite starts it (real uvicorn, loopback)."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from ewp_client.client import EwpCall, EwpClient
from ewp_client.codec import decode
from ewp_client.error_response import parse_error_response
from ewp_client.errors import ConfigError, StateDirError
from ewp_client.models import EchoResponse
from ewp_client.namespaces import ECHO_API
from ewp_client.registry import RegistryClient
from ewp_client.security import RequestSigner, SigningKey, key_id, private_key_pem, public_key_pem
from ewp_client.xml import validate
from ewp_mock import DEFAULT_HEI, UNI_B, MockServer, bind_socket
from ewp_mock.cli import main
from ewp_mock.exchange_log import EXCHANGE_LOGGER, ExchangeLog, verdict_for_status
from ewp_mock.server import ServerLimits
from ewp_mock.state_dir import StateDir

from .conftest import BASE, key

HOST = BASE.removeprefix("http://")

CI_HEI = "ci-suite.example.org"


def write_private(path: Path, private: rsa.RSAPrivateKey) -> Path:
    path.write_bytes(private_key_pem(private))
    return path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``ewp-mock serve`` in a subprocess with fixed keys and our client key admitted."""
    server = write_private(tmp_path / "server.pem", key(1).private_key)
    own = write_private(tmp_path / "client.pem", key(2).private_key)
    ours = tmp_path / "ours.pub.pem"
    ours.write_bytes(public_key_pem(key(3).public_key))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ewp_mock.cli",
            "serve",
            "--port",
            "0",
            "--server-key",
            str(server),
            "--client-key",
            str(own),
            "--admit",
            f"{ours}={CI_HEI}",
            "--state-dir",
            str(tmp_path / "state"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: dict[str, str] = {}
    try:
        for line in process.stdout:
            if line.strip() == "ready":
                break
            label, _, value = line.partition(":")
            lines[label.strip()] = value.strip()
        else:
            assert process.stderr is not None
            pytest.fail(f"ewp-mock serve stopped: {process.stderr.read()}")
        yield lines
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_uses_the_given_keys_and_admits_the_given_client(served: dict[str, str]) -> None:
    assert served["server keyId"] == key_id(key(1).private_key)
    assert served["client keyId"] == key_id(key(2).private_key)
    assert served["admitted"] == f"{key(3).key_id} for {CI_HEI}"
    assert served["CA"] == f"{served['state dir']}/ca.pem"
    assert served[f"manifest {DEFAULT_HEI}"].startswith("https://127.0.0.1:")
    assert served[f"manifest {DEFAULT_HEI}"].endswith("/manifest.xml")
    assert served["data"] == f"the built-in demo data set ({DEFAULT_HEI})"
    assert served["see data"] == f"admit a key for {UNI_B}: --admit KEYFILE={UNI_B}"
    trust = ssl.create_default_context(cafile=served["CA"])
    with (
        RegistryClient(served["catalogue"], timeout=10.0, verify=trust) as registry,
        EwpClient(registry, key=key(3), http=httpx.Client(verify=trust)) as client,
    ):
        answer = client.call(
            EwpCall(api=ECHO_API, hei_id=DEFAULT_HEI, endpoint="url", params=(("echo", "ci"),))
        )
    assert answer.status == 200
    assert answer.verified
    echo = decode(answer.tree, EchoResponse)
    assert echo.echoes == ("ci",)
    assert echo.hei_ids == (CI_HEI,)


def test_unreadable_key_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.pem"
    assert main(["serve", "--server-key", str(missing)]) == 2
    assert f"--server-key {missing}" in capsys.readouterr().err


def test_a_file_that_is_no_private_key_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = tmp_path / "public.pem"
    public.write_bytes(public_key_pem(key(3).public_key))
    assert main(["serve", "--client-key", str(public)]) == 2
    assert "not a readable private key" in capsys.readouterr().err


def test_short_client_keys_and_bad_admit_options_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = tmp_path / "short.pem"
    short.write_bytes(public_key_pem(rsa.generate_private_key(65537, 1024).public_key()))
    assert main(["serve", "--admit", f"{short}={CI_HEI}"]) == 2
    assert "1024 bits" in capsys.readouterr().err
    assert main(["serve", "--admit", str(short)]) == 2
    assert "KEYFILE=HEI" in capsys.readouterr().err
    ok = tmp_path / "ok.pem"
    ok.write_bytes(public_key_pem(SigningKey(key(3).private_key).public_key))
    assert main(["serve", "--admit", f"{ok}= , "]) == 2


def test_public_url_brackets_ipv6_and_base_url_wins() -> None:
    from ewp_mock import MockConfig

    assert MockConfig(host="::1", port=8123).public_url == "https://[::1]:8123"
    assert MockConfig(host="::1", port=8123, tls=False).public_url == "http://[::1]:8123"
    assert not MockConfig(port=8123, tls=False).announces_https
    config = MockConfig(host="0.0.0.0", port=8000, base_url="http://mock:8000/")
    assert config.url("/ewp/echo") == "http://mock:8000/ewp/echo"
    assert config.authority == "mock:8000"


def test_a_bad_base_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--base-url", "ftp://mock"]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err


# ------------------------------------------------------------------ the state directory


def test_a_temporary_state_dir_is_private_and_removed_a_given_one_stays(tmp_path: Path) -> None:
    temporary = StateDir.open(None)
    assert temporary.temporary
    assert stat.S_IMODE(temporary.path.stat().st_mode) == 0o700
    temporary.write("node.json", b"{}")
    temporary.close()
    assert not temporary.path.exists()
    given = StateDir.open(tmp_path / "made" / "here")
    assert not given.temporary
    assert stat.S_IMODE(given.path.stat().st_mode) == 0o700
    given.write_keys(key(1), key(2))
    given.close()
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in given.path.iterdir()}
    assert modes == {
        "server-key.pem": 0o600,
        "server-public-key.pem": 0o644,
        "client-key.pem": 0o600,
        "client-public-key.pem": 0o644,
    }


def test_state_files_are_replaced_whole_and_never_through_a_link(tmp_path: Path) -> None:
    state = StateDir.open(tmp_path)
    old = state.write("catalogue.xml", b"old")
    old.chmod(0o666)
    state.write("catalogue.xml", b"new")
    assert old.read_bytes() == b"new"
    assert stat.S_IMODE(old.stat().st_mode) == 0o644
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    target = tmp_path / "outside"
    (tmp_path / "client-key.pem").symlink_to(target)
    with pytest.raises(StateDirError) as caught:
        state.write_keys(key(1), key(2))
    assert caught.value.reason == "symlink"
    assert caught.value.path == str(tmp_path / "client-key.pem")
    assert not target.exists()


def test_a_state_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StateDirError) as caught:
        StateDir.open(blocker)
    assert (caught.value.reason, caught.value.path) == ("not-a-directory", str(blocker))


# ---------------------------------------------------------------- one line per exchange


async def _exchange(app: Any, target: str, headers: list[tuple[str, str]] | None = None) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        return (await client.get(target, headers=headers)).status_code


async def test_a_signed_exchange_is_one_line_with_key_and_verdict_and_no_query(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=EXCHANGE_LOGGER)
    target = "/ewp/echo?echo=Grace-Hopper"
    headers = RequestSigner(key(3)).sign(method="GET", target=target, body=b"", host=HOST).headers
    assert await _exchange(ExchangeLog(app), target, list(headers)) == 200
    (record,) = [r for r in caplog.records if r.name == EXCHANGE_LOGGER]
    assert record.getMessage().startswith(
        f"exchange method=GET path=/ewp/echo status=200 key={key(3).key_id} verdict=ok "
        "response=signed ms="
    )
    assert "Grace-Hopper" not in caplog.text


@pytest.mark.parametrize(
    ("authorization", "key_field"),
    [
        (None, "key=-"),
        ('Signature keyId="a\\nb",algorithm="rsa-sha256",headers="host",signature="x"', "invalid"),
        ("Signature nonsense", "key=invalid"),
    ],
    ids=["none", "line-breaking-key-id", "unparsable"],
)
async def test_refused_exchanges_log_the_claimed_key_safely(
    app: FastAPI, caplog: pytest.LogCaptureFixture, authorization: str | None, key_field: str
) -> None:
    caplog.set_level(logging.INFO, logger=EXCHANGE_LOGGER)
    headers = [("Authorization", authorization)] if authorization else None
    status = await _exchange(ExchangeLog(app), "/ewp/echo%0A%C3%A9?echo=x", headers)
    assert status >= 400
    (record,) = [r for r in caplog.records if r.name == EXCHANGE_LOGGER]
    message = record.getMessage()
    assert "\n" not in message
    assert f" status={status} " in message
    assert key_field in message
    assert f"verdict={verdict_for_status(status)}" in message
    assert "path=/ewp/echo%0A%C3%A9 " in message


def _answering(status: int, verdict: object = None, *, fail: bool = False) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if verdict is not None:
            scope["state"]["ewp_verdict"] = verdict
        if fail:
            raise RuntimeError("boom")
        if status:
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    return app


@pytest.mark.parametrize(
    ("inner", "verdict"),
    [
        (_answering(400, "signature-mismatch"), "verdict=signature-mismatch"),
        (_answering(400, "Bad Verdict\n"), "verdict=bad-request"),
        (_answering(200, "ignored"), "verdict=ok"),
        (_answering(413), "verdict=too-large"),
        (_answering(0), "status=- key=- verdict=no-response"),
    ],
    ids=["named", "unusable-name", "ok", "status-name", "no-response"],
)
async def test_the_verdict_is_named_by_the_app_or_by_the_status(
    inner: Any, verdict: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=EXCHANGE_LOGGER)
    scope = {"type": "http", "method": "GET", "path": "/x", "raw_path": b"/x", "headers": []}
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await ExchangeLog(inner)(scope, _no_body, send)
    (record,) = caplog.records
    assert verdict in record.getMessage()


async def test_an_app_failure_is_logged_and_raised(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=EXCHANGE_LOGGER)
    scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
    with pytest.raises(RuntimeError, match="boom"):
        await ExchangeLog(_answering(0, fail=True))(scope, _no_body, _no_body)
    (record,) = caplog.records
    assert "status=500 key=- verdict=unhandled" in record.getMessage()


async def _no_body(*_args: object) -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


# -------------------------------------------------------------------- hostile callers

LIMITS = ServerLimits(request_read_timeout=0.5, keep_alive_timeout=1, max_header_bytes=2048)


@contextmanager
def _guarded(app: Any) -> Iterator[int]:
    sock = bind_socket()
    with MockServer(app, sock, limits=LIMITS):
        yield sock.getsockname()[1]


def _closed_by_server(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (the socket times out else)."""
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /catalogue-v1.xml HTTP/1.1\r\nHost: mo", b"POST /ewp/echo HTTP/1.1\r\n"
     b"Host: mock\r\nContent-Length: 100\r\n\r\n0123456789"],
    ids=["nothing", "half-a-head", "half-a-body"],
)  # fmt: skip
def test_a_stalled_caller_is_disconnected(app: FastAPI, sent: bytes) -> None:
    with _guarded(app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(sent)
        assert _closed_by_server(c) == b""


def test_a_trickling_caller_is_disconnected_however_busy(app: FastAPI) -> None:
    head = b"GET /catalogue-v1.xml HTTP/1.1\r\n" + b"X-Slow: " + b"a" * 1000
    with _guarded(app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        assert _trickle(c, head) < len(head)  # hung up on before the head was whole


def _trickle(client: socket.socket, data: bytes) -> int:
    """Send ``data`` a byte every 10 ms until the server hangs up; how many bytes went."""
    for sent, byte in enumerate(data):
        try:
            client.sendall(bytes([byte]))
        except OSError:  # reset or broken pipe: the server hung up
            return sent
        time.sleep(0.01)
    return len(data)


def test_time_spent_answering_does_not_count_against_the_caller() -> None:
    async def slow(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(3 * LIMITS.request_read_timeout)
        headers = [(b"content-length", b"4"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"late"})

    with _guarded(slow) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: mock\r\n\r\n")
        answer = _closed_by_server(c)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b"late")


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: mock\r\nX: " + b"a" * 4096,  # and more to come
    ],
    ids=["garbage", "head-growing-too-large"],
)
def test_a_request_http_cannot_parse_gets_an_ewp_error_response(
    app: FastAPI, request_bytes: bytes
) -> None:
    with _guarded(app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(request_bytes)
        answer = _closed_by_server(c)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: text/xml; charset=utf-8" in head.lower()
    validate(body)
    messages = parse_error_response(body)
    assert (messages.developer or "").startswith("malformed HTTP request")


def test_an_idle_keep_alive_connection_is_closed(app: FastAPI) -> None:
    with _guarded(app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(b"GET /catalogue-v1.xml HTTP/1.1\r\nHost: mock\r\n\r\n")
        assert _closed_by_server(c).startswith(b"HTTP/1.1 200 ")


def test_limits_must_be_usable() -> None:
    with pytest.raises(ConfigError):
        ServerLimits(request_read_timeout=0)
    with pytest.raises(ConfigError):
        ServerLimits(max_connections=0)
