"""A partner cannot make a call read without end: size limits and a deadline, on real sockets.

Every test runs the partner on 127.0.0.1 (:mod:`tests.client.hostile`) behind
the catalogue of :mod:`tests.support.network`, and asserts what the caller
sees: the typed error and its evidence, how many requests the partner got,
and, for the bodies that would once have filled memory, the call's peak of
traced allocations against the configured limit.
"""

from __future__ import annotations

import gc
import gzip
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ewp_client.client import NO_RETRY, AsyncEwpClient, EwpClient, RetryPolicy
from ewp_client.errors import (
    DeadlineExceededError,
    ResponseTooLargeError,
    TransportError,
)
from ewp_client.registry import AsyncRegistryClient
from ewp_client.security import ResponseSigner
from tests.client.hostile import (
    GIB,
    MIB,
    Answer,
    HostilePartner,
    gzip_bomb,
    plain_chunks,
    serve_hostile,
    slices,
)
from tests.client.test_client_core import ECHO, echo_body
from tests.support.network import AsyncSleeps, Network, Sleeps, make_network

LIMIT = 8 * MIB
#: What a bounded call may allocate besides the body it is allowed to hold.
ALLOWANCE = 8 * MIB
XML = ("Content-Type", "text/xml")


@pytest.fixture
def partner() -> Iterator[HostilePartner]:
    with serve_hostile() as state:
        yield state


@pytest.fixture
def net(tmp_path: Path, partner: HostilePartner) -> Network:
    net = make_network(tmp_path, echo_url=partner.echo_url)
    partner.signer = ResponseSigner(net.partner_key)
    return net


def client(net: Network, **kw: object) -> EwpClient:
    kw.setdefault("sleep", Sleeps())
    return EwpClient(net.registry(), key=net.our_key, max_response_size=LIMIT, **kw)  # type: ignore[arg-type]


def async_client(net: Network, **kw: object) -> AsyncEwpClient:
    kw.setdefault("sleep", AsyncSleeps())
    registry = AsyncRegistryClient(net.catalogue_path)
    return AsyncEwpClient(registry, key=net.our_key, max_response_size=LIMIT, **kw)  # type: ignore[arg-type]


def peak_of(call: object) -> tuple[BaseException, int]:
    """Run ``call()``, expecting it to raise; the exception and the peak of traced memory."""
    gc.collect()
    tracemalloc.start()
    try:
        call()  # type: ignore[operator]
    except BaseException as exc:
        error = exc
    else:
        pytest.fail("the call did not raise")
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return error, peak


def bomb(status: int, *, sign: bool) -> Answer:
    headers = [XML, ("Content-Encoding", "gzip"), ("Content-Length", str(len(gzip_bomb())))]
    return Answer(status, headers, slices(gzip_bomb()), sign=sign)


def test_the_bomb_really_inflates_to_a_gibibyte() -> None:
    inflater, total = zlib.decompressobj(31), 0
    data = gzip_bomb()
    for start in range(0, len(data), MIB):
        total += len(inflater.decompress(data[start : start + MIB]))
    assert (total, inflater.eof, len(data) < 2 * MIB) == (GIB, True, True)


def test_a_signed_gzip_bomb_stops_at_the_limit_within_bounded_memory(
    net: Network, partner: HostilePartner
) -> None:
    partner.answer = bomb(200, sign=True)
    with client(net) as c:
        c.registry.catalogue()  # the catalogue is not what is measured
        error, peak = peak_of(lambda: c.call(ECHO))
    assert isinstance(error, ResponseTooLargeError), error
    assert error.decoded is True
    assert error.limit == LIMIT
    assert LIMIT < error.bytes_read <= LIMIT + 64 * 1024
    assert error.url == partner.echo_url
    assert peak < LIMIT + ALLOWANCE, f"peak {peak / MIB:.1f} MiB"
    print(f"\n[bounded] 1 GiB gzip bomb, limit {LIMIT // MIB} MiB: peak {peak / MIB:.1f} MiB")


