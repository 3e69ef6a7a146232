"""Typed clients of a mock node's control API: :class:`ControlClient`, :class:`AsyncControlClient`.

Both build the same calls (:class:`_ControlCalls`, no I/O) and differ only in
how they send them. Documents go as EWP XML: give the bytes, or the
library's models (an :class:`~ewp_client.models.Iia`, a
:class:`~ewp_client.models.LearningAgreement`...), which are encoded here.
Answers come back as the library's models or the small frozen dataclasses
below; a refusal raises :class:`~ewp_client.errors.ControlBadRequest` (400),
:class:`~ewp_client.errors.ControlNotFound` (404, also when the node's
control API is off), :class:`~ewp_client.errors.ControlConflict` (409) or
:class:`~ewp_client.errors.ControlError`, each with ``status``, ``kind`` and
``detail``; an unreachable node, :class:`~ewp_client.errors.TransportError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Generic, Literal, TypeVar

import httpx

from ewp_client.client.las import Signer
from ewp_client.cnr import CnrKind, OutboxEntry
from ewp_client.codec import decode, encode
from ewp_client.errors import (
    ControlBadRequest,
    ControlConflict,
    ControlError,
    ControlNotFound,
    TransportError,
)
from ewp_client.iia import ApprovalRecord, served_hash
from ewp_client.models import (
    Iia,
    IiasGetResponse,
    Institution,
    InstitutionsResponse,
    LasGetResponse,
    LearningAgreement,
    OrganizationalUnit,
    OunitsResponse,
)
from ewp_client.ola import AmendmentKind, VersionStatus

from .api import CONTROL_PREFIX

__all__ = [
    "AsyncControlClient",
    "ClockState",
    "ControlClient",
    "IiaState",
    "KnownScenario",
    "LaState",
    "ReceivedCnr",
    "ScenarioState",
    "SignedBy",
]

T = TypeVar("T")

_ERRORS: Final[dict[int, type[ControlError]]] = {
    400: ControlBadRequest,
    404: ControlNotFound,
    409: ControlConflict,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedBy:
    """Who signs (a student: ``name`` alone), and when (``None``: the node's business time)."""

    name: str
    position: str | None = None
    email: str | None = None
    timestamp: datetime | None = None
    app: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "position": self.position,
            "email": self.email,
            "timestamp": None if self.timestamp is None else self.timestamp.isoformat(),
            "app": self.app,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class IiaState:
    """An IIA the node serves, after a control call (``created``: new rather than modified)."""

    hei_id: str
    iia_id: str | None
    iia_hash: str
    partner_hei_id: str | None
    partner_iia_id: str | None
    approved_locally: bool
    approved_by_partner: bool
    created: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LaState:
    """An LA the node sends, after a control call.

    ``la`` is the LA as its ``get`` endpoint serves it (``None`` for a draft);
    ``amendment`` and ``changes`` what a minor amendment changed, ``notified``
    whether the step queued an LA CNR.
    """

    sending_hei_id: str
    receiving_hei_id: str
    omobility_id: str
    status: VersionStatus
    proposal_id: str | None
    rejected: bool
    la: LearningAgreement | None
    created: bool | None = None
    amendment: AmendmentKind | None = None
    changes: tuple[str, ...] = ()
    notified: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockState:
    """The node's business time, the clock's type, and whether it can be set or advanced."""

    now: datetime
    clock: str
    settable: bool
    advances: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedCnr:
    """A change notification the node received (``at``: its business time)."""

    kind: CnrKind
    hei_id: str
    object_ids: tuple[str, ...]
    at: datetime
    sending_hei_id: str | None = None
    caller_heis: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownScenario:
    """A fault scenario the node can play (``tls``: only chosen when the server starts)."""

    name: str
    summary: str
    api: str
    source: str
    tls: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioState:
    """The scenarios the node plays (``active``), started with (what a reset goes back to),
    and knows (built in, and from its scenario files)."""

    active: tuple[str, ...]
    started_with: tuple[str, ...]
    known: tuple[KnownScenario, ...]


@dataclass(frozen=True, slots=True)
class _Call(Generic[T]):
    method: str
    path: str
    parse: Callable[[Any], T]
    json: Any = None
    content: bytes | None = None
    params: dict[str, Any] | None = None

    def request(self, http: httpx.Client | httpx.AsyncClient, base: str) -> httpx.Request:
        headers = {"content-type": "application/xml"} if self.content is not None else None
        return http.build_request(
            self.method,
            f"{base}{CONTROL_PREFIX}{self.path}",
            json=self.json,
            content=self.content,
            params=self.params,
            headers=headers,
        )

    def answer(self, response: httpx.Response) -> T:
        if response.status_code >= 400:
            raise _error(response)
        return self.parse(response.json())


def _error(response: httpx.Response) -> ControlError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        kind, detail = str(body["error"]), body.get("detail")
    else:  # not the control API: the node's own 404 when it is off
        kind = "control-off" if response.status_code == 404 else "not-control"
        detail = response.text[:200]
    error_type = _ERRORS.get(response.status_code, ControlError)
    return error_type(
        f"control API {response.request.method} {response.request.url.path}: "
        f"{response.status_code} {kind}: {detail}",
        status=response.status_code,
        kind=kind,
        detail=detail,
    )


def _xml(document: object, wrap: Callable[[tuple[Any, ...]], object], one: type) -> bytes:
    """``document`` as XML bytes: given as such, or models (one, or several) to wrap."""
    if isinstance(document, bytes):
        return document
    if isinstance(document, str):
        return document.encode()
    if isinstance(document, one):
        return encode(wrap((document,)))
    if not isinstance(document, Sequence):
        raise TypeError(f"not an XML document nor {one.__name__} models: {document!r}")
    items = tuple(document)
    return encode(wrap(items))


def _hashed(iias: tuple[Iia, ...]) -> tuple[Iia, ...]:
    """IIA models without their hash get it (the node computes its own in any case)."""
    return tuple(i if i.iia_hash else dataclasses.replace(i, iia_hash=served_hash(i)) for i in iias)


def _iias(data: Any) -> list[IiaState]:
    return [IiaState(**item) for item in data["iias"]]


def _la(item: dict[str, Any]) -> LaState:
    document = item.get("document")
    las = decode(document.encode(), LasGetResponse).las if document else ()
    return LaState(
        sending_hei_id=item["sending_hei_id"],
        receiving_hei_id=item["receiving_hei_id"],
        omobility_id=item["omobility_id"],
        status=VersionStatus(item["status"]),
        proposal_id=item["proposal_id"],
        rejected=item["rejected"],
        la=las[0] if las else None,
        created=item.get("created"),
        amendment=AmendmentKind(item["amendment"]) if item.get("amendment") else None,
        changes=tuple(item.get("changes", ())),
        notified=item.get("notified"),
    )


def _entries(data: Any) -> list[OutboxEntry]:
    return [OutboxEntry.from_dict(entry) for entry in data["entries"]]


def _clock(data: Any) -> ClockState:
    return ClockState(
        now=datetime.fromisoformat(data["now"]),
        clock=data["clock"],
        settable=data["settable"],
        advances=data["advances"],
    )


def _received(data: Any) -> list[ReceivedCnr]:
    return [
        ReceivedCnr(
            kind=CnrKind(r["kind"]),
            hei_id=r["hei_id"],
            object_ids=tuple(r["object_ids"]),
            at=datetime.fromisoformat(r["at"]),
            sending_hei_id=r["sending_hei_id"],
            caller_heis=frozenset(r["caller_heis"]),
        )
        for r in data["received"]
    ]


def _scenarios(data: Any) -> ScenarioState:
    return ScenarioState(
        active=tuple(data["active"]),
        started_with=tuple(data["started_with"]),
        known=tuple(
            KnownScenario(
                name=k["name"], summary=k["summary"], api=k["api"], source=k["source"], tls=k["tls"]
            )
            for k in data["known"]
        ),
    )


def _names(names: Iterable[str] | str) -> list[str]:
    """One name, or several (a lone string is one name, not its letters)."""
    return [names] if isinstance(names, str) else list(names)


def _signer(signer: Signer) -> dict[str, Any]:
    return SignedBy(
        name=signer.name,
        position=signer.position,
        email=signer.email,
        timestamp=signer.timestamp,
        app=signer.app,
    ).as_json()


class _ControlCalls:
    """The calls of the control API, built without I/O (see the module docstring)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _put_iias(self, document: bytes | str | Iia | Sequence[Iia]) -> _Call[list[IiaState]]:
        body = _xml(document, lambda items: IiasGetResponse(iias=_hashed(items)), Iia)
        return _Call("PUT", "/iias", _iias, content=body)

    def _put_las(
        self, document: bytes | str | LearningAgreement | Sequence[LearningAgreement]
    ) -> _Call[list[LaState]]:
        body = _xml(document, lambda items: LasGetResponse(las=items), LearningAgreement)
        return _Call("PUT", "/las", lambda d: [_la(i) for i in d["las"]], content=body)

    def _put_heis(
        self, document: bytes | str | Institution | Sequence[Institution]
    ) -> _Call[list[str]]:
        body = _xml(document, lambda items: InstitutionsResponse(heis=items), Institution)
        return _Call("PUT", "/heis", lambda d: list(d["heis"]), content=body)

    def _put_ounits(
        self, hei_id: str, document: bytes | str | Sequence[OrganizationalUnit]
    ) -> _Call[list[str]]:
        body = _xml(document, lambda items: OunitsResponse(ounits=items), OrganizationalUnit)
        return _Call("PUT", f"/heis/{hei_id}/ounits", lambda d: list(d["ounits"]), content=body)

    def _amend(
        self,
        hei_id: str,
        omobility_id: str,
        la: bytes | str | LearningAgreement,
        kind: Literal["minor", "major"],
        student: SignedBy | None,
        sending_hei: SignedBy | None,
    ) -> _Call[LaState]:
        document = _xml(la, lambda items: LasGetResponse(las=items), LearningAgreement)
        body = {
            "kind": kind,
            "document": document.decode(),
            "student": student.as_json() if student else None,
            "sending_hei": sending_hei.as_json() if sending_hei else None,
        }
        path = f"/las/{hei_id}/{omobility_id}/amendments"
        return _Call("POST", path, lambda d: _la(d["la"]), json=body)

    def _decide(
        self,
        hei_id: str,
        sending_hei_id: str,
        omobility_id: str,
        signer: Signer,
        comment: str | None,
    ) -> _Call[list[str]]:
        step = "approve" if comment is None else "comment"
        path = f"/received-las/{hei_id}/{sending_hei_id}/{omobility_id}/{step}"
        body = {"signer": _signer(signer), "comment": comment}
        return _Call("POST", path, lambda d: list(d["messages"]), json=body)

    def _approve_iia(
        self, hei_id: str, partner_hei_id: str, partner_iia_id: str
    ) -> _Call[ApprovalRecord]:
        path = f"/iias/{hei_id}/partners/{partner_hei_id}/{partner_iia_id}/approve"
        return _Call("POST", path, lambda d: ApprovalRecord(**d["approval"]))

    def _trigger(
        self,
        kind: CnrKind,
        partner_hei_id: str,
        object_ids: Sequence[str],
        sending_hei_id: str | None,
    ) -> _Call[list[OutboxEntry]]:
        body = {
            "kind": kind.value,
            "partner_hei_id": partner_hei_id,
            "object_ids": list(object_ids),
            "sending_hei_id": sending_hei_id,
        }
        return _Call("POST", "/outbox", _entries, json=body)

    def _advance(self, delta: timedelta, settle: bool) -> _Call[ClockState]:
        body = {"seconds": delta.total_seconds(), "settle": settle}
        return _Call("POST", "/clock/advance", _clock, json=body)

    def _set_clock(self, when: datetime, allow_backwards: bool) -> _Call[ClockState]:
        body = {"now": when.isoformat(), "allow_backwards": allow_backwards}
        return _Call("PUT", "/clock", _clock, json=body)

    def _use_scenarios(self, names: Iterable[str] | str) -> _Call[ScenarioState]:
        return _Call("PUT", "/scenarios", _scenarios, json={"names": _names(names)})

    def _scenario(self, method: str, name: str) -> _Call[ScenarioState]:
        return _Call(method, f"/scenarios/{name}", _scenarios)

    def _exchanges(self, since: int, limit: int | None) -> _Call[list[dict[str, Any]]]:
        params: dict[str, Any] = {"since": since}
        if limit is not None:
            params["limit"] = limit
        return _Call("GET", "/exchanges", lambda d: list(d["exchanges"]), params=params)


_OUTBOX: Final = _Call("GET", "/outbox", _entries)
_RUN: Final = _Call("POST", "/outbox/run", _entries)
_FLUSH: Final = _Call("POST", "/outbox/flush", _entries)
_RECEIVED: Final = _Call("GET", "/received", _received)
_RESET: Final = _Call("POST", "/reset", lambda d: _clock(d["clock"]))
_CLOCK: Final = _Call("GET", "/clock", _clock)
_SCENARIOS: Final = _Call("GET", "/scenarios", _scenarios)
_OPENAPI: Final = _Call("GET", "/openapi.json", lambda d: dict(d))


class ControlClient(_ControlCalls):
    """The control API of the node at ``base_url``, over a blocking ``httpx.Client``.

    ``http`` reaches the node (a test partner's :meth:`~ewp_mock.testing.Partner.http`,
    or a client trusting its CA); one is made (and closed by :meth:`close`)
    when not given.
    """

    def __init__(self, base_url: str, *, http: httpx.Client | None = None) -> None:
        super().__init__(base_url)
        self._own_http = http is None
        self.http = http if http is not None else httpx.Client()

    def _send(self, call: _Call[T]) -> T:
        try:
            response = self.http.send(call.request(self.http, self.base_url))
        except httpx.HTTPError as exc:
            raise TransportError(f"cannot reach the control API at {self.base_url}: {exc}") from exc
        return call.answer(response)

    # ------------------------------------------------------------ data

    def put_iias(self, document: bytes | str | Iia | Sequence[Iia]) -> list[IiaState]:
        """Create or replace IIAs (an ``iias-get-response``, or IIAs): IIA CNRs follow."""
        return self._send(self._put_iias(document))

    def put_las(
        self, document: bytes | str | LearningAgreement | Sequence[LearningAgreement]
    ) -> list[LaState]:
        """Create or replace LAs the node sends, as they read: LA CNRs follow."""
        return self._send(self._put_las(document))

    def put_heis(self, document: bytes | str | Institution | Sequence[Institution]) -> list[str]:
        """Replace the records of HEIs the node serves; their ids."""
        return self._send(self._put_heis(document))

    def put_ounits(
        self, hei_id: str, document: bytes | str | Sequence[OrganizationalUnit]
    ) -> list[str]:
        """Replace every unit of ``hei_id``; the unit ids."""
        return self._send(self._put_ounits(hei_id, document))

    # ------------------------------------------------------------ lifecycle steps

    def amend_la(
        self, hei_id: str, omobility_id: str, la: bytes | str | LearningAgreement
    ) -> LaState:
        """A minor amendment: ``la`` as it should read, no new signatures (409 if it is major)."""
        return self._send(self._amend(hei_id, omobility_id, la, "minor", None, None))

    def propose_la(
        self,
        hei_id: str,
        omobility_id: str,
        la: bytes | str | LearningAgreement,
        *,
        student: SignedBy,
        sending_hei: SignedBy,
    ) -> LaState:
        """A major amendment: a new proposal for ``la``'s tables, signed by both."""
        return self._send(self._amend(hei_id, omobility_id, la, "major", student, sending_hei))

    def approve_received_la(
        self, hei_id: str, sending_hei_id: str, omobility_id: str, signer: Signer
    ) -> list[str]:
        """Approve, as ``hei_id`` (receiving), the pending proposal at the sender's endpoint."""
        return self._send(self._decide(hei_id, sending_hei_id, omobility_id, signer, None))

    def comment_received_la(
        self, hei_id: str, sending_hei_id: str, omobility_id: str, signer: Signer, comment: str
    ) -> list[str]:
        """Comment on (reject), as ``hei_id``, the pending proposal at the sender's endpoint."""
        return self._send(self._decide(hei_id, sending_hei_id, omobility_id, signer, comment))

    def approve_partner_iia(
        self, hei_id: str, partner_hei_id: str, partner_iia_id: str
    ) -> ApprovalRecord:
        """Approve the partner's IIA as ``hei_id`` holds it; an IIA Approval CNR follows."""
        return self._send(self._approve_iia(hei_id, partner_hei_id, partner_iia_id))

    # ------------------------------------------------------------ outbox

    def outbox(self) -> list[OutboxEntry]:
        return self._send(_OUTBOX)

    def trigger(
        self,
        kind: CnrKind,
        partner_hei_id: str,
        object_ids: Sequence[str],
        *,
        sending_hei_id: str | None = None,
    ) -> list[OutboxEntry]:
        """Queue a change notification; its entries."""
        return self._send(self._trigger(kind, partner_hei_id, object_ids, sending_hei_id))

    def run_due(self) -> list[OutboxEntry]:
        """Send what is due now; the whole outbox once nothing due is left."""
        return self._send(_RUN)

    def flush(self) -> list[OutboxEntry]:
        """Send every pending notification now, due or not; the whole outbox after."""
        return self._send(_FLUSH)

    def received(self) -> list[ReceivedCnr]:
        return self._send(_RECEIVED)

    # ------------------------------------------------------------ time, reset, log

    def reset(self) -> ClockState:
        """Back to the initial data (outbox, received CNRs, clock, exchange log and the
        scenarios the node started with)."""
        return self._send(_RESET)

    # ------------------------------------------------------------ fault scenarios

    def scenarios(self) -> ScenarioState:
        """The scenarios played now, those the node started with, and all it knows."""
        return self._send(_SCENARIOS)

    def use_scenarios(self, names: Iterable[str] | str) -> ScenarioState:
        """Play exactly ``names`` from the next request on (``()``: none).

        An unknown name raises :class:`~ewp_client.errors.ControlBadRequest`
        (its ``detail`` names the known ones), a TLS scenario switched on or
        off :class:`~ewp_client.errors.ControlConflict`; nothing changes then.
        """
        return self._send(self._use_scenarios(names))

    def add_scenario(self, name: str) -> ScenarioState:
        """Play ``name`` too (unknown: :class:`~ewp_client.errors.ControlNotFound`)."""
        return self._send(self._scenario("POST", name))

    def remove_scenario(self, name: str) -> ScenarioState:
        """Stop playing ``name`` (unknown: :class:`~ewp_client.errors.ControlNotFound`)."""
        return self._send(self._scenario("DELETE", name))

    def clock(self) -> ClockState:
        return self._send(_CLOCK)

    def advance(self, delta: timedelta, *, settle: bool = True) -> ClockState:
        """Move business time ahead; with ``settle``, return once the outbox did what fell due."""
        return self._send(self._advance(delta, settle))

    def set_clock(self, when: datetime, *, allow_backwards: bool = False) -> ClockState:
        return self._send(self._set_clock(when, allow_backwards))

    def exchanges(self, *, since: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """The exchange log's records (JSON objects), oldest first, numbered above ``since``."""
        return self._send(self._exchanges(since, limit))

    def openapi(self) -> dict[str, Any]:
        """The control API's OpenAPI document."""
        return self._send(_OPENAPI)

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncControlClient(_ControlCalls):
    """:class:`ControlClient` over an ``httpx.AsyncClient`` (the same methods, awaited)."""

    def __init__(self, base_url: str, *, http: httpx.AsyncClient | None = None) -> None:
        super().__init__(base_url)
        self._own_http = http is None
        self.http = http if http is not None else httpx.AsyncClient()

    async def _send(self, call: _Call[T]) -> T:
        try:
            response = await self.http.send(call.request(self.http, self.base_url))
        except httpx.HTTPError as exc:
            raise TransportError(f"cannot reach the control API at {self.base_url}: {exc}") from exc
        return call.answer(response)

    async def put_iias(self, document: bytes | str | Iia | Sequence[Iia]) -> list[IiaState]:
        return await self._send(self._put_iias(document))

    async def put_las(
        self, document: bytes | str | LearningAgreement | Sequence[LearningAgreement]
    ) -> list[LaState]:
        return await self._send(self._put_las(document))

    async def put_heis(
        self, document: bytes | str | Institution | Sequence[Institution]
    ) -> list[str]:
        return await self._send(self._put_heis(document))

    async def put_ounits(
        self, hei_id: str, document: bytes | str | Sequence[OrganizationalUnit]
    ) -> list[str]:
        return await self._send(self._put_ounits(hei_id, document))

    async def amend_la(
        self, hei_id: str, omobility_id: str, la: bytes | str | LearningAgreement
    ) -> LaState:
        return await self._send(self._amend(hei_id, omobility_id, la, "minor", None, None))

    async def propose_la(
        self,
        hei_id: str,
        omobility_id: str,
        la: bytes | str | LearningAgreement,
        *,
        student: SignedBy,
        sending_hei: SignedBy,
    ) -> LaState:
        return await self._send(
            self._amend(hei_id, omobility_id, la, "major", student, sending_hei)
        )

    async def approve_received_la(
        self, hei_id: str, sending_hei_id: str, omobility_id: str, signer: Signer
    ) -> list[str]:
        return await self._send(self._decide(hei_id, sending_hei_id, omobility_id, signer, None))

    async def comment_received_la(
        self, hei_id: str, sending_hei_id: str, omobility_id: str, signer: Signer, comment: str
    ) -> list[str]:
        return await self._send(self._decide(hei_id, sending_hei_id, omobility_id, signer, comment))

    async def approve_partner_iia(
        self, hei_id: str, partner_hei_id: str, partner_iia_id: str
    ) -> ApprovalRecord:
        return await self._send(self._approve_iia(hei_id, partner_hei_id, partner_iia_id))

    async def outbox(self) -> list[OutboxEntry]:
        return await self._send(_OUTBOX)

    async def trigger(
        self,
        kind: CnrKind,
        partner_hei_id: str,
        object_ids: Sequence[str],
        *,
        sending_hei_id: str | None = None,
    ) -> list[OutboxEntry]:
        return await self._send(self._trigger(kind, partner_hei_id, object_ids, sending_hei_id))

    async def run_due(self) -> list[OutboxEntry]:
        return await self._send(_RUN)

    async def flush(self) -> list[OutboxEntry]:
        return await self._send(_FLUSH)

    async def received(self) -> list[ReceivedCnr]:
        return await self._send(_RECEIVED)

    async def reset(self) -> ClockState:
        return await self._send(_RESET)

    async def scenarios(self) -> ScenarioState:
        return await self._send(_SCENARIOS)

    async def use_scenarios(self, names: Iterable[str] | str) -> ScenarioState:
        return await self._send(self._use_scenarios(names))

    async def add_scenario(self, name: str) -> ScenarioState:
        return await self._send(self._scenario("POST", name))

    async def remove_scenario(self, name: str) -> ScenarioState:
        return await self._send(self._scenario("DELETE", name))

    async def clock(self) -> ClockState:
        return await self._send(_CLOCK)

    async def advance(self, delta: timedelta, *, settle: bool = True) -> ClockState:
        return await self._send(self._advance(delta, settle))

    async def set_clock(self, when: datetime, *, allow_backwards: bool = False) -> ClockState:
        return await self._send(self._set_clock(when, allow_backwards))

    async def exchanges(self, *, since: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        return await self._send(self._exchanges(since, limit))

    async def openapi(self) -> dict[str, Any]:
        return await self._send(_OPENAPI)

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncControlClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
