"""Small fault behaviours a scenario is made of, each acting at one stage of an exchange.

A behaviour is a frozen dataclass with a :class:`~ewp_mock.faults.matching.Match`
(which API, endpoint, fraction of requests) and a :attr:`Behaviour.stage`:

* ``request``: before the node's routes, inside the signature check (refuse
  a request, delay it, hang);
* ``response``: the routes' answer, before it is signed (change the body or
  the status, refresh after a CNR before answering);
* ``signed``: the signed answer on its way out (sign another date, with
  another key or fewer headers, encode the body after signing, drop the
  signature, break the body);
* ``cnr``: the node's own change notifications (not sent, sent late on the
  node's clock);
* ``tls``: the certificate the node makes for itself.

Each has a ``TYPE``: the name a scenario file gives it (``type = "drop"``).
:data:`BEHAVIOUR_TYPES` maps those names to the classes. Body paths are
written with local names, ``/`` between steps, ``//`` for "anywhere below",
``[n]`` for the n-th, and a final ``@name`` for an attribute:
``//student-studies-mobility-spec[1]/recommended-language-skill``.
Signatures, digests and hashes are ewp_client's (:mod:`ewp_client.security`,
:func:`ewp_client.iia.hash.compute_iia_hashes`); the mock never re-implements them.
"""

from __future__ import annotations

import asyncio
import enum
import gzip
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import parse_qsl, quote, unquote, urlencode

from lxml import etree

from ewp_client.cnr import CnrKind
from ewp_client.error_response import render_error_response
from ewp_client.errors import ConfigError, EwpError, IiaNotHashableError, UnknownDocumentError
from ewp_client.iia.hash import compute_iia_hashes, sha256_hex
from ewp_client.security import SigningKey, generate_private_key
from ewp_client.xml.parser import parse_xml

from .matching import Endpoint, Match
from .signing import resign

if TYPE_CHECKING:
    from ..node import MockNode

__all__ = [
    "BEHAVIOUR_TYPES",
    "Behaviour",
    "ChangeValue",
    "CnrNotSent",
    "CnrRefreshSynchronously",
    "CnrSentLate",
    "Correlation",
    "DateRewritten",
    "Delay",
    "DropElements",
    "EncodeAfterSigning",
    "Exchange",
    "FormCharsetIgnored",
    "Hang",
    "InsertElements",
    "RecomputeIiaHash",
    "RefuseIdsOver",
    "ReverseOrder",
    "SignedDate",
    "SignedHeaders",
    "SigningKeyFault",
    "Stage",
    "StatusOverride",
    "StrictRequestTarget",
    "TlsCertificate",
    "Unsigned",
]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


class Stage(enum.StrEnum):
    """Where in an exchange a behaviour acts (see the module)."""

    REQUEST = "request"
    RESPONSE = "response"
    SIGNED = "signed"
    CNR = "cnr"
    TLS = "tls"


@dataclass(kw_only=True)
class Exchange:
    """One request and the answer under way, as the fault layers see and change it.

    ``headers`` are the answer's, lower-case names; a request-stage behaviour
    that sets ``status`` answers for the node (its routes are not called), one
    that changes ``request_body`` makes the routes read that body instead.
    """

    where: Endpoint
    method: str
    #: Path and query as received (what ``(request-target)`` was signed over).
    target: str
    query: bytes
    request_headers: list[tuple[str, str]]
    request_body: bytes
    node: MockNode
    receive: Receive
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def set_header(self, name: str, value: str | None) -> None:
        """Replace (or with ``None`` remove) every ``name`` header of the answer."""
        kept = [(n, v) for n, v in self.headers if n != name]
        self.headers = kept if value is None else [*kept, (name, value)]

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.status, self.body = status, body
        self.set_header("content-type", content_type)

    def request_values(self, name: str) -> list[str]:
        """The values of parameter ``name`` in the query and the form body."""
        pairs = parse_qsl(self.query.decode("latin-1"), keep_blank_values=True)
        content_type = dict(self.request_headers).get("content-type", "")
        if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            pairs += parse_qsl(self.request_body.decode("utf-8", "replace"), keep_blank_values=True)
        return [v for n, v in pairs if n == name]


XML_TYPE: Final = "text/xml; charset=utf-8"
HTML_TYPE: Final = "text/html; charset=utf-8"