def test_an_unsigned_500_bomb_is_refused_and_not_downloaded_again(
    net: Network, partner: HostilePartner
) -> None:
    partner.answer = bomb(500, sign=False)
    sleeps = Sleeps()
    with client(net, sleep=sleeps, retry=RetryPolicy(attempts=4)) as c, \
            pytest.raises(ResponseTooLargeError) as info:  # fmt: skip
        c.call(ECHO)
    assert info.value.decoded is True
    assert partner.requests == 1
    assert sleeps == []


def test_a_200_mb_body_is_refused_at_the_limit_while_reading(
    net: Network, partner: HostilePartner
) -> None:
    """No ``Content-Length``: the body is read until the limit, then the connection dropped."""
    size = 200 * 1000 * 1000
    partner.answer = Answer(200, [XML, ("Connection", "close")], plain_chunks(size))
    with client(net) as c:
        c.registry.catalogue()
        error, peak = peak_of(lambda: c.call(ECHO))
    assert isinstance(error, ResponseTooLargeError), error
    assert error.decoded is False
    assert LIMIT < error.bytes_read <= LIMIT + 256 * 1024
    assert partner.requests == 1
    assert partner.bytes_sent < size // 4  # the client hung up long before the end
    assert peak < LIMIT + ALLOWANCE, f"peak {peak / MIB:.1f} MiB"
    print(f"[bounded] 200 MB plain body, limit {LIMIT // MIB} MiB: peak {peak / MIB:.1f} MiB")


def test_a_declared_length_over_the_limit_is_refused_before_reading(
    net: Network, partner: HostilePartner
) -> None:
    size = 200 * 1000 * 1000
    partner.answer = Answer(200, [XML, ("Content-Length", str(size))], plain_chunks(size))
    with client(net) as c, pytest.raises(ResponseTooLargeError) as info:
        c.call(ECHO)
    assert (info.value.bytes_read, info.value.limit) == (0, LIMIT)


def test_a_body_within_the_limit_still_arrives(net: Network, partner: HostilePartner) -> None:
    body = echo_body("a", "b")
    partner.answer = Answer(200, [XML, ("Content-Length", str(len(body)))], slices(body),
                            sign=True)  # fmt: skip
    with client(net) as c:
        answer = c.call(ECHO)
    assert answer.verified is not None
    assert [e.text for e in answer.tree.getroot()[1:]] == ["a", "b"]


def slow_body() -> Answer:
    """A valid, signed answer whose body arrives a byte every 0.2 s (about 40 s in all)."""
    body = echo_body("a", "b")
    return Answer(200, [XML, ("Content-Length", str(len(body)))], slices(body, 1),
                  sign=True, pause=0.2)  # fmt: skip


def slow_headers() -> Answer:
    body = echo_body("a")
    return Answer(200, [XML, ("Content-Length", str(len(body)))], slices(body),
                  header_drip=0.2)  # fmt: skip


@pytest.mark.parametrize("answer", [slow_body, slow_headers], ids=["body", "headers"])
def test_a_dripping_partner_meets_the_deadline(
    net: Network, partner: HostilePartner, answer: object
) -> None:
    partner.answer = answer()  # type: ignore[operator]
    with client(net, deadline=1.0, retry=NO_RETRY) as c, \
            pytest.raises(DeadlineExceededError) as info:  # fmt: skip
        c.call(ECHO)
    assert isinstance(info.value, TransportError)
    assert info.value.deadline == 1.0
    assert info.value.url == partner.echo_url
    assert partner.requests == 1


@pytest.mark.parametrize("answer", [slow_body, slow_headers], ids=["body", "headers"])
async def test_a_dripping_partner_meets_the_deadline_async(
    net: Network, partner: HostilePartner, answer: object
) -> None:
    partner.answer = answer()  # type: ignore[operator]
    async with async_client(net, deadline=1.0, retry=NO_RETRY) as c:
        with pytest.raises(DeadlineExceededError) as info:
            await c.call(ECHO)
    assert info.value.deadline == 1.0
    assert partner.requests == 1


