"""The exchange log: one log line per exchange, and a bounded record of each for tests to read.

:class:`ExchangeLog` is a pure ASGI middleware (no web framework needed). It
logs one line per exchange (unless made with ``lines=False``); given an
:class:`ExchangeRing` it also records the whole exchange there (an
:class:`Exchange`). The node's own calls to partners are recorded through
:meth:`ExchangeRing.transport`, an httpx transport wrapping the one the
node's client sends through. Every node made by :func:`~ewp_mock.create_app`
has its ring (:attr:`MockNode.exchanges <ewp_mock.node.MockNode.exchanges>`)
and records both ways; ``ewp-mock serve`` adds the lines.

A line reads::

    exchange method=GET path=/ewp/echo status=200 key=6d1f...e0 verdict=ok response=signed ms=4.1

* ``path`` is the path as received, without the query: query values carry
  ids (mobility ids, IIA ids) and nothing from a request's body or query is
  ever logged, so no student data reaches the log. Characters that could break
  the line (controls, non-ASCII) are percent-escaped, and long paths are cut.
* ``key`` is the ``keyId`` of the request's ``Authorization: Signature``
  header, parsed but *not* verified (``-`` when there is none, ``invalid``
  when it is no keyId): whether it verified is the verdict.
* ``verdict`` is ``ok`` for an answer below 400. For an error it is what an
  inner layer named in ``scope["state"]["ewp_verdict"]`` (for instance the
  signature check's error kind: the app may set ``request.state.ewp_verdict``),
  else a name for the status (``bad-request``, ``unauthenticated``,
  ``forbidden``, ``too-large``...). ``no-response`` when the client went away
  before an answer, ``unhandled`` when the app raised.
* ``response`` says whether the answer carried a ``Signature`` header.

Put it outermost (around the response-signing layer), so that it sees the
final status and headers.

A record (:meth:`Exchange.as_dict`, one JSON object) holds the direction
(``in``: a request the node answered; ``out``: a request the node sent), the
real and the business time, method, URL, status, the line's verdict, the
caller's keyId and the HEIs it covers, the request's signature verdict
(:data:`SignatureVerdict`) and whether the response was signed, the schema
verdict of each XML body (:class:`SchemaVerdict`), the time taken, the
headers and the bodies, the fault scenarios that altered it (their names, as
the fault layers left them under :data:`SCENARIOS_KEY`) and, for a request
the node sent, the known issue its client diagnosed in the answer
(:func:`note_known_issue`). Bodies are kept with students' personal data masked
(:mod:`ewp_client.privacy`) unless the ring was made with
``keep_personal_data=True``. The ring keeps the latest ``size`` records and,
given a file, appends each as a JSON line there (:data:`EXCHANGES_FILE` in a
node's state directory), the file being rotated to ``<name>.1`` past
``max_file_bytes``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final, Literal

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ewp_client.clock import Clock
from ewp_client.errors import (
    ConfigError,
    EwpError,
    MalformedXmlError,
    SchemaValidationError,
    UnknownDocumentError,
)
from ewp_client.privacy import mask_body
from ewp_client.security import parse_authorization
from ewp_client.server.middleware import SIGNATURE_ERROR_KEY, verified_of
from ewp_client.xml import validate

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_RING_SIZE",
    "EXCHANGES_FILE",
    "EXCHANGE_LOGGER",
    "SCENARIOS_KEY",
    "SIGNATURE_ERROR_KEY",
    "VERDICT_KEY",
    "Exchange",
    "ExchangeLog",
    "ExchangeRing",
    "RecordingTransport",
    "SchemaVerdict",
    "SignatureVerdict",
    "note_known_issue",
    "schema_verdict",
    "verdict_for_status",
]

#: The logger the lines go to (at INFO).
EXCHANGE_LOGGER: Final = "ewp_mock.exchange"
#: Where an inner layer may name its verdict: ``scope["state"][VERDICT_KEY]``.
VERDICT_KEY: Final = "ewp_verdict"
#: Where the fault layers list the scenarios that altered an exchange:
#: ``scope["state"][SCENARIOS_KEY]``, a list of names.
SCENARIOS_KEY: Final = "ewp_scenarios"
#: The file of the records in a node's state directory (JSON lines).
EXCHANGES_FILE: Final = "exchanges.jsonl"
#: Records a ring keeps by default.
DEFAULT_RING_SIZE: Final = 1000
#: Bytes of a body read to be masked and validated; a longer body is cut there (and
#: then withheld while personal data is masked: a cut document cannot be inspected).
DEFAULT_MAX_CAPTURE_BYTES: Final = 1024 * 1024
#: Bytes of a body checked against the schemas at most (validating takes about 50 ms a
#: MiB, on the event loop, after the answer was sent); a longer body is ``not-checked``.
DEFAULT_MAX_CHECKED_BYTES: Final = 256 * 1024
#: Characters of a body a record keeps (the rest is cut, the record says how much).
DEFAULT_MAX_KEPT_CHARS: Final = 32 * 1024
#: Size past which the JSON-lines file is rotated (one older file is kept).
DEFAULT_MAX_FILE_BYTES: Final = 16 * 1024 * 1024

#: ``verified``: the signature layer verified it; ``unsigned``: no ``Authorization``
#: header; ``not-reported``: signed, and no layer said whether it verified (a path
#: served without verification, or a signature layer that does not report);
#: ``signed``: a request the node sent, signed; otherwise the kind of the signature
#: error the request was refused for, as the signature layer left it under
#: :data:`~ewp_client.server.middleware.SIGNATURE_ERROR_KEY` (``missing-signature``,
#: ``digest``, ``signature-mismatch``, ``unknown-key``, ``replay``, ``clock-skew``...).
SignatureVerdict = str
Direction = Literal["in", "out"]
HeaderPairs = tuple[tuple[str, str], ...]

_MAX_PATH: Final = 200
#: Distinct bodies whose kept text and schema verdict a ring remembers.
_JUDGED_KEPT: Final = 64
_MAX_VIOLATIONS: Final = 5
_KEY_ID: Final = re.compile(r"[0-9A-Za-z._:/+=-]{1,128}")
_VERDICT: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_WORD_START: Final = re.compile(r"(?<!^)(?=[A-Z])")
_STATUS_VERDICTS: Final = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    501: "not-implemented",
    503: "unavailable",
}


def verdict_for_status(status: int) -> str:
    """``ok`` below 400, else a name for the status."""
    if status < 400:
        return "ok"
    return _STATUS_VERDICTS.get(status, "client-error" if status < 500 else "server-error")


# --------------------------------------------------------------------- the record


@dataclass(frozen=True, slots=True)
class SchemaVerdict:
    """What the bundled schemas say of one body.

    ``verdict``: ``valid``; ``invalid`` (``violations`` lists the first few,
    ``total`` counts them); ``not-xml`` (not acceptable XML: not well-formed,
    a DOCTYPE...); ``unknown-document`` (no bundled schema for its root);
    ``not-checked`` (larger than the ring checks, or cut). ``document`` is
    the root element's local name when known.
    """

    verdict: Literal["valid", "invalid", "not-xml", "unknown-document", "not-checked"]
    document: str | None = None
    violations: tuple[str, ...] = ()
    total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "document": self.document,
            "violations": list(self.violations),
            "total": self.total,
        }


def schema_verdict(
    body: bytes, content_type: str | None = None, *, max_bytes: int = DEFAULT_MAX_CHECKED_BYTES
) -> SchemaVerdict | None:
    """The schema verdict of an XML body; ``None`` for a body that is not meant as XML.

    A body is meant as XML when its ``Content-Type`` says so (``…/xml``,
    ``…+xml``) or, without one, when it starts with ``<``.
    """
    if not body or not _meant_as_xml(body, content_type):
        return None
    if len(body) > max_bytes:
        return SchemaVerdict("not-checked")
    try:
        tree = validate(body, max_violations=_MAX_VIOLATIONS)
    except SchemaValidationError as error:
        violations = tuple(str(v) for v in error.violations)
        return SchemaVerdict("invalid", error.root, violations, error.total)
    except UnknownDocumentError as error:
        return SchemaVerdict("unknown-document", error.root)
    except MalformedXmlError:
        return SchemaVerdict("not-xml")
    return SchemaVerdict("valid", _local(str(tree.getroot().tag)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One HTTP exchange as recorded (see the module); :meth:`as_dict` is its JSON form.

    ``request_body`` and ``response_body`` are text: the body (masked unless
    ``personal_data`` is ``"kept"``), or a placeholder saying why it was
    withheld; ``*_size`` are the bodies' lengths in bytes. ``error`` names
    what ended an exchange without a response (the app raised, a transport
    failure). ``scenarios`` names the fault scenarios that altered it;
    ``known_issue`` is the catalogue id of the problem the node's client
    diagnosed in the answer to a request it sent.
    """

    seq: int
    direction: Direction
    at: datetime
    business_at: datetime | None
    method: str
    url: str
    status: int | None
    verdict: str
    key_id: str | None
    heis: tuple[str, ...]
    request_signature: SignatureVerdict
    response_signed: bool
    request_schema: SchemaVerdict | None
    response_schema: SchemaVerdict | None
    ms: float
    request_headers: HeaderPairs
    response_headers: HeaderPairs
    request_body: str
    response_body: str
    request_size: int
    response_size: int
    personal_data: Literal["masked", "kept"]
    error: str | None = None
    scenarios: tuple[str, ...] = ()
    known_issue: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (times in ISO 8601, headers as pairs)."""
        return {
            "seq": self.seq,
            "direction": self.direction,
            "at": self.at.isoformat(),
            "business_at": self.business_at.isoformat() if self.business_at else None,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "verdict": self.verdict,
            "key_id": self.key_id,
            "heis": list(self.heis),
            "request_signature": self.request_signature,
            "response_signed": self.response_signed,
            "request_schema": self.request_schema.as_dict() if self.request_schema else None,
            "response_schema": self.response_schema.as_dict() if self.response_schema else None,
            "ms": round(self.ms, 3),
            "request_headers": [list(p) for p in self.request_headers],
            "response_headers": [list(p) for p in self.response_headers],
            "request_body": self.request_body,
            "response_body": self.response_body,
            "request_size": self.request_size,
            "response_size": self.response_size,
            "personal_data": self.personal_data,
            "error": self.error,
            "scenarios": list(self.scenarios),
            "known_issue": self.known_issue,
        }

    def to_json(self) -> str:
        """One line of JSON (what the ring's file holds)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":"))


@dataclass(slots=True, kw_only=True)
class _Raw:
    """An exchange as seen, before the ring masks, judges and numbers it."""

    direction: Direction
    at: datetime
    business_at: datetime | None
    method: str
    url: str
    request_headers: HeaderPairs
    request_body: bytes = b""
    request_cut: bool = False
    request_size: int = 0
    status: int | None = None
    response_headers: HeaderPairs = ()
    response_body: bytes = b""
    response_cut: bool = False
    response_size: int = 0
    verdict: str = "ok"
    key_id: str | None = None
    heis: tuple[str, ...] = ()
    request_signature: SignatureVerdict = "unsigned"
    ms: float = 0.0
    error: str | None = None
    scenarios: tuple[str, ...] = ()


class _Capture:
    """The first ``limit`` bytes of a body arriving in chunks, and its whole length."""

    __slots__ = ("chunks", "kept", "limit", "size")

    def __init__(self, limit: int) -> None:
        self.chunks: list[bytes] = []
        self.kept = 0
        self.size = 0
        self.limit = limit

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        room = self.limit - self.kept
        if room > 0 and chunk:
            piece = chunk[:room]
            self.chunks.append(piece)
            self.kept += len(piece)

    @property
    def cut(self) -> bool:
        return self.size > self.kept

    def body(self) -> bytes:
        return b"".join(self.chunks)


# ----------------------------------------------------------------------- the ring


class ExchangeRing:
    """The latest ``size`` exchanges of a node, and optionally a JSON-lines file of them.

    ``keep_personal_data`` keeps bodies as they were (a node started to keep
    students' personal data); otherwise they are masked. ``path`` is the file
    the records are appended to (``None``: none), rotated past
    ``max_file_bytes``; ``clock`` gives the business time recorded with the
    real one. Bodies up to ``max_capture_bytes`` are read to be masked, those
    up to ``max_checked_bytes`` checked against the schemas
    (``check_schemas=False`` checks none), and a record keeps
    ``max_kept_chars`` of each. Safe to use from several threads.

    The work (masking, checking, writing) is done when the exchange is over:
    for a request the node answered, after the answer was sent. It costs
    about 0.1 ms for an Echo exchange and a few ms for an LA ``get`` of 8 LAs
    (mostly the schema check); see ``check_schemas`` and
    ``max_checked_bytes``. A body already seen (among the latest 64 distinct
    ones: a catalogue, a manifest, an answer repeated) is not judged again.
    """

    def __init__(
        self,
        size: int = DEFAULT_RING_SIZE,
        *,
        keep_personal_data: bool = False,
        path: Path | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        clock: Clock | None = None,
        check_schemas: bool = True,
        max_checked_bytes: int = DEFAULT_MAX_CHECKED_BYTES,
        max_capture_bytes: int = DEFAULT_MAX_CAPTURE_BYTES,
        max_kept_chars: int = DEFAULT_MAX_KEPT_CHARS,
    ) -> None:
        if size < 1:
            raise ConfigError(f"an exchange ring holds at least 1 record, not {size}")
        self.size = size
        self.keep_personal_data = keep_personal_data
        self.path = path
        self.max_file_bytes = max_file_bytes
        self.clock = clock
        self.check_schemas = check_schemas
        self.max_checked_bytes = max_checked_bytes
        self.max_capture_bytes = max_capture_bytes
        self.max_kept_chars = max_kept_chars
        self._records: deque[Exchange] = deque(maxlen=size)
        self._judged: OrderedDict[tuple[bytes, str | None], tuple[str, SchemaVerdict | None]]
        self._judged = OrderedDict()
        self._seq = 0
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._written = 0

    # -------------------------------------------------------------- reading

    def records(self, *, since: int = 0, limit: int | None = None) -> tuple[Exchange, ...]:
        """The records kept, oldest first: those numbered above ``since``, the first ``limit``."""
        with self._lock:
            found = [r for r in self._records if r.seq > since]
        return tuple(found if limit is None else found[:limit])

    def as_json(self, *, since: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """:meth:`records` as JSON-ready dicts (what the control API answers)."""
        return [r.as_dict() for r in self.records(since=since, limit=limit)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    @property
    def latest(self) -> int:
        """The number of the latest record made (0 before the first; a reset keeps it)."""
        with self._lock:
            return self._seq

    def clear(self) -> None:
        """Forget the records kept (the file keeps its lines; numbering goes on)."""
        with self._lock:
            self._records.clear()

    def close(self) -> None:
        """Close the file (reopened at the next record)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    # -------------------------------------------------------------- recording

    def transport(
        self, inner: httpx.AsyncBaseTransport, *, heis: Iterable[str] = ()
    ) -> RecordingTransport:
        """An httpx transport sending through ``inner`` and recording each exchange here.

        ``heis`` are the HEIs the node acts for when it calls (recorded as the
        caller's).
        """
        return RecordingTransport(self, inner, heis=heis)

    def _now(self) -> tuple[datetime, datetime | None]:
        return datetime.now(UTC), self.clock.now() if self.clock is not None else None

    def _record(self, raw: _Raw) -> Exchange:
        """Mask, judge and number ``raw``; keep it and write it out."""
        request_type = _header(raw.request_headers, "content-type")
        response_type = _header(raw.response_headers, "content-type")
        request_text, request_schema = self._judge(
            raw.request_body, raw.request_cut, raw.request_size, request_type
        )
        response_text, response_schema = self._judge(
            raw.response_body, raw.response_cut, raw.response_size, response_type
        )
        with self._lock:
            self._seq += 1
            exchange = Exchange(
                seq=self._seq,
                direction=raw.direction,
                at=raw.at,
                business_at=raw.business_at,
                method=raw.method,
                url=raw.url,
                status=raw.status,
                verdict=raw.verdict,
                key_id=raw.key_id,
                heis=raw.heis,
                request_signature=raw.request_signature,
                response_signed=_header(raw.response_headers, "signature") is not None,
                request_schema=request_schema,
                response_schema=response_schema,
                ms=raw.ms,
                request_headers=raw.request_headers,
                response_headers=raw.response_headers,
                request_body=request_text,
                response_body=response_text,
                request_size=raw.request_size,
                response_size=raw.response_size,
                personal_data="kept" if self.keep_personal_data else "masked",
                error=raw.error,
                scenarios=raw.scenarios,
            )
            self._records.append(exchange)
            if self.path is not None:
                try:
                    self._write(exchange.to_json())
                except OSError as exc:
                    logging.getLogger(EXCHANGE_LOGGER).warning(
                        "exchange %d not written to %s: %s", exchange.seq, self.path, exc
                    )
        return exchange

    def diagnose(self, seq: int, known_issue: str) -> Exchange | None:
        """Say that record ``seq`` showed ``known_issue``; the record, ``None`` when gone.

        Only the record in memory changes: its line in the file was written
        when the exchange ended, before the node's client judged the answer.
        """
        with self._lock:
            for index, record in enumerate(self._records):
                if record.seq == seq:
                    self._records[index] = replace(record, known_issue=known_issue)
                    return self._records[index]
        return None

    def _judge(
        self, body: bytes, cut: bool, size: int, content_type: str | None
    ) -> tuple[str, SchemaVerdict | None]:
        """The body's text as kept and its schema verdict, each body judged once.

        A node answers the same bytes again and again (its catalogue, its
        manifests, the same LA read by a polling partner): the latest
        :data:`_JUDGED_KEPT` distinct bodies are remembered by their digest.
        """
        if cut or not body:
            return (
                self._body_text(body, cut, size, content_type),
                self._schema(body, cut, content_type),
            )
        key = (hashlib.blake2b(body, digest_size=16).digest(), content_type)
        with self._lock:
            known = self._judged.get(key)
            if known is not None:
                self._judged.move_to_end(key)
                return known
        judged = (
            self._body_text(body, cut, size, content_type),
            self._schema(body, cut, content_type),
        )
        with self._lock:
            self._judged[key] = judged
            if len(self._judged) > _JUDGED_KEPT:
                self._judged.popitem(last=False)
        return judged

    def _schema(self, body: bytes, cut: bool, content_type: str | None) -> SchemaVerdict | None:
        if not self.check_schemas or not body:
            return None
        if cut:
            return SchemaVerdict("not-checked") if _meant_as_xml(body, content_type) else None
        return schema_verdict(body, content_type, max_bytes=self.max_checked_bytes)

    def _body_text(self, body: bytes, cut: bool, size: int, content_type: str | None) -> str:
        if not size:
            return ""
        if self.keep_personal_data:
            text = body.decode("utf-8", errors="replace")
        elif cut:
            return f"<{size} bytes, over the {self.max_capture_bytes} bytes read: withheld>"
        else:
            text = mask_body(body, content_type).text()
        if len(text) > self.max_kept_chars or cut:
            kept = text[: self.max_kept_chars]
            return f"{kept}...<cut: {size} bytes in all>"
        return text

    def _write(self, line: str) -> None:
        """Append ``line`` to the file (lock held), rotating it when full."""
        assert self.path is not None
        data = line + "\n"
        if self._file is not None and self._written + len(data) > self.max_file_bytes:
            self._file.close()
            self._file = None
            os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        if self._file is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._file = open(fd, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
            self._written = self._file.tell()
        self._file.write(data)
        self._file.flush()
        self._written += len(data.encode("utf-8"))


# ------------------------------------------------------------ incoming exchanges


class ExchangeLog:
    """Logs one line per HTTP exchange of ``app``; with a ``ring``, records each there too.

    ``heis_of`` gives the HEIs a keyId covers, for requests the signature
    layer did not report verified (the verified result carries its own).
    ``lines=False`` logs no line (a node's app records into its ring this
    way, and ``ewp-mock serve`` adds the lines with an outer ``ExchangeLog``).
    """

    def __init__(
        self,
        app: ASGIApp,
        logger: logging.Logger | None = None,
        *,
        ring: ExchangeRing | None = None,
        heis_of: Callable[[str], Iterable[str]] | None = None,
        lines: bool = True,
    ) -> None:
        self.app = app
        self.log = logger or logging.getLogger(EXCHANGE_LOGGER)
        self.ring = ring
        self.heis_of = heis_of
        self.lines = lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.ring is not None:
            await self._recorded(self.ring, scope, receive, send)
            return
        started = time.perf_counter()
        scope.setdefault("state", {})
        status: int | None = None
        signed = False

        async def observe(message: Message) -> None:
            nonlocal status, signed
            if message["type"] == "http.response.start":
                status = int(message["status"])
                signed = any(n.lower() == b"signature" for n, _ in message.get("headers", []))
            await send(message)

        try:
            await self.app(scope, receive, observe)
        except BaseException:
            self._line(scope, status or 500, "unhandled", signed, started)
            raise
        if status is None:
            self._line(scope, None, "no-response", signed, started)
        else:
            self._line(scope, status, _verdict(scope, status), signed, started)

    async def _recorded(
        self, ring: ExchangeRing, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """:meth:`__call__` keeping the bodies and headers for ``ring``."""
        started = time.perf_counter()
        at, business_at = ring._now()
        scope.setdefault("state", {})
        request = _Capture(ring.max_capture_bytes)
        response = _Capture(ring.max_capture_bytes)
        start: Message | None = None

        async def tee(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                response.add(bytes(message.get("body", b"")))
            await send(message)

        async def read() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.add(bytes(message.get("body", b"")))
            return message

        error: str | None = None
        try:
            await self.app(scope, read, tee)
        except BaseException as exc:
            error = _error_text(exc)
            raise
        finally:
            status = int(start["status"]) if start is not None else None
            headers = _pairs(start.get("headers", [])) if start is not None else ()
            signed = _header(headers, "signature") is not None
            if error is not None:
                verdict = "unhandled"
                self._line(scope, status or 500, verdict, signed, started)
            elif status is None:
                verdict = "no-response"
                self._line(scope, None, verdict, signed, started)
            else:
                verdict = _verdict(scope, status)
                self._line(scope, status, verdict, signed, started)
            key_id, heis, signature = self._caller(scope)
            ring._record(
                _Raw(
                    direction="in",
                    at=at,
                    business_at=business_at,
                    method=str(scope.get("method", "?")),
                    url=_url(scope),
                    request_headers=_pairs(scope.get("headers", [])),
                    request_body=request.body(),
                    request_cut=request.cut,
                    request_size=request.size,
                    status=status,
                    response_headers=headers,
                    response_body=response.body(),
                    response_cut=response.cut,
                    response_size=response.size,
                    verdict=verdict,
                    key_id=key_id,
                    heis=heis,
                    request_signature=signature,
                    ms=(time.perf_counter() - started) * 1000,
                    error=error,
                    scenarios=_scenarios(scope),
                )
            )

    def _caller(self, scope: Scope) -> tuple[str | None, tuple[str, ...], SignatureVerdict]:
        """The keyId, its HEIs and the signature verdict of the request in ``scope``."""
        verified = verified_of(scope)
        if verified is not None:
            return verified.key_id, tuple(sorted(verified.heis)), "verified"
        claimed = caller_key_id(scope)
        key_id = None if claimed == "-" else claimed
        heis: tuple[str, ...] = ()
        if key_id is not None and key_id != "invalid" and self.heis_of is not None:
            heis = tuple(sorted(self.heis_of(key_id)))
        refused = scope.get("state", {}).get(SIGNATURE_ERROR_KEY)
        if isinstance(refused, EwpError):
            return key_id, heis, _kind(refused)
        if key_id is None:
            return None, (), "unsigned"
        return key_id, heis, "not-reported"

    def _line(
        self, scope: Scope, status: int | None, verdict: str, signed: bool, started: float
    ) -> None:
        if not self.lines or not self.log.isEnabledFor(logging.INFO):
            return
        self.log.info(
            "exchange method=%s path=%s status=%s key=%s verdict=%s response=%s ms=%.1f",
            _printable(str(scope.get("method", "?")), 16),
            request_path(scope),
            "-" if status is None else status,
            caller_key_id(scope),
            verdict,
            "signed" if signed else "unsigned",
            (time.perf_counter() - started) * 1000,
        )


# ------------------------------------------------------------ outgoing exchanges


class RecordingTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends through ``inner`` and records each exchange in ``ring``.

    The response body is recorded as the client reads it (the client's own
    read limits hold: nothing more is read here), when the response is
    closed; a request that got no response is recorded with the failure.
    """

    def __init__(
        self, ring: ExchangeRing, inner: httpx.AsyncBaseTransport, *, heis: Iterable[str] = ()
    ) -> None:
        self.ring = ring
        self.inner = inner
        self.heis = tuple(sorted(heis))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        at, business_at = self.ring._now()
        headers = _pairs(request.headers.raw)
        claimed = _claimed_key(_header(headers, "authorization"))
        try:
            body = request.content
        except httpx.RequestNotRead:
            body = b""
        raw = _Raw(
            direction="out",
            at=at,
            business_at=business_at,
            method=request.method,
            url=str(request.url),
            request_headers=headers,
            request_body=body[: self.ring.max_capture_bytes],
            request_cut=len(body) > self.ring.max_capture_bytes,
            request_size=len(body),
            key_id=None if claimed in ("-", "invalid") else claimed,
            heis=self.heis,
            request_signature="unsigned" if claimed == "-" else "signed",
        )
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException as exc:
            raw.verdict = "no-response"
            raw.error = _error_text(exc)
            raw.ms = (time.perf_counter() - started) * 1000
            _LAST_SENT.set((self.ring, self.ring._record(raw).seq))
            raise
        raw.status = response.status_code
        raw.verdict = verdict_for_status(response.status_code)
        raw.response_headers = _pairs(response.headers.raw)
        stream = _RecordedStream(response.stream, self.ring, raw, started)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=stream,
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


class _RecordedStream(httpx.AsyncByteStream):
    """A response body passed on as read, its start kept; recorded once, when closed."""

    def __init__(
        self, inner: httpx.AsyncByteStream | Any, ring: ExchangeRing, raw: _Raw, started: float
    ) -> None:
        self.inner = inner
        self.ring = ring
        self.raw = raw
        self.started = started
        self.capture = _Capture(ring.max_capture_bytes)
        self.recorded = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.inner:
                self.capture.add(chunk)
                yield chunk
        except BaseException as exc:
            self.raw.error = _error_text(exc)
            raise

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            if not self.recorded:
                self.recorded = True
                raw = self.raw
                raw.response_body = self.capture.body()
                raw.response_cut = self.capture.cut
                raw.response_size = self.capture.size
                raw.ms = (time.perf_counter() - self.started) * 1000
                _LAST_SENT.set((self.ring, self.ring._record(raw).seq))


#: The ring and number of the exchange the current task sent last (a request and
#: its answer are recorded in the task that sends it, which also sees the error).
_LAST_SENT: ContextVar[tuple[ExchangeRing, int] | None] = ContextVar(
    "ewp_mock_last_sent", default=None
)


def note_known_issue(problem: BaseException | type[BaseException] | None) -> str | None:
    """Record the known issue ``problem`` names on the exchange this task sent last.

    Called where the node's client failed (a refresh, a change notification):
    the error's ``known_issue`` (an :class:`~ewp_client.errors.EwpError`
    class attribute) goes on the latest record of a request sent from the
    same task. Returns the id noted, ``None`` when there was none to note.
    """
    issue = getattr(problem, "known_issue", None)
    sent = _LAST_SENT.get()
    if not isinstance(issue, str) or sent is None:
        return None
    ring, seq = sent
    return issue if ring.diagnose(seq, issue) is not None else None


# ------------------------------------------------------------------- the helpers


def request_path(scope: Scope) -> str:
    """The path as received, no query, escaped to stay on one line and cut when long."""
    raw = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8")
    return _printable(bytes(raw).decode("latin-1"), _MAX_PATH)


def caller_key_id(scope: Scope) -> str:
    """The keyId the request claims in ``Authorization`` (``-`` none, ``invalid`` unreadable)."""
    values = [v for n, v in scope.get("headers", []) if n.lower() == b"authorization"]
    if not values:
        return "-"
    return _claimed_key(bytes(values[0]).decode("latin-1"))


def _claimed_key(authorization: str | None) -> str:
    if authorization is None:
        return "-"
    try:
        params = parse_authorization(authorization)
    except EwpError:
        return "invalid"
    return params.key_id if _KEY_ID.fullmatch(params.key_id) else "invalid"


def _verdict(scope: Scope, status: int) -> str:
    if status < 400:
        return "ok"
    named = scope.get("state", {}).get(VERDICT_KEY)
    if isinstance(named, str) and _VERDICT.fullmatch(named):
        return named
    return verdict_for_status(status)


def _scenarios(scope: Scope) -> tuple[str, ...]:
    """The names the fault layers left in ``scope`` (each once, in the order left)."""
    names = scope.get("state", {}).get(SCENARIOS_KEY)
    if not isinstance(names, list):
        return ()
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str)))


def _kind(error: BaseException) -> str:
    """``SignatureMismatchError`` -> ``signature-mismatch``."""
    name = type(error).__name__.removesuffix("Error") or type(error).__name__
    return _WORD_START.sub("-", name).lower()


def _error_text(error: BaseException) -> str:
    """``Type: message``, cut, with control characters escaped (a record's ``error``)."""
    text = f"{type(error).__name__}: {error}"
    escaped = "".join(c if c >= " " and c != "\x7f" else f"%{ord(c):02X}" for c in text[:301])
    return escaped if len(text) <= 300 else f"{escaped[:300]}..."


def _url(scope: Scope) -> str:
    """The URL of the request in ``scope``: scheme, ``Host``, the path and query as received."""
    host = next(
        (bytes(v).decode("latin-1") for n, v in scope.get("headers", []) if n.lower() == b"host"),
        None,
    )
    if host is None:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "unknown"
    raw = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8")
    query = bytes(scope.get("query_string", b""))
    target = bytes(raw).decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
    return f"{scope.get('scheme', 'http')}://{host}{target}"


def _pairs(headers: Iterable[tuple[bytes, bytes]]) -> HeaderPairs:
    return tuple(
        (bytes(n).decode("latin-1").lower(), bytes(v).decode("latin-1")) for n, v in headers
    )


def _header(headers: HeaderPairs, name: str) -> str | None:
    return next((v for n, v in headers if n == name), None)


def _meant_as_xml(body: bytes, content_type: str | None) -> bool:
    media = (content_type or "").partition(";")[0].strip().lower()
    if media:
        return media.endswith(("/xml", "+xml"))
    return body[:64].lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"<")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _printable(text: str, limit: int) -> str:
    escaped = "".join(c if " " < c < "\x7f" else f"%{ord(c):02X}" for c in text[: limit + 1])
    return escaped if len(text) <= limit else f"{escaped[:limit]}..."