@dataclass(frozen=True, kw_only=True)
class Behaviour:
    """A fault acting on the exchanges ``match`` selects (see the module)."""

    TYPE: ClassVar[str]
    match: Match = field(default_factory=Match)

    @property
    def stage(self) -> Stage:
        raise NotImplementedError

    @property
    def order(self) -> int:
        """Where it acts within its stage, whatever order the scenarios came in: content
        first, then the iia-hash over it, then the status, then encoding and signature
        removal (so that two scenarios at once do what each does alone)."""
        return 0

    def describe(self) -> str:
        raise NotImplementedError

    async def apply(self, exchange: Exchange) -> None:
        """Change ``exchange`` (the stages ``request``, ``response``, ``signed``)."""


# ---------------------------------------------------------------- XML body


def xpath_of(path: str) -> str:
    """An XPath over local names for a body path (see the module); :class:`ConfigError` if bad."""
    if not path or path.strip("/") == "":
        raise ConfigError(f"a body path names at least one element, not {path!r}")
    anywhere = path.startswith("//")
    steps = path.strip("/").split("/")
    out = []
    for i, step in enumerate(steps):
        name, _, index = step.partition("[")
        if name.startswith("@"):
            if i != len(steps) - 1 or index or not name[1:]:
                raise ConfigError(f"{path!r}: an attribute can only be the last step")
            out.append(f"@{name[1:]}")
            continue
        if not name or (name != "*" and not name.replace("-", "").replace("_", "").isalnum()):
            raise ConfigError(f"{path!r}: {step!r} is not an element's local name")
        text = "*" if name == "*" else f"*[local-name()='{name}']"
        if index:
            if not index.endswith("]") or not index[:-1].isdigit() or int(index[:-1]) < 1:
                raise ConfigError(f"{path!r}: {step!r} needs a position [n], n from 1")
            text += f"[{index}"
        out.append(text)
    return ("//" if anywhere else "/") + "/".join(out)


def _xml_root(exchange: Exchange) -> etree._Element | None:
    """The answer's XML root, ``None`` when the answer is not an XML document."""
    content_type = (exchange.header("content-type") or "").lower()
    if "xml" not in content_type or not exchange.body:
        return None
    return parse_xml(exchange.body).getroot()


def _serialize(exchange: Exchange, root: etree._Element) -> None:
    exchange.body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True, kw_only=True)
