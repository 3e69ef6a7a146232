"""Behaviours on the signed answer: another date, key or header set, gzip after signing, no
signature. A wrong value is signed again with :func:`~ewp_mock.faults.signing.resign`, so the
signature is valid over what was sent, as the partner's would be.
"""

from __future__ import annotations

import gzip
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from ewp_client.errors import ConfigError
from ewp_client.security import (
    SigningKey,
    format_http_date,
    generate_private_key,
    parse_http_date,
    parse_signature_params,
)

from .exchange import Behaviour, Exchange, Stage
from .signing import resign

__all__ = [
    "Correlation",
    "DateRewritten",
    "EncodeAfterSigning",
    "SignedDate",
    "SignedHeaders",
    "SigningKeyFault",
    "Unsigned",
]

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
        resign(exchange, _own_key(exchange), values={"original-date": at.strftime(self.format)})


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
        resign(exchange, _own_key(exchange), values={"date": signed}, covered=covered)
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
        resign(exchange, _own_key(exchange), values=values)


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
        resign(exchange, _own_key(exchange), values={}, covered=covered)


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
            own = _own_key(exchange)
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


def _own_key(exchange: Exchange) -> SigningKey:
    """The node's own response key."""
    return exchange.node.config.server_key


def _covered(exchange: Exchange) -> list[str]:
    value = exchange.header("signature")
    return [] if value is None else list(parse_signature_params(value).headers)


def _shifted(http_date: str, seconds: float) -> str:
    return format_http_date(parse_http_date(http_date) + seconds)
