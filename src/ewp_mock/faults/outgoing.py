"""Behaviours on change notifications (not sent, sent late on the node's clock, refreshed
before answering) and on the TLS certificate the node makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Final

from ewp_client.cnr import CnrKind
from ewp_client.error_response import render_error_response
from ewp_client.errors import ConfigError

from ..refresh import RefreshOutcome
from ..tls import CERTIFICATE_DEFECTS
from .exchange import XML_TYPE, Behaviour, Exchange, Stage

__all__ = [
    "DEFECTS",
    "CnrNotSent",
    "CnrRefreshSynchronously",
    "CnrSentLate",
    "OutgoingCnr",
    "TlsCertificate",
]

# ---------------------------------------------------------------- change notifications


def _kinds(kinds: tuple[str, ...]) -> frozenset[CnrKind]:
    try:
        return frozenset(CnrKind(k) for k in kinds)
    except ValueError as exc:
        known = ", ".join(k.value for k in CnrKind)
        raise ConfigError(f"unknown CNR kind in {list(kinds)}; known: {known}") from exc


@dataclass(frozen=True, kw_only=True)
class OutgoingCnr(Behaviour):
    """Acts on the node's change notifications of ``kinds`` (none named: all kinds)."""

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
class CnrNotSent(OutgoingCnr):
    """The node's change notifications of ``kinds`` are never sent."""

    TYPE: ClassVar[str] = "cnr-not-sent"

    def describe(self) -> str:
        return f"{self._which()} change notifications not sent"

    def queued_at(self, kind: CnrKind, now: datetime) -> datetime | None:
        return None


@dataclass(frozen=True, kw_only=True)
class CnrSentLate(OutgoingCnr):
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
        if not 200 <= exchange.status < 300 or not exchange.node.received:
            return
        notification = exchange.node.received[-1]
        refresher = exchange.node.actions.refresher
        await refresher.wait()
        failed = [r for r in refresher.outcomes(notification) if r.outcome is RefreshOutcome.FAILED]
        if failed:
            message = f"refreshing {failed[0].object_id} failed: {failed[0].error}"
            exchange.answer(500, render_error_response(message), XML_TYPE)


# ---------------------------------------------------------------- TLS

DEFECTS: Final = CERTIFICATE_DEFECTS


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