class _BodyRewrite(Behaviour):
    """A change to the XML body; ``after_signing`` breaks the Digest and signature."""

    after_signing: bool = False

    @property
    def stage(self) -> Stage:
        return Stage.SIGNED if self.after_signing else Stage.RESPONSE

    def _after(self) -> str:
        return " after signing" if self.after_signing else ""

    async def apply(self, exchange: Exchange) -> None:
        root = _xml_root(exchange)
        if root is not None and self.rewrite(root):
            _serialize(exchange, root)

    def rewrite(self, root: etree._Element) -> bool:
        """Change the tree; whether anything changed."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class _PathRewrite(_BodyRewrite):
    """A change to the elements at ``path`` (see the module for the path form)."""

    path: str = ""

    def __post_init__(self) -> None:
        xpath_of(self.path)


@dataclass(frozen=True, kw_only=True)
class DropElements(_PathRewrite):
    """Drop the elements (or attributes) at ``path``."""

    TYPE: ClassVar[str] = "drop"

    def describe(self) -> str:
        return f"drop {self.path}{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        found = root.xpath(xpath_of(self.path))
        assert isinstance(found, list)
        for node in found:
            if isinstance(node, etree._ElementUnicodeResult):
                parent = node.getparent()
                if parent is not None:
                    del parent.attrib[str(node.attrname)]
            elif isinstance(node, etree._Element) and node.getparent() is not None:
                node.getparent().remove(node)  # type: ignore[union-attr]
        return bool(found)


@dataclass(frozen=True, kw_only=True)
class ChangeValue(_PathRewrite):
    """Set the text (or the attribute) at ``path`` to ``value``; ``{uuid}`` is a fresh UUID."""

    TYPE: ClassVar[str] = "change"
    value: str = ""

    def describe(self) -> str:
        return f"set {self.path} to {self.value!r}{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        *parent_steps, last = self.path.rstrip("/").split("/")
        value = self.value.replace("{uuid}", str(uuid.uuid4()))
        if last.startswith("@"):
            owners = root.xpath(xpath_of("/".join(parent_steps)))
            assert isinstance(owners, list)
            for owner in owners:
                if isinstance(owner, etree._Element):
                    owner.set(last[1:], value)
            return bool(owners)
        found = root.xpath(xpath_of(self.path))
        assert isinstance(found, list)
        for node in found:
            if isinstance(node, etree._Element):
                node.text = value
        return bool(found)


@dataclass(frozen=True, kw_only=True)
class ReverseOrder(_PathRewrite):
    """Reverse the order of the sibling elements at ``path`` (swap two partners, say)."""

    TYPE: ClassVar[str] = "reorder"

    def describe(self) -> str:
        return f"reverse the order of {self.path}{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        matched = root.xpath(xpath_of(self.path))
        assert isinstance(matched, list)
        found = [n for n in matched if isinstance(n, etree._Element)]
        by_parent: dict[etree._Element, list[etree._Element]] = {}
        for node in found:
            parent = node.getparent()
            if parent is not None:
                by_parent.setdefault(parent, []).append(node)
        changed = False
        for parent, nodes in by_parent.items():
            if len(nodes) < 2:
                continue
            slots = [parent.index(n) for n in nodes]
            for slot, node in zip(slots, reversed(nodes), strict=True):
                parent.insert(slot, node)
            changed = True
        return changed


@dataclass(frozen=True, kw_only=True)
class InsertElements(_PathRewrite):
    """Append the XML fragment ``xml`` to each element at ``path``, its elements in that
    element's namespace; ``when_empty``: only to an answer listing nothing."""

    TYPE: ClassVar[str] = "insert"
    xml: str = ""
    when_empty: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.fragment()

    def fragment(self) -> etree._Element:
        try:
            return parse_xml(f"<fragment>{self.xml}</fragment>".encode()).getroot()
        except EwpError as exc:
            raise ConfigError(f"insert: xml is not an XML fragment: {exc}") from exc

    def describe(self) -> str:
        when = " when the answer lists nothing" if self.when_empty else ""
        return f"insert {self.xml} into {self.path}{when}{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        if self.when_empty and len(root):
            return False
        owners = [n for n in _found(root, self.path) if isinstance(n, etree._Element)]
        for owner in owners:
            namespace = etree.QName(owner).namespace
            for piece in self.fragment():
                owner.append(_adopted(piece, namespace))
        return bool(owners)


def _found(root: etree._Element, path: str) -> list[Any]:
    found = root.xpath(xpath_of(path))
    assert isinstance(found, list)
    return found


def _adopted(element: etree._Element, namespace: str | None) -> etree._Element:
    """A copy of ``element`` and its descendants, their names in ``namespace``."""
    local = etree.QName(element).localname
    copy = etree.Element(f"{{{namespace}}}{local}" if namespace else local, dict(element.attrib))
    copy.text, copy.tail = element.text, element.tail
    for child in element:
        if isinstance(child.tag, str):
            copy.append(_adopted(child, namespace))
    return copy


@dataclass(frozen=True, kw_only=True)
class RecomputeIiaHash(_BodyRewrite):
    """Set each ``iia-hash`` to the SHA-256 of its ``text-to-hash`` plus ``suffix``.

    With no suffix, after other body changes, the hash fits the changed IIA
    (only the named fault shows); a suffix such as ``_`` makes an invalid hash.
    """

    TYPE: ClassVar[str] = "rehash"
    suffix: str = ""

    @property
    def order(self) -> int:
        return 2 if self.suffix else 1  # an invalid hash is made over the final content

    def describe(self) -> str:
        if self.suffix:
            return f"iia-hash over text-to-hash + {self.suffix!r}{self._after()}"
        return f"iia-hash recomputed for the changed IIA{self._after()}"

    def rewrite(self, root: etree._Element) -> bool:
        try:
            hashes = compute_iia_hashes(root)
        except (UnknownDocumentError, IiaNotHashableError):  # nothing to hash: left as it is
            return False
        holders = root.xpath(xpath_of("//iia/iia-hash"))
        assert isinstance(holders, list)
        for holder, computed in zip(holders, hashes, strict=False):
            if isinstance(holder, etree._Element):
                holder.text = sha256_hex(computed.text_to_hash + self.suffix)
        return bool(holders)


