"""A hostile partner on 127.0.0.1: huge, compressed-bomb and slow answers, generated as sent.

Nothing large is kept in memory: a plain body is written as zeros chunk by
chunk, and the gzip bomb (1 GiB of zeros inflating from about 1 MB) is built
from one compressed MiB repeated, with the gzip trailer computed for the whole.
"""

from __future__ import annotations

import functools
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from ewp_client.security import ResponseSigner
from tests.support.loopback import loopback_server

MIB = 1 << 20
GIB = 1 << 30


@functools.cache
def gzip_bomb(inflated: int = GIB) -> bytes:
    """A valid gzip stream of ``inflated`` zero bytes (a multiple of 1 MiB), about 1 KB per MiB.

    After a full flush the compressor starts afresh, so every further MiB of
    zeros compresses to the same bytes; the trailer (CRC-32, size) is computed
    for the whole stream.
    """
    assert inflated % MIB == 0
    zeros = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)[:-8]  # the final empty block, without its trailer
    crc = 0
    for _ in range(inflated // MIB):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, inflated & 0xFFFFFFFF)
    return first + again * (inflated // MIB - 1) + end + trailer


Headers = list[tuple[str, str]]


@dataclass
class Answer:
    """What the partner answers: a status, headers and a body given as chunks (lazily)."""

    status: int
    headers: Headers
    chunks: Callable[[], Iterator[bytes]]
    sign: bool = False
    #: Seconds between two body chunks (a slow drip).
    pause: float = 0.0
    #: Send the header block itself a byte at a time, this many seconds apart.
    header_drip: float | None = None


@dataclass
class HostilePartner:
    """The loopback server's state: the answer to give, and what happened."""

    answer: Answer | None = None
    signer: ResponseSigner | None = None
    requests: int = 0
    bytes_sent: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def echo_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ewp/echo"


def plain_chunks(total: int, chunk: int = 64 * 1024) -> Callable[[], Iterator[bytes]]:
    """``total`` zero bytes, ``chunk`` at a time, never held whole."""
    piece = bytes(chunk)

    def chunks() -> Iterator[bytes]:
        left = total
        while left > 0:
            yield piece[: min(chunk, left)]
            left -= chunk

    return chunks


def slices(data: bytes, size: int = 64 * 1024) -> Callable[[], Iterator[bytes]]:
    return lambda: (data[i : i + size] for i in range(0, len(data), size))


@contextmanager
def serve_hostile() -> Iterator[HostilePartner]:
    """Run a :class:`HostilePartner` on 127.0.0.1 until the block ends."""
    state = HostilePartner()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 64 * 1024  # head and body in one segment unless flushed in between

        def handle(self) -> None:
            try:
                super().handle()
            except OSError:  # a client that hung up on a keep-alive connection
                self.close_connection = True

        def do_GET(self) -> None:
            state.requests += 1
            answer = state.answer
            assert answer is not None
            headers = list(answer.headers)
            if answer.sign and state.signer is not None:
                body = b"".join(answer.chunks())
                headers += state.signer.sign(
                    request_headers=list(self.headers.items()), headers=headers, body=body
                )
            try:
                self._send(answer, headers)
            except OSError:  # the client hung up: what a bounded client does
                self.close_connection = True

        def _send(self, answer: Answer, headers: Headers) -> None:
            head = f"HTTP/1.1 {answer.status} X\r\n"
            head += "".join(f"{n}: {v}\r\n" for n, v in headers) + "\r\n"
            if answer.header_drip is not None:
                for byte in head.encode():
                    if state.stop.wait(answer.header_drip):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            else:
                self.wfile.write(head.encode())  # flushed with the first chunk
            for chunk in answer.chunks():
                if answer.pause and state.stop.wait(answer.pause):
                    return
                self.wfile.write(chunk)
                self.wfile.flush()
                state.bytes_sent += len(chunk)
            self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            return

    with loopback_server(Handler, on_stop=state.stop.set) as port:
        state.port = port
        yield state
        time.sleep(0)  # let dripping handlers see the stop event
