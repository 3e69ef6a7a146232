"""What every fault behaviour is: a stage, a match, and the exchange it changes.

See :mod:`ewp_mock.faults.behaviours` for the stages and the types.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import parse_qsl

from lxml import etree

from ewp_client.xml.parser import parse_xml

from .matching import Endpoint, Match

if TYPE_CHECKING:
    from ..node import MockNode

__all__ = [
    "HTML_TYPE",
    "XML_TYPE",
    "Behaviour",
    "ClientGone",
    "Exchange",
    "Stage",
]


Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


class Stage(enum.StrEnum):
    """Where in an exchange a behaviour acts (see :mod:`ewp_mock.faults.behaviours`)."""

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

    def xml_root(self) -> etree._Element | None:
        """The answer's XML root, ``None`` when the answer is not an XML document."""
        content_type = (self.header("content-type") or "").lower()
        if "xml" not in content_type or not self.body:
            return None
        return parse_xml(self.body).getroot()

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


class ClientGone(Exception):
    """The client went away while a behaviour held its request: nothing is answered."""