async def test_the_async_client_refuses_a_bomb_too(net: Network, partner: HostilePartner) -> None:
    partner.answer = bomb(200, sign=True)
    async with async_client(net) as c:
        with pytest.raises(ResponseTooLargeError) as info:
            await c.call(ECHO)
    assert info.value.decoded is True
    assert partner.requests == 1


def test_a_deadline_error_is_retried_like_a_timeout(net: Network, partner: HostilePartner) -> None:
    partner.answer = slow_body()
    sleeps = Sleeps()
    with client(net, deadline=0.5, retry=RetryPolicy(attempts=2), sleep=sleeps) as c, \
            pytest.raises(DeadlineExceededError):  # fmt: skip
        c.call(ECHO)
    assert (partner.requests, sleeps) == (2, [0.5])


def test_an_in_memory_response_is_held_to_the_same_limits(tmp_path: Path) -> None:
    net = make_network(tmp_path)
    big = b"<x>" + bytes(LIMIT) + b"</x>"
    http = httpx.Client(transport=net.partner(lambda r: httpx.Response(200, content=big)))
    with EwpClient(net.registry(), key=net.our_key, http=http, max_response_size=LIMIT) as c, \
            pytest.raises(ResponseTooLargeError) as info:  # fmt: skip
        c.call(ECHO)
    assert info.value.bytes_read == len(big)


@pytest.mark.parametrize(
    ("encoding", "kind"),
    [("br", "not one we accept"), ("gzip, gzip", "not one we accept"), ("gzip", "DecodingError")],
)
def test_encodings_that_cannot_be_bounded_are_refused(
    net: Network, partner: HostilePartner, encoding: str, kind: str
) -> None:
    body = b"\x1f\x8b not really compressed"
    partner.answer = Answer(200, [XML, ("Content-Encoding", encoding),
                                  ("Content-Length", str(len(body)))], slices(body))  # fmt: skip
    with client(net, retry=NO_RETRY) as c, pytest.raises(TransportError, match=kind) as info:
        c.call(ECHO)
    assert "DecodingError" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_response_size": 0}, "max_response_size"),
        ({"deadline": 0}, "deadline"),
        ({"deadline": float("inf")}, "deadline"),
    ],
)
def test_limits_must_be_positive(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    from ewp_client.errors import ConfigError

    net = make_network(tmp_path)
    with pytest.raises(ConfigError, match=message):
        EwpClient(net.registry(), key=net.our_key, **kwargs)  # type: ignore[arg-type]


def _deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", _deflate_raw),  # without the zlib wrapper, as some servers send it
        ("identity", lambda b: b),
    ],
    ids=["gzip", "deflate", "raw-deflate", "identity"],
)
def test_compressed_answers_within_the_limit_are_decoded_and_verified(
    net: Network, partner: HostilePartner, encoding: str, encode: object
) -> None:
    body = encode(echo_body("a", "b"))  # type: ignore[operator]
    headers = [XML, ("Content-Encoding", encoding), ("Content-Length", str(len(body)))]
    partner.answer = Answer(200, headers, slices(body, 7), sign=True)
    with client(net) as c:
        answer = c.call(ECHO)
    assert answer.verified is not None  # the Digest matched the bytes as received
    assert [e.text for e in answer.tree.getroot()[1:]] == ["a", "b"]


def test_only_encodings_the_client_can_bound_are_asked_for(tmp_path: Path) -> None:
    net = make_network(tmp_path)
    with net.client(lambda r: httpx.Response(200, content=echo_body())) as c:
        c.call(ECHO)
    assert net.requests[0].headers["Accept-Encoding"] == "gzip, deflate"
