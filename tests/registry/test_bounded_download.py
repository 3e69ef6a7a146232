"""A Registry download is bounded like a partner's answer: size as received, size decoded, time.

The catalogue comes from a server we trust, but through proxies and caches we
do not control; a broken or hostile one must not take a SIS process to gigabytes
or hold its refresh forever. Past a bound the download fails as the Registry
being unavailable, with the bound's own error as the cause, and the copy held
is kept.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from ewp_client.errors import (
    ConfigError,
    DeadlineExceededError,
    RegistryUnavailableError,
    ResponseTooLargeError,
)
from ewp_client.registry import AsyncRegistryClient, CachePolicy, RegistryClient
from tests.registry.helpers import FakeClock, network_xml
from tests.support.loopback import loopback_server

LIMIT = 1024 * 1024


def gzip_bomb(inflated: int) -> bytes:
    """A gzip body of ``inflated`` zero bytes, compressed without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(inflated // len(block))]
    return b"".join([*parts, packer.flush()])


BOMB = gzip_bomb(64 * 1024 * 1024)


class Answers:
    """What the loopback Registry sends next: a list of (headers, body, drip delay)."""

    def __init__(self) -> None:
        self.queue: list[tuple[dict[str, str], bytes, float]] = []
        self.stop = threading.Event()


@pytest.fixture
def answers() -> Iterator[tuple[Answers, str]]:
    state = Answers()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers, body, drip = state.queue.pop(0) if state.queue else ({}, b"", 0.0)
            self.send_response(200)
            for name, value in {"Content-Type": "application/xml", **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            if not drip:
                self.wfile.write(body)
                return
            for byte in body:
                if state.stop.wait(drip):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with loopback_server(Handler, on_stop=state.stop.set) as port:
        yield state, f"http://127.0.0.1:{port}/catalogue-v1.xml"


def test_a_gzip_bomb_stops_at_the_decoded_limit(answers: tuple[Answers, str]) -> None:
    state, url = answers
    state.queue.append(({"Content-Encoding": "gzip", "Content-Length": str(len(BOMB))}, BOMB, 0))
    with (
        RegistryClient(url, max_size=LIMIT) as client,
        pytest.raises(RegistryUnavailableError, match="no cached copy") as caught,
    ):
        client.catalogue()
    cause = caught.value.__cause__
    assert isinstance(cause, ResponseTooLargeError)
    assert cause.decoded
    assert cause.limit == LIMIT
    assert LIMIT < cause.bytes_read <= LIMIT + 256 * 1024


def test_a_declared_length_over_the_limit_is_refused_unread(answers: tuple[Answers, str]) -> None:
    state, url = answers
    body = b"<x/>" * (LIMIT // 2)
    state.queue.append(({"Content-Length": str(len(body))}, body, 0))
    with RegistryClient(url, max_size=LIMIT) as client:
        cause = _cause(client)
    assert isinstance(cause, ResponseTooLargeError)
    assert not cause.decoded
    assert cause.bytes_read == 0


def _cause(client: RegistryClient) -> BaseException | None:
    """Why the first download failed (``None``: it did not)."""
    try:
        client.catalogue()
    except RegistryUnavailableError as exc:
        return exc.__cause__
    return None


def test_the_copy_held_is_kept_when_a_refresh_is_too_large(
    answers: tuple[Answers, str], caplog: pytest.LogCaptureFixture
) -> None:
    state, url = answers
    clock = FakeClock()
    state.queue.append(({"Cache-Control": "max-age=60"}, network_xml(), 0))
    state.queue.append(({"Content-Encoding": "gzip"}, BOMB, 0))
    with RegistryClient(url, max_size=LIMIT, clock=clock, policy=CachePolicy()) as client:
        first = client.catalogue()
        clock.advance(24 * 3600)
        assert client.catalogue() is first
    assert len(state.queue) == 0
    assert "decodes to more than the limit of 1048576 bytes" in caplog.text


def test_a_dripping_registry_is_cut_at_the_deadline(answers: tuple[Answers, str]) -> None:
    state, url = answers
    state.queue.append(({}, network_xml(), 0.05))
    started = time.monotonic()
    with RegistryClient(url, deadline=0.5, timeout=5) as client:
        cause = _cause(client)
    assert isinstance(cause, DeadlineExceededError)
    assert cause.deadline == 0.5
    assert 0 < cause.bytes_read < len(network_xml())
    assert time.monotonic() - started < 30  # not the whole drip (minutes); a bound, not a timing


async def test_the_async_client_is_bounded_too(answers: tuple[Answers, str]) -> None:
    state, url = answers
    state.queue.append(({"Content-Encoding": "gzip"}, BOMB, 0))
    async with AsyncRegistryClient(url, max_size=LIMIT) as client:
        with pytest.raises(RegistryUnavailableError) as caught:
            await client.catalogue()
    assert isinstance(caught.value.__cause__, ResponseTooLargeError)


def test_a_catalogue_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "catalogue-v1.xml"
    path.write_bytes(network_xml())
    with RegistryClient(path, max_size=len(network_xml())) as client:
        assert client.catalogue().heis
    with RegistryClient(path, max_size=len(network_xml()) - 1) as client:
        cause = _cause(client)
    assert isinstance(cause, ResponseTooLargeError)


@pytest.mark.parametrize(("option", "value"), [("max_size", 0), ("deadline", 0), ("deadline", -1)])
def test_bounds_must_be_positive(option: str, value: float) -> None:
    with pytest.raises(ConfigError, match=option):
        RegistryClient("catalogue-v1.xml", **{option: value})  # type: ignore[arg-type]