# ---------------------------------------------------------------- status


_WHEN: Final = ("always", "empty", "error", "success")
_BODIES: Final = ("error-response", "html", "keep")


@dataclass(frozen=True, kw_only=True)
class StatusOverride(Behaviour):
    """Answer ``status`` (0: keep it) with ``body`` (an ``error-response``, an HTML page, as is).

    ``when``: ``always``; ``empty`` (a 2xx XML answer listing nothing, as for
    unknown ids); ``error`` (a 4xx/5xx answer); ``success`` (a 2xx answer).
    """

    TYPE: ClassVar[str] = "status"
    status: int = 0
    body: str = "error-response"
    message: str = "answered by a fault scenario"
    user_message: str = ""
    when: str = "always"

    def __post_init__(self) -> None:
        if self.status and not 100 <= self.status <= 599:
            raise ConfigError(f"status {self.status} is not an HTTP status")
        if self.when not in _WHEN:
            raise ConfigError(f"when must be one of {', '.join(_WHEN)}, not {self.when!r}")
        if self.body not in _BODIES:
            raise ConfigError(f"body must be one of {', '.join(_BODIES)}, not {self.body!r}")

    @property
    def stage(self) -> Stage:
        return Stage.RESPONSE

    @property
    def order(self) -> int:
        return 4 if self.when == "error" else 3  # an error made by another scenario is seen

    def describe(self) -> str:
        status = str(self.status) if self.status else "the same status"
        when = "" if self.when == "always" else f" when the answer is {self.when}"
        body = {"error-response": "an error-response", "html": "an HTML page", "keep": "its body"}
        return f"answer {status} with {body[self.body]}{when}"

    def applies_to(self, exchange: Exchange) -> bool:
        ok = 200 <= exchange.status < 300
        if self.when == "error":
            return exchange.status >= 400
        if self.when == "success":
            return ok
        if self.when == "empty":
            root = _xml_root(exchange) if ok else None
            return root is not None and len(root) == 0
        return True

    async def apply(self, exchange: Exchange) -> None:
        if not self.applies_to(exchange):
            return
        status = self.status or exchange.status
        if self.body == "error-response":
            body = render_error_response(self.message, self.user_message or None)
            exchange.answer(status, body, XML_TYPE)
        elif self.body == "html":
            page = (
                f"<!DOCTYPE html><html><head><title>{status} Error</title></head>"
                f"<body><h1>{status} Error</h1><p>{self.message}</p></body></html>"
            )
            exchange.answer(status, page.encode("utf-8"), HTML_TYPE)
        else:
            exchange.status = status


# ---------------------------------------------------------------- request handling and timing


@dataclass(frozen=True, kw_only=True)
class RefuseIdsOver(Behaviour):
    """Answer 400 to requests with more than ``limit`` ``parameter`` values (whatever the
    manifest declares)."""

    TYPE: ClassVar[str] = "refuse-ids-over"
    parameter: str = ""
    limit: int = 1

    def __post_init__(self) -> None:
        if not self.parameter or self.limit < 0:
            raise ConfigError("refuse-ids-over needs a parameter and a limit of 0 or more")

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return f"400 for more than {self.limit} {self.parameter} values"

    async def apply(self, exchange: Exchange) -> None:
        count = len(exchange.request_values(self.parameter))
        if count > self.limit:
            message = f"too many {self.parameter} values: {count}, at most {self.limit}"
            exchange.answer(400, render_error_response(message), XML_TYPE)


@dataclass(frozen=True, kw_only=True)
class FormCharsetIgnored(Behaviour):
    """Read form bodies as Latin-1 whatever their charset: UTF-8 values arrive garbled."""

    TYPE: ClassVar[str] = "form-charset-ignored"

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return "form bodies read as Latin-1 (charset ignored)"

    async def apply(self, exchange: Exchange) -> None:
        content_type = dict(exchange.request_headers).get("content-type", "")
        if not exchange.request_body or "x-www-form-urlencoded" not in content_type.lower():
            return
        text = exchange.request_body.decode("ascii", "replace")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="latin-1")
        exchange.request_body = urlencode(pairs, encoding="utf-8").encode("ascii")


