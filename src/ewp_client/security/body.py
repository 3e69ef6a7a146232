"""Reading a partner's response body within bounds: size as received, size decoded, time.

httpx reads a whole body (and inflates a whole gzip body) before anyone can
look at it, and its timeouts are per read, so a partner could send a gzip bomb
or drip one byte at a time for as long as it likes. :class:`ReadBudget` is what
one exchange may take; the auth flow (:mod:`.httpx_auth`) reads the raw stream
chunk by chunk through it, counting what the bytes decode to without keeping
the decoded bytes, and stops at the first limit passed.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Final

import httpx

from ..errors import DeadlineExceededError, ResponseTooLargeError
from ..xml.parser import DEFAULT_MAX_BYTES

__all__ = ["DEFAULT_DEADLINE", "DEFAULT_MAX_RESPONSE_SIZE", "BodyReader", "ReadBudget"]

#: The default size limit of a response body, as received and after content decoding.
#: The same as the XML parser's: a larger body would be refused after downloading it
#: anyway, and the largest real EWP answers (an IIAs index of a big university, a
#: batch of LAs) are a few MiB.
DEFAULT_MAX_RESPONSE_SIZE: Final = DEFAULT_MAX_BYTES
#: Seconds one exchange with a partner may take, from connecting to the last
#: byte of the body. Generous for EWP's largest real answers (a few MiB; even
#: 64 MiB, the size limit, arrives in time at 0.6 MiB/s) and for partners slow
#: to build an IIAs index, yet a partner dripping bytes cannot hold a call longer.
DEFAULT_DEADLINE: Final = 120.0


@dataclass(slots=True, kw_only=True)
class ReadBudget:
    """What one exchange with a partner may take: body size and wall-clock time.

    ``max_size`` bounds the body as received and after content decoding;
    ``deadline`` (seconds, ``None``: none) runs from :meth:`start` and covers
    connecting, the headers and the body. ``bytes_read`` counts the body bytes
    received so far; ``url`` names the endpoint in errors (give it without
    query: a query may carry identifiers). ``network_stream`` is the
    connection's stream once known, for a watchdog that closes it at the deadline.
    """

    max_size: int = DEFAULT_MAX_RESPONSE_SIZE
    deadline: float | None = None
    url: str = ""
    expires_at: float | None = None
    bytes_read: int = 0
    network_stream: object | None = None

    @classmethod
    def start(cls, *, max_size: int, deadline: float | None, url: str) -> ReadBudget:
        """A budget whose deadline starts now (``time.monotonic``)."""
        expires = None if deadline is None else time.monotonic() + deadline
        return cls(max_size=max_size, deadline=deadline, url=url, expires_at=expires)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (0 when past it); ``None`` without a deadline."""
        if self.expires_at is None:
            return None
        return max(0.0, self.expires_at - time.monotonic())

    def expired(self) -> bool:
        return self.expires_at is not None and time.monotonic() >= self.expires_at

    def exceeded(self) -> DeadlineExceededError:
        """The error of this exchange having run out of time."""
        return DeadlineExceededError(
            f"{self.url}: no complete answer within the {self.deadline or 0:g} s deadline "
            f"({self.bytes_read} body bytes received)",
            deadline=self.deadline or 0.0,
            bytes_read=self.bytes_read,
            url=self.url,
        )

    def too_large(self, size: int, *, decoded: bool = False) -> ResponseTooLargeError:
        """The error of a body of (at least) ``size`` bytes."""
        what = "decodes to more than" if decoded else "is larger than"
        return ResponseTooLargeError(
            f"{self.url}: the response body {what} the limit of {self.max_size} bytes "
            f"(stopped after {size})",
            limit=self.max_size,
            bytes_read=size,
            url=self.url,
            decoded=decoded,
        )


#: Raw bytes fed to the inflater at a time, and the most it may output at a time:
#: what counting a body's decoded size holds in memory, whatever the body.
_INFLATE_STEP: Final = 64 * 1024