@dataclass(frozen=True, kw_only=True)
class StrictRequestTarget(Behaviour):
    """Verify ``(request-target)`` over the node's own re-encoding of the path and query:
    a request whose target is encoded otherwise (``%3a``, an unencoded ``:``) gets 401."""

    TYPE: ClassVar[str] = "strict-request-target"

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return "401 unless (request-target) is encoded as the node re-encodes it"

    async def apply(self, exchange: Exchange) -> None:
        canonical = quote(unquote(exchange.target), safe="/?&=")
        if canonical != exchange.target:
            message = (
                f"the signature does not verify: (request-target) read as {canonical!r}, "
                f"not {exchange.target!r}"
            )
            exchange.answer(401, render_error_response(message), XML_TYPE)


@dataclass(frozen=True, kw_only=True)
class Delay(Behaviour):
    """Wait ``seconds`` (real time: a client's timeout is real) before the node answers."""

    TYPE: ClassVar[str] = "delay"
    seconds: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.seconds <= 3600:
            raise ConfigError(f"delay seconds must be 0-3600, not {self.seconds}")

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return f"answer after {self.seconds:g} s"

    async def apply(self, exchange: Exchange) -> None:
        await asyncio.sleep(self.seconds)


@dataclass(frozen=True, kw_only=True)
class Hang(Behaviour):
    """Never answer: hold the request until the client goes away."""

    TYPE: ClassVar[str] = "hang"

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return "never answer (hang until the client gives up)"

    async def apply(self, exchange: Exchange) -> None:
        while (await exchange.receive())["type"] != "http.disconnect":
            pass
        raise ClientGone


class ClientGone(Exception):
    """The client went away while a behaviour held its request: nothing is answered."""


# ---------------------------------------------------------------- signatures and encoding


@dataclass(frozen=True, kw_only=True)
class _SignedStage(Behaviour):
    @property
    def stage(self) -> Stage:
        return Stage.SIGNED


@dataclass(frozen=True, kw_only=True)
class SignedDate(_SignedStage):
    """Sign an ``Original-Date`` ``offset_seconds`` off, written with ``format`` (strftime,
    at UTC + ``zone_hours``; default the RFC 1123 GMT form)."""

    TYPE: ClassVar[str] = "signed-date"
    offset_seconds: float = 0.0
    format: str = "%a, %d %b %Y %H:%M:%S GMT"
    zone_hours: float = 0.0

    def describe(self) -> str:
        parts = []
        if self.offset_seconds:
            parts.append(f"{self.offset_seconds:+g} s off")
        if self.format != SignedDate.format or self.zone_hours:
            parts.append(f"as {self.format!r} at UTC{self.zone_hours:+g}h")
        return f"signed Original-Date {', '.join(parts) or 'as is'}"

    async def apply(self, exchange: Exchange) -> None:
        at = datetime.now(UTC) + timedelta(seconds=self.offset_seconds, hours=self.zone_hours)
        resign(exchange, key(exchange), values={"original-date": at.strftime(self.format)})


@dataclass(frozen=True, kw_only=True)
class DateRewritten(_SignedStage):
    """Sign ``Date`` (no ``Original-Date``), then send a ``Date`` ``seconds`` later, as a
    proxy rewriting it would."""

    TYPE: ClassVar[str] = "date-rewritten"
    seconds: float = 1.0

    def describe(self) -> str:
        return f"Date signed, then rewritten {self.seconds:+g} s (no Original-Date)"

    async def apply(self, exchange: Exchange) -> None:
        signed = exchange.header("original-date")
        if signed is None or exchange.header("signature") is None:
            return
        covered = ["date" if h == "original-date" else h for h in _covered(exchange)]
        resign(exchange, key(exchange), values={"date": signed}, covered=covered)
        exchange.set_header("original-date", None)
        later = _shifted(signed, self.seconds)
        exchange.set_header("date", later)


@dataclass(frozen=True, kw_only=True)
class Correlation(_SignedStage):
    """``X-Request-Id`` echoed (``echo``), another UUID (``other``) or none (``omit``);
    ``X-Request-Signature`` echoed or omitted; signed as sent."""

    TYPE: ClassVar[str] = "correlation"
    request_id: str = "echo"
    request_signature: str = "echo"

    def __post_init__(self) -> None:
        if self.request_id not in ("echo", "other", "omit"):
            raise ConfigError(f"request_id must be echo, other or omit, not {self.request_id!r}")
        if self.request_signature not in ("echo", "omit"):
            raise ConfigError(
                f"request_signature must be echo or omit, not {self.request_signature!r}"
            )

    def describe(self) -> str:
        return (
            f"X-Request-Id {self.request_id}, X-Request-Signature {self.request_signature} "
            "(signed as sent)"
        )

    async def apply(self, exchange: Exchange) -> None:
        values: dict[str, str | None] = {}
        if self.request_id == "other":
            values["x-request-id"] = str(uuid.uuid4())
        elif self.request_id == "omit":
            values["x-request-id"] = None
        if self.request_signature == "omit":
            values["x-request-signature"] = None
        resign(exchange, key(exchange), values=values)


@dataclass(frozen=True, kw_only=True)
class SignedHeaders(_SignedStage):
    """Sign only ``headers`` (those the answer has), e.g. ``["date", "digest"]``."""

    TYPE: ClassVar[str] = "signed-headers"
    headers: tuple[str, ...] = ("original-date", "digest")

    def describe(self) -> str:
        return f"sign only {' '.join(self.headers)}"

    async def apply(self, exchange: Exchange) -> None:
        present = {n for n, _ in exchange.headers}
        covered = [h.lower() for h in self.headers if h.lower() in present]
        resign(exchange, key(exchange), values={}, covered=covered)


@dataclass(frozen=True, kw_only=True)
class SigningKeyFault(_SignedStage):
    """Sign with a key the catalogue lacks (``unknown``), or spell the keyId in upper case."""

    TYPE: ClassVar[str] = "signing-key"
    key: str = "unknown"
    _unknown: list[SigningKey] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.key not in ("unknown", "upper-case-key-id"):
            raise ConfigError(f"key must be unknown or upper-case-key-id, not {self.key!r}")

    def describe(self) -> str:
        if self.key == "unknown":
            return "signed with a key absent from the catalogue"
        return "keyId in upper-case hex"

    async def apply(self, exchange: Exchange) -> None:
        if self.key == "unknown":
            if not self._unknown:
                self._unknown.append(SigningKey(generate_private_key()))
            resign(exchange, self._unknown[0], values={})
        else:
            own = key(exchange)
            resign(exchange, own, values={}, key_id=own.key_id.upper())


@dataclass(frozen=True, kw_only=True)
class Unsigned(_SignedStage):
    """No ``Signature`` on the answer (``statuses``: only these, e.g. ``[200]``; all if empty)."""

    TYPE: ClassVar[str] = "unsigned"
    statuses: tuple[int, ...] = ()

    @property
    def order(self) -> int:
        return 4

    def describe(self) -> str:
        which = "/".join(map(str, self.statuses)) + " " if self.statuses else ""
        return f"{which}answers not signed"

    async def apply(self, exchange: Exchange) -> None:
        if not self.statuses or exchange.status in self.statuses:
            exchange.set_header("signature", None)


@dataclass(frozen=True, kw_only=True)
class EncodeAfterSigning(_SignedStage):
    """Encode the signed body (``gzip``) and say so in ``Content-Encoding``, the Digest
    left over the plain body: a framework compressing after the signature."""

    TYPE: ClassVar[str] = "encode-after-signing"
    encoding: str = "gzip"

    @property
    def order(self) -> int:
        return 5

    def __post_init__(self) -> None:
        if self.encoding != "gzip":
            raise ConfigError(f"encoding must be gzip, not {self.encoding!r}")

    def describe(self) -> str:
        return f"body {self.encoding}-encoded after the Digest was taken"

    async def apply(self, exchange: Exchange) -> None:
        if not exchange.body:
            return
        exchange.body = gzip.compress(exchange.body, mtime=0)
        exchange.set_header("content-encoding", self.encoding)


def key(exchange: Exchange) -> SigningKey:
    """The node's own response key."""
    return exchange.node.config.server_key


def _covered(exchange: Exchange) -> list[str]:
    from ewp_client.security import parse_signature_params

    value = exchange.header("signature")
    return [] if value is None else list(parse_signature_params(value).headers)


def _shifted(http_date: str, seconds: float) -> str:
    from ewp_client.security import format_http_date, parse_http_date

    return format_http_date(parse_http_date(http_date) + seconds)


# ---------------------------------------------------------------- change notifications