class _DecodedSize:
    """Counts the bytes a body decodes to, keeping none of them, as httpx would decode it.

    Handles exactly what httpx decodes: no ``Content-Encoding``, ``identity``,
    ``gzip`` or ``deflate`` (zlib-wrapped, or raw as some servers send it);
    values httpx does not know are ignored, as httpx ignores them. ``br`` and
    ``zstd`` (which we never ask for) and stacked encodings are refused, since
    httpx would inflate them whole in memory.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.size = 0
        codings = [
            value.strip().lower()
            for value in response.headers.get_list("content-encoding", split_commas=True)
        ]
        refused = [c for c in codings if c in ("br", "zstd")]
        used = [c for c in codings if c in ("gzip", "deflate")]
        if refused or len(used) > 1:
            raise self._error(f"Content-Encoding {', '.join(codings)} is not one we accept")
        self.coding = used[0] if used else None
        self._first = True
        self._inflater = self._new_inflater()

    def _new_inflater(self, wbits: int | None = None) -> zlib._Decompress | None:
        if self.coding is None:
            return None
        if wbits is None:
            wbits = zlib.MAX_WBITS | 16 if self.coding == "gzip" else zlib.MAX_WBITS
        return zlib.decompressobj(wbits)

    def _error(self, message: str) -> httpx.DecodingError:
        return httpx.DecodingError(message, request=self.response.request)

    def feed(self, data: bytes, limit: int) -> None:
        """Count what ``data`` decodes to; stops as soon as the count passes ``limit``."""
        inflater = self._inflater
        if inflater is None:
            self.size += len(data)
            return
        first, self._first = self._first, False
        try:
            self._inflate(inflater, data, limit)
        except zlib.error as exc:
            if not (first and self.coding == "deflate" and self.size == 0):
                raise self._error(str(exc)) from exc
            # A raw deflate stream without the zlib wrapper, as httpx also accepts.
            self._inflater = self._new_inflater(-zlib.MAX_WBITS)
            self.feed(data, limit)

    def _inflate(self, inflater: zlib._Decompress, data: bytes, limit: int) -> None:
        view = memoryview(data)
        for start in range(0, len(view), _INFLATE_STEP):
            pending = bytes(view[start : start + _INFLATE_STEP])
            while not inflater.eof:
                out = inflater.decompress(pending, _INFLATE_STEP)
                self.size += len(out)
                if self.size > limit:
                    return
                pending = inflater.unconsumed_tail
                if not pending and len(out) < _INFLATE_STEP:
                    break


class BodyReader:
    """Reads one response body within its :class:`ReadBudget`, keeping the raw bytes.

    Raises :class:`ResponseTooLargeError` as soon as the bytes received, or
    what they decode to, pass the limit (a declared ``Content-Length`` over it
    is refused before reading), and :class:`DeadlineExceededError` when the
    deadline passes between two chunks. Memory: the raw bytes, and once they
    are known to decode within the limit, the decoded body.
    """

    def __init__(self, response: httpx.Response, budget: ReadBudget) -> None:
        self.response = response
        self.budget = budget
        self.chunks: list[bytes] = []
        self._decoded: _DecodedSize | None = None
        stream = response.extensions.get("network_stream")
        if stream is not None:
            budget.network_stream = stream
        if budget.expired():
            raise budget.exceeded()

    def in_memory(self) -> bool:
        """Whether the body was built in memory (``httpx.MockTransport``) and is already read."""
        return self.response.is_stream_consumed

    def _check_sizes(self, raw: bytes) -> bytes:
        budget = self.budget
        budget.bytes_read = len(raw)
        if len(raw) > budget.max_size:
            raise budget.too_large(len(raw))
        if len(self.response.content) > budget.max_size:
            raise budget.too_large(len(self.response.content), decoded=True)
        return raw

    def replay(self) -> bytes:
        stream = self.response.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise TypeError("a sync client gave an async response stream")
        return self._check_sizes(b"".join(stream))

    async def areplay(self) -> bytes:
        stream = self.response.stream
        if isinstance(stream, httpx.AsyncByteStream):
            return self._check_sizes(b"".join([chunk async for chunk in stream]))
        if isinstance(stream, httpx.SyncByteStream):
            return self._check_sizes(b"".join(stream))
        raise TypeError("a response stream that is neither sync nor async")

    def _counter(self) -> _DecodedSize:
        """The decoded-size counter, made (headers checked) when the first chunk arrives."""
        if self._decoded is None:
            self._check_declared_length()
            self._decoded = _DecodedSize(self.response)
        return self._decoded

    def _check_declared_length(self) -> None:
        declared = self.response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self.budget.max_size:
            raise self.budget.too_large(0)

    def take(self, chunk: bytes) -> None:
        """One chunk as received: checked against the deadline and both size limits."""
        budget = self.budget
        decoded = self._counter()
        if budget.expired():
            raise budget.exceeded()
        budget.bytes_read += len(chunk)
        if budget.bytes_read > budget.max_size:
            raise budget.too_large(budget.bytes_read)
        decoded.feed(chunk, budget.max_size)
        if decoded.size > budget.max_size:
            raise budget.too_large(decoded.size, decoded=True)
        self.chunks.append(chunk)

    def read(self) -> bytes:
        """Read the whole body within the budget; returns the raw bytes, the response decodes them.

        Afterwards ``response.content`` is the decoded body, as if httpx had read it.
        """
        if self.in_memory():
            return self.replay()
        for chunk in self.response.iter_raw():
            self.take(chunk)
        raw = self.finish()
        self.response.read()
        return raw

    async def aread(self) -> bytes:
        """:meth:`read` for an async response."""
        if self.in_memory():
            return await self.areplay()
        async for chunk in self.response.aiter_raw():
            self.take(chunk)
        raw = self.finish()
        await self.response.aread()
        return raw

    def finish(self) -> bytes:
        """The raw body; the response's stream replays it, for httpx to decode as usual."""
        self._counter()  # an empty body still gets its headers checked
        raw = b"".join(self.chunks)
        self.chunks.clear()
        response = self.response
        response.stream = httpx.ByteStream(raw)
        response.is_stream_consumed = False
        response.is_closed = False
        return raw