def _kinds(kinds: tuple[str, ...]) -> frozenset[CnrKind]:
    try:
        return frozenset(CnrKind(k) for k in kinds)
    except ValueError as exc:
        known = ", ".join(k.value for k in CnrKind)
        raise ConfigError(f"unknown CNR kind in {list(kinds)}; known: {known}") from exc


@dataclass(frozen=True, kw_only=True)
class _OutgoingCnr(Behaviour):
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _kinds(self.kinds)

    @property
    def stage(self) -> Stage:
        return Stage.CNR

    def covers_kind(self, kind: CnrKind) -> bool:
        return not self.kinds or kind in _kinds(self.kinds)

    def _which(self) -> str:
        return "/".join(self.kinds) if self.kinds else "all"

    def queued_at(self, kind: CnrKind, now: datetime) -> datetime | None:
        """When a notification of ``kind`` changed ``now`` is queued (``None``: never)."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class CnrNotSent(_OutgoingCnr):
    """The node's change notifications of ``kinds`` are never sent."""

    TYPE: ClassVar[str] = "cnr-not-sent"

    def describe(self) -> str:
        return f"{self._which()} change notifications not sent"

    def queued_at(self, kind: CnrKind, now: datetime) -> datetime | None:
        return None


@dataclass(frozen=True, kw_only=True)
class CnrSentLate(_OutgoingCnr):
    """The node's change notifications are sent ``minutes`` late (on the node's clock)."""

    TYPE: ClassVar[str] = "cnr-sent-late"
    minutes: float = 60.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.minutes <= 0:
            raise ConfigError(f"minutes must be positive, not {self.minutes}")

    def describe(self) -> str:
        return f"{self._which()} change notifications sent {self.minutes:g} min late (node clock)"

    def queued_at(self, kind: CnrKind, now: datetime) -> datetime | None:
        return now + timedelta(minutes=self.minutes)


@dataclass(frozen=True, kw_only=True)
class CnrRefreshSynchronously(Behaviour):
    """A received CNR is answered only after the node refreshed its copy; 500 if that failed."""

    TYPE: ClassVar[str] = "cnr-refresh-synchronously"

    @property
    def stage(self) -> Stage:
        return Stage.RESPONSE

    def describe(self) -> str:
        return "received CNRs answered after the refresh; 500 when it failed"

    async def apply(self, exchange: Exchange) -> None:
        from ..actions import actions_of
        from ..refresh import RefreshOutcome

        if not 200 <= exchange.status < 300 or not exchange.node.received:
            return
        notification = exchange.node.received[-1]
        refresher = actions_of(exchange.node).refresher
        await refresher.wait()
        failed = [r for r in refresher.outcomes(notification) if r.outcome is RefreshOutcome.FAILED]
        if failed:
            message = f"refreshing {failed[0].object_id} failed: {failed[0].error}"
            exchange.answer(500, render_error_response(message), XML_TYPE)


# ---------------------------------------------------------------- TLS

DEFECTS: Final = ("self-signed", "expired", "wrong-host", "missing-intermediate")


@dataclass(frozen=True, kw_only=True)
class TlsCertificate(Behaviour):
    """The node's TLS certificate has ``defect`` (see :mod:`ewp_mock.tls`)."""

    TYPE: ClassVar[str] = "tls-certificate"
    defect: str = "self-signed"

    def __post_init__(self) -> None:
        if self.defect not in DEFECTS:
            raise ConfigError(f"defect must be one of {', '.join(DEFECTS)}, not {self.defect!r}")

    @property
    def stage(self) -> Stage:
        return Stage.TLS

    def describe(self) -> str:
        return f"TLS certificate {self.defect}"


#: The behaviour types by the name scenario files use.
BEHAVIOUR_TYPES: Final[dict[str, type[Behaviour]]] = {
    cls.TYPE: cls
    for cls in (
        DropElements,
        ChangeValue,
        ReverseOrder,
        InsertElements,
        RecomputeIiaHash,
        StatusOverride,
        RefuseIdsOver,
        FormCharsetIgnored,
        StrictRequestTarget,
        Delay,
        Hang,
        SignedDate,
        DateRewritten,
        Correlation,
        SignedHeaders,
        SigningKeyFault,
        Unsigned,
        EncodeAfterSigning,
        CnrNotSent,
        CnrSentLate,
        CnrRefreshSynchronously,
        TlsCertificate,
    )
}
