"""The control API's routes, its own FastAPI app, and the dispatch that puts it outside EWP.

Everything lives under :data:`CONTROL_PREFIX`. The routes take EWP XML
documents (the ``get`` responses of the IIAs, LAs, Institutions and
Organizational Units APIs) or small JSON objects, and answer JSON. Each
route validates everything it was given before it changes anything, then
acts through :class:`~ewp_mock.actions.NodeActions` (the lifecycles of
:mod:`ewp_client`, the change notifications they call for); a document
holding several objects is applied in order, and a lifecycle refusal (409)
stops there, the objects before it kept.

Errors are ``{"error": kind, "detail": ...}``: 400 for unusable input (a
document the schema refuses names its first violation in ``detail`` and
lists them in ``violations``), 404 for an object the node does not hold,
409 for a step the lifecycle refuses (or a reset over a database, or a TLS
scenario switched on a running node), 502 when a partner the step called
failed.

The fault scenarios the node plays (:mod:`ewp_mock.faults`) are read and
switched under ``/scenarios``: from the next request on, the node plays the
set given. A TLS scenario is the exception: the certificate is made when the
server starts (``ewp-mock serve --scenario tls-expired``), so switching one
on or off is a 409. A reset goes back to the scenarios the node started with
(``MockConfig.scenarios``), parsed afresh.

:class:`ControlDispatch` sends the control paths to the control app before
the node's EWP layers see them: no HTTP signature is asked for or given, and
the node's app knows nothing of them (a 404 there when the API is off).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Literal, TypeVar

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ewp_client.client.las import Signer
from ewp_client.clock import Clock, ManualClock, ShiftedClock
from ewp_client.cnr import CnrKind, OutboxEntry, OutgoingNotification
from ewp_client.codec import decode, encode
from ewp_client.errors import (
    ConfigError,
    EwpError,
    IiaError,
    LaUpdateError,
    LearningAgreementError,
    MalformedXmlError,
    SchemaValidationError,
    UnknownDocumentError,
    XmlError,
)
from ewp_client.iia import ServedIia
from ewp_client.models import (
    IiasGetResponse,
    Institution,
    InstitutionsResponse,
    LasGetResponse,
    OrganizationalUnit,
    OunitsResponse,
    Signature,
)
from ewp_client.ola import SendingLa, Transition, VersionStatus

from ..actions import NodeActions
from ..data import Dataset
from ..faults import Faults, Scenario, ScenarioRegistry
from ..inspector import INSPECTOR_PATH
from ..inspector import router as inspector_router
from ..node import MockNode
from .clock import NodeClock

__all__ = ["CONTROL_PREFIX", "OPENAPI_PATH", "ControlDispatch", "control_app"]

#: Where the control API lives (the HTML inspector lives beside it, under ``/_mock/``).
CONTROL_PREFIX: Final = "/_mock/control"
#: The control API's own OpenAPI document (the node's app publishes none).
OPENAPI_PATH: Final = f"{CONTROL_PREFIX}/openapi.json"

_XML_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
}

D = TypeVar("D", IiasGetResponse, LasGetResponse, InstitutionsResponse, OunitsResponse)


class ControlProblem(Exception):
    """What a route answers instead of its result: ``{"error": kind, "detail": detail}``."""

    def __init__(self, status: int, kind: str, detail: object, **extra: object) -> None:
        super().__init__(f"{kind}: {detail}")
        self.status = status
        self.kind = kind
        self.detail = detail
        self.extra = extra


@dataclasses.dataclass(frozen=True, slots=True)
class ControlContext:
    """What the routes act on: the node, its initial data set, its clock's starting time and
    the fault scenarios it plays."""

    node: MockNode
    dataset: Dataset | None
    started_at: datetime
    faults: Faults

    @property
    def actions(self) -> NodeActions:
        return self.node.actions


# ---------------------------------------------------------------- request bodies


class SignatureIn(BaseModel):
    """Who signs and when (the node's business time when ``timestamp`` is left out)."""

    name: str = Field(min_length=1)
    position: str | None = None
    email: str | None = None
    timestamp: datetime | None = None
    app: str | None = None


class AmendmentIn(BaseModel):
    """An LA as it should read (a ``omobility-las-get-response`` holding it), and how to apply it.

    ``minor``: amended in place (no new signatures); ``major``: a new
    ``changes-proposal`` signed by the ``student`` and the ``sending_hei``.
    """

    kind: Literal["minor", "major"]
    document: str = Field(min_length=1)
    student: SignatureIn | None = None
    sending_hei: SignatureIn | None = None


class DecisionIn(BaseModel):
    """The receiving HEI's signer (name, position and e-mail required); ``comment`` rejects."""

    signer: SignatureIn
    comment: str | None = None


class NotificationIn(BaseModel):
    """A change notification to queue (``sending_hei_id``: ours, required for ``la-cnr``)."""

    kind: CnrKind
    partner_hei_id: str = Field(min_length=1)
    object_ids: list[str] = Field(min_length=1)
    sending_hei_id: str | None = None


class ScenariosIn(BaseModel):
    """The names of the scenarios to play from now on (none: a clean node)."""

    names: list[str]


class ClockIn(BaseModel):
    now: datetime
    allow_backwards: bool = False


class AdvanceIn(BaseModel):
    """Move the clock ``seconds`` ahead; ``settle``: answer once the outbox did what fell due."""

    seconds: float = Field(gt=0)
    settle: bool = True


# ---------------------------------------------------------------- helpers


def _context(request: Request) -> ControlContext:
    context = request.app.state.control
    assert isinstance(context, ControlContext)
    return context


async def _xml(request: Request, model: type[D]) -> D:
    """The request's body decoded as ``model``: a 400 naming the problem otherwise."""
    limit = _context(request).node.config.max_request_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ControlProblem(413, "too-large", f"the body is over {limit} bytes")
    body = await request.body()
    if len(body) > limit:
        raise ControlProblem(413, "too-large", f"the body is over {limit} bytes")
    return _decode(body, model)


def _decode(body: bytes | str, model: type[D]) -> D:
    data = body.encode() if isinstance(body, str) else body
    if not data.strip():
        raise ControlProblem(400, "empty", "no XML document was sent")
    try:
        return decode(data, model)
    except MalformedXmlError as exc:
        raise ControlProblem(400, "malformed", f"not well-formed XML: {exc}") from exc
    except UnknownDocumentError as exc:
        raise ControlProblem(400, "wrong-document", str(exc)) from exc
    except SchemaValidationError as exc:
        first = exc.violations[0] if exc.violations else None
        detail = f"{first.path}: {first.message}" if first is not None else str(exc)
        violations = [
            {"path": v.path, "message": v.message, "line": v.line} for v in exc.violations
        ]
        raise ControlProblem(
            400, "schema-invalid", detail, violations=violations, total=exc.total
        ) from exc
    except XmlError as exc:
        raise ControlProblem(400, "malformed", str(exc)) from exc


def _served(context: ControlContext, hei_id: str, *, status: int = 404) -> str:
    """Our spelling of ``hei_id``; ``status`` (404 in a path, 400 in a body) when not served."""
    for served in context.node.config.hei_ids:
        if served.lower() == hei_id.strip().lower():
            return served
    raise ControlProblem(status, "unknown-hei", f"this node serves no HEI {hei_id!r}")


def _check_units(institution: Institution, units: Sequence[OrganizationalUnit]) -> None:
    """A 400 unless unit ids and codes are unique and every unit named is one of ``units``."""
    ids: set[str] = set()
    codes: set[str] = set()
    for unit in units:
        if unit.ounit_id in ids or unit.ounit_code in codes:
            raise ControlProblem(
                400,
                "duplicate-id",
                f"unit id {unit.ounit_id!r} or code {unit.ounit_code!r} comes twice",
            )
        ids.add(unit.ounit_id)
        codes.add(unit.ounit_code)
    named = [(u.parent_ounit_id, f"the parent of unit {u.ounit_id!r}") for u in units]
    named.append((institution.root_ounit_id, "the root-ounit-id"))
    named.extend((i, "an ounit-id of the HEI") for i in institution.ounit_ids)
    for ounit_id, what in named:
        if ounit_id is not None and ounit_id not in ids:
            raise ControlProblem(
                400,
                "unknown-ounit",
                f"{institution.hei_id}: {what}, {ounit_id!r}, is none of its units",
            )


def _signature(given: SignatureIn, now: datetime) -> Signature:
    return Signature(
        signer_name=given.name,
        signer_position=given.position,
        signer_email=given.email,
        timestamp=given.timestamp or now,
        signer_app=given.app,
    )


def _iia_json(state: ServedIia, hei_id: str, *, created: bool | None = None) -> dict[str, Any]:
    partners = state.iia.partners
    return {
        "hei_id": hei_id,
        "iia_id": partners[0].iia_id if partners else None,
        "iia_hash": state.iia_hash,
        "partner_hei_id": partners[1].hei_id if len(partners) > 1 else None,
        "partner_iia_id": partners[1].iia_id if len(partners) > 1 else None,
        "approved_locally": state.partner_hash is not None,
        "approved_by_partner": state.partner_approved_hash == state.iia_hash,
        "created": created,
    }


def _la_json(
    state: SendingLa, *, created: bool | None = None, transition: Transition | None = None
) -> dict[str, Any]:
    report = transition.amendment if transition is not None else None
    served = state.status is not VersionStatus.DRAFT
    return {
        "sending_hei_id": state.la.sending_hei.hei_id,
        "receiving_hei_id": state.la.receiving_hei.hei_id,
        "omobility_id": state.la.omobility_id,
        "status": state.status.value,
        "proposal_id": state.proposal_id,
        "rejected": state.rejection is not None,
        "created": created,
        "amendment": report.kind.value if report is not None else None,
        "changes": [c.path for c in report.changes] if report is not None else [],
        "notified": bool(transition.notifications) if transition is not None else None,
        "document": encode(LasGetResponse(las=(state.la,))).decode() if served else None,
    }


def _entries_json(entries: Sequence[OutboxEntry]) -> list[dict[str, Any]]:
    return [entry.to_dict() for entry in entries]


async def _settle(node: MockNode) -> None:
    """Wait until the outbox sent what is due and the refreshes it caused are done."""
    with contextlib.suppress(ConfigError):  # no delivery task (its lifespan does not run)
        await node.outbox.idle()
    await node.actions.refreshed()


def _clock_json(clock: Clock) -> dict[str, Any]:
    return {
        "now": clock.now().isoformat(),
        "clock": type(clock).__name__,
        "settable": isinstance(clock, NodeClock | ManualClock),
        "advances": isinstance(clock, ManualClock | ShiftedClock),
    }


def _registry(context: ControlContext) -> ScenarioRegistry:
    """The scenarios the node knows: built in, and from its ``scenario_files`` (read afresh)."""
    return ScenarioRegistry.load(context.node.config.scenario_files)


def _scenarios_json(context: ControlContext) -> dict[str, Any]:
    return {
        "active": list(context.faults.names),
        "started_with": list(context.node.config.scenarios),
        "known": [{**s.as_json(), "tls": s.tls} for s in _registry(context)],
    }


def _play(context: ControlContext, names: Sequence[str]) -> None:
    """Play the scenarios ``names`` from the next request on; nothing changes on a refusal.

    400 naming the known scenarios for an unknown name; 409 when the TLS
    scenarios would change (the certificate is the server's, made at start).
    A scenario already played keeps its state (its seeded draws go on).
    """
    registry = _registry(context)
    unknown = [n for n in names if n not in registry.names]
    if unknown:
        raise ControlProblem(
            400,
            "unknown-scenario",
            f"unknown scenario {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(registry.names))}",
            known=sorted(registry.names),
        )
    wanted = registry.resolve(names)
    _check_tls(context.faults.scenarios, wanted)
    playing = {s.name: s for s in context.faults.scenarios}
    context.faults.use(playing.get(s.name, s) for s in wanted)


def _check_tls(before: Sequence[Scenario], after: Sequence[Scenario]) -> None:
    old = {s.name for s in before if s.tls}
    new = {s.name for s in after if s.tls}
    if old != new:
        changed = ", ".join(sorted(old ^ new))
        raise ControlProblem(
            409,
            "tls-scenario",
            f"{changed} changes the TLS certificate, which the server made when it started: "
            "start the node with (or without) it instead (ewp-mock serve --scenario NAME, "
            "Partner.served(scenarios=[...]))",
        )


# ---------------------------------------------------------------- routes

router = APIRouter(prefix=CONTROL_PREFIX)


@router.put("/iias", openapi_extra=_XML_BODY, summary="Create or replace IIAs the node serves")
async def put_iias(request: Request) -> dict[str, Any]:
    """Body: an ``iias-get-response``; each IIA is served by its first partner's HEI.

    A new ``iia-id`` is created, a known one modified (both approvals needed
    again), each with an IIA CNR to the partner.
    """
    context = _context(request)
    document = await _xml(request, IiasGetResponse)
    if not document.iias:
        raise ControlProblem(400, "empty", "the document holds no IIA")
    plan = []
    seen: set[tuple[str, str]] = set()
    for iia in document.iias:
        if not iia.partners or not iia.partners[0].iia_id:
            raise ControlProblem(400, "no-iia-id", "an IIA's first partner must give its iia-id")
        hei = _served(context, iia.partners[0].hei_id, status=400)
        iia_id = iia.partners[0].iia_id
        if (hei.lower(), iia_id) in seen:
            raise ControlProblem(400, "duplicate-id", f"IIA {iia_id!r} of {hei} comes twice")
        seen.add((hei.lower(), iia_id))
        plan.append((hei, iia_id, iia))
    actions = context.actions
    answers = []
    for hei, iia_id, iia in plan:
        if actions.served(hei, iia_id) is None:
            answers.append(_iia_json(actions.create_iia(iia), hei, created=True))
        else:
            answers.append(_iia_json(actions.modify_iia(hei, iia_id, iia), hei, created=False))
    return {"iias": answers}


@router.post(
    "/iias/{hei_id}/partners/{partner_hei_id}/{partner_iia_id}/approve",
    summary="Approve a partner's IIA as the node's HEI",
)
async def approve_partner_iia(
    request: Request, hei_id: str, partner_hei_id: str, partner_iia_id: str
) -> dict[str, Any]:
    """Approve the partner's copy as last fetched (after its CNR); an IIA Approval CNR."""
    context = _context(request)
    hei = _served(context, hei_id)
    actions = context.actions
    if actions.partner_copies(hei).get(partner_hei_id, partner_iia_id) is None:
        raise ControlProblem(
            404,
            "unknown-iia",
            f"{hei} holds no copy of {partner_hei_id}'s IIA {partner_iia_id!r} (a CNR brings it)",
        )
    record = actions.approve_partner_iia(hei, partner_hei_id, partner_iia_id)
    return {"approval": dataclasses.asdict(record)}


@router.put("/las", openapi_extra=_XML_BODY, summary="Create or replace LAs the node sends")
async def put_las(request: Request) -> dict[str, Any]:
    """Body: an ``omobility-las-get-response``; each LA is sent by its ``sending-hei``.

    Served as it reads (a draft when it has no snapshot); an LA CNR to the
    receiving HEI once published.
    """
    context = _context(request)
    document = await _xml(request, LasGetResponse)
    if not document.las:
        raise ControlProblem(400, "empty", "the document holds no LA")
    seen: set[tuple[str, str]] = set()
    for la in document.las:
        hei = _served(context, la.sending_hei.hei_id, status=400)
        if (hei.lower(), la.omobility_id) in seen:
            raise ControlProblem(400, "duplicate-id", f"LA {la.omobility_id!r} comes twice")
        seen.add((hei.lower(), la.omobility_id))
    answers = []
    for la in document.las:
        state, created = context.actions.put_la(la)
        answers.append(_la_json(state, created=created))
    return {"las": answers}


@router.post(
    "/las/{hei_id}/{omobility_id}/amendments",
    summary="Amend an LA the node sends (minor in place, major as a new proposal)",
)
async def amend_la(
    request: Request, hei_id: str, omobility_id: str, body: AmendmentIn
) -> dict[str, Any]:
    """``document`` holds the LA as it should read; ``major`` is signed by both signers given."""
    context = _context(request)
    hei = _served(context, hei_id)
    actions = context.actions
    if actions.la(hei, omobility_id) is None:
        raise ControlProblem(404, "unknown-la", f"{hei} sends no LA {omobility_id!r}")
    las = _decode(body.document, LasGetResponse).las
    if len(las) != 1:
        raise ControlProblem(400, "not-one-la", f"the document holds {len(las)} LAs, not one")
    la = las[0]
    if la.omobility_id != omobility_id or la.sending_hei.hei_id.lower() != hei.lower():
        raise ControlProblem(
            400,
            "other-la",
            f"the document is {la.sending_hei.hei_id}'s LA {la.omobility_id!r}, "
            f"not {hei}'s {omobility_id!r}",
        )
    if body.kind == "minor":
        result = actions.amend_la(hei, omobility_id, la)
    else:
        student, sending_hei = _major_signatures(context, body)
        result = actions.propose_la(
            hei, omobility_id, la, student_signature=student, sending_hei_signature=sending_hei
        )
    return {"la": _la_json(result.state, transition=result)}


def _major_signatures(context: ControlContext, body: AmendmentIn) -> tuple[Signature, Signature]:
    if body.student is None or body.sending_hei is None:
        raise ControlProblem(
            400, "unsigned", "a major amendment is signed by the student and the sending HEI"
        )
    now = context.node.clock.now()
    return _signature(body.student, now), _signature(body.sending_hei, now)


async def _received_step(
    request: Request,
    hei_id: str,
    sending_hei_id: str,
    omobility_id: str,
    decision: DecisionIn,
    *,
    comment: bool,
) -> dict[str, Any]:
    context = _context(request)
    hei = _served(context, hei_id)
    actions = context.actions
    if actions.received_la(hei, sending_hei_id, omobility_id) is None:
        raise ControlProblem(
            404,
            "unknown-la",
            f"{hei} holds no copy of {sending_hei_id}'s LA {omobility_id!r} (a CNR brings it)",
        )
    given = decision.signer
    if not (given.position and given.email):
        raise ControlProblem(
            400, "unsigned", "the receiving HEI's signer needs a position and email"
        )
    signer = Signer(
        name=given.name,
        position=given.position,
        email=given.email,
        timestamp=given.timestamp or context.node.clock.now(),
        app=given.app,
    )
    if comment:
        if not decision.comment:
            raise ControlProblem(400, "no-comment", "a comment needs its text")
        answer = await actions.comment_received_la(
            hei, sending_hei_id, omobility_id, signer, decision.comment
        )
    else:
        answer = await actions.approve_received_la(hei, sending_hei_id, omobility_id, signer)
    return {"messages": [m.value for m in answer.success_user_messages]}


@router.post(
    "/received-las/{hei_id}/{sending_hei_id}/{omobility_id}/approve",
    summary="Approve, as the receiving HEI, the pending proposal of an LA a partner sends",
)
async def approve_received_la(
    request: Request, hei_id: str, sending_hei_id: str, omobility_id: str, body: DecisionIn
) -> dict[str, Any]:
    """Calls the sender's LA ``update`` endpoint; the sender's LA CNR then refreshes the copy."""
    return await _received_step(request, hei_id, sending_hei_id, omobility_id, body, comment=False)


@router.post(
    "/received-las/{hei_id}/{sending_hei_id}/{omobility_id}/comment",
    summary="Comment on (reject), as the receiving HEI, the pending proposal of an LA",
)
async def comment_received_la(
    request: Request, hei_id: str, sending_hei_id: str, omobility_id: str, body: DecisionIn
) -> dict[str, Any]:
    """Calls the sender's LA ``update`` endpoint with ``comment``."""
    return await _received_step(request, hei_id, sending_hei_id, omobility_id, body, comment=True)


@router.put("/heis", openapi_extra=_XML_BODY, summary="Replace HEI records the node serves")
async def put_heis(request: Request) -> dict[str, Any]:
    """Body: an ``institutions-response``; each ``hei`` one the node serves, naming its units."""
    context = _context(request)
    document = await _xml(request, InstitutionsResponse)
    if not document.heis:
        raise ControlProblem(400, "empty", "the document holds no HEI")
    directory = context.node.directory
    for institution in document.heis:
        hei = _served(context, institution.hei_id, status=400)
        _check_units(institution, directory.ounits(hei))
    for institution in document.heis:
        context.actions.put_hei(institution)
    return {"heis": [i.hei_id for i in document.heis]}


@router.put(
    "/heis/{hei_id}/ounits",
    openapi_extra=_XML_BODY,
    summary="Replace the organizational units of a HEI the node serves",
)
async def put_ounits(request: Request, hei_id: str) -> dict[str, Any]:
    """Body: an ``ounits-response`` holding every unit the HEI has from now on.

    The units the HEI's record names (root, ``ounit-id``) and their parents must be among them.
    """
    context = _context(request)
    hei = _served(context, hei_id)
    document = await _xml(request, OunitsResponse)
    institution = context.node.directory.institution(hei)
    assert institution is not None  # a served HEI always has a record
    _check_units(institution, document.ounits)
    context.actions.put_hei(institution, document.ounits)
    return {"hei_id": hei, "ounits": [u.ounit_id for u in document.ounits]}


@router.get("/outbox", summary="The change notifications the node owes, and their attempts")
async def outbox(request: Request) -> dict[str, Any]:
    return {"entries": _entries_json(_context(request).node.outbox.entries())}


@router.post("/outbox", summary="Queue a change notification (sent by the delivery task)")
async def trigger(request: Request, body: NotificationIn) -> dict[str, Any]:
    context = _context(request)
    sending = body.sending_hei_id
    if sending is not None:
        sending = _served(context, sending, status=400)
    try:
        notification = OutgoingNotification(
            kind=body.kind,
            partner_hei_id=body.partner_hei_id,
            object_ids=tuple(body.object_ids),
            sending_hei_id=sending,
        )
    except ConfigError as exc:
        raise ControlProblem(400, "bad-notification", str(exc)) from exc
    return {"entries": _entries_json(context.node.notify(notification))}


@router.post("/outbox/run", summary="Send what is due now; the outbox once it settled")
async def run_due(request: Request) -> dict[str, Any]:
    """One round of what the delivery task does, then wait for the task to have nothing due."""
    node = _context(request).node
    await node.outbox.run_due()
    await _settle(node)
    return {"entries": _entries_json(node.outbox.entries())}


@router.post("/outbox/flush", summary="Send every pending notification now; the outbox after")
async def flush(request: Request) -> dict[str, Any]:
    """Due or not; a delivery the task holds already is waited for (it is not sent twice)."""
    node = _context(request).node
    await node.outbox.flush()
    await _settle(node)
    return {"entries": _entries_json(node.outbox.entries())}


@router.get("/received", summary="The change notifications the node received")
async def received(request: Request) -> dict[str, Any]:
    return {
        "received": [
            {
                "kind": r.kind.value,
                "hei_id": r.hei_id,
                "sending_hei_id": r.sending_hei_id,
                "object_ids": list(r.object_ids),
                "caller_heis": sorted(r.caller_heis),
                "at": r.at.isoformat(),
            }
            for r in _context(request).node.received
        ]
    }


@router.post(
    "/reset",
    summary="Back to the initial data: stores, outbox, received, clock, log, scenarios",
)
async def reset(request: Request) -> dict[str, Any]:
    """Admitted clients and peers stay; the scenarios go back to those the node started with.

    Refused (409) over a database (``--db``).
    """
    context = _context(request)
    node = context.node
    if node.state is not None:
        raise ControlProblem(
            409,
            "database",
            "a node over a database (--db) is not reset: wiping the file on a call would lose "
            "what it is there to keep; start the node on a fresh --db instead",
        )
    await node.actions.refreshed()  # a refresh under way lands before, not after
    context.actions.reset(context.dataset)
    clock = node.clock
    if isinstance(clock, NodeClock):
        clock.rewind()
    elif isinstance(clock, ManualClock):
        clock.set(context.started_at, allow_backwards=True)
    node.exchanges.clear()
    context.faults.use(node.config.fault_scenarios())  # afresh: the seeded draws start again
    node.wake()
    return {"reset": True, "clock": _clock_json(clock), "scenarios": list(context.faults.names)}


@router.get("/clock", summary="The node's business time")
async def clock(request: Request) -> dict[str, Any]:
    return _clock_json(_context(request).node.clock)


@router.put("/clock", summary="Set the node's business time")
async def set_clock(request: Request, body: ClockIn) -> dict[str, Any]:
    node = _context(request).node
    clock = node.clock
    if not isinstance(clock, NodeClock | ManualClock):
        raise ControlProblem(409, "clock-fixed", f"the node's clock {clock!r} cannot be set")
    try:
        clock.set(body.now, allow_backwards=body.allow_backwards)
    except ConfigError as exc:
        raise ControlProblem(400, "bad-time", str(exc)) from exc
    node.wake()
    return _clock_json(clock)


@router.post("/clock/advance", summary="Move the node's business time forward")
async def advance_clock(request: Request, body: AdvanceIn) -> dict[str, Any]:
    """The delivery task wakes; with ``settle`` the answer waits until it sent what fell due."""
    node = _context(request).node
    clock = node.clock
    if not isinstance(clock, ManualClock | ShiftedClock):
        raise ControlProblem(409, "clock-fixed", f"the node's clock {clock!r} cannot be advanced")
    clock.advance(timedelta(seconds=body.seconds))
    node.wake()
    if body.settle:
        await _settle(node)
    return _clock_json(clock)


@router.get("/exchanges", summary="The exchange log: requests answered and sent, oldest first")
async def exchanges(
    request: Request, since: int = Query(0, ge=0), limit: int | None = Query(None, ge=1)
) -> dict[str, Any]:
    return {"exchanges": _context(request).node.exchanges.as_json(since=since, limit=limit)}


@router.get("/scenarios", summary="The fault scenarios the node plays, and those it knows")
async def scenarios(request: Request) -> dict[str, Any]:
    """``active``: played now; ``started_with``: what a reset goes back to; ``known``: all."""
    return _scenarios_json(_context(request))


@router.put("/scenarios", summary="Play these fault scenarios from the next request on")
async def use_scenarios(request: Request, body: ScenariosIn) -> dict[str, Any]:
    """Replaces the set played (``[]``: none). An unknown name is a 400 naming the known
    ones; a TLS scenario switched on or off a 409; nothing changes on either."""
    context = _context(request)
    _play(context, body.names)
    return _scenarios_json(context)


@router.post("/scenarios/{name}", summary="Play one more fault scenario")
async def add_scenario(request: Request, name: str) -> dict[str, Any]:
    """Already played: nothing changes. Unknown: a 404 naming the known ones."""
    context = _context(request)
    _known(context, name)
    _play(context, [*context.faults.names, name])
    return _scenarios_json(context)


@router.delete("/scenarios/{name}", summary="Stop playing one fault scenario")
async def remove_scenario(request: Request, name: str) -> dict[str, Any]:
    """Not played: nothing changes. Unknown: a 404 naming the known ones."""
    context = _context(request)
    _known(context, name)
    _play(context, [n for n in context.faults.names if n != name])
    return _scenarios_json(context)


def _known(context: ControlContext, name: str) -> None:
    names = _registry(context).names
    if name not in names:
        raise ControlProblem(
            404,
            "unknown-scenario",
            f"unknown scenario {name!r}; known: {', '.join(sorted(names))}",
            known=sorted(names),
        )


# ---------------------------------------------------------------- the app


def control_app(node: MockNode, dataset: Dataset | None, *, faults: Faults) -> FastAPI:
    """The control API of ``node`` (``dataset``: what a reset goes back to; ``faults``:
    the scenarios its app plays), as its own app."""
    app = FastAPI(
        title="ewp_mock control API",
        summary="Set up and drive a mock EWP partner node from a test (JSON, unsigned)",
        openapi_url=OPENAPI_PATH,
        docs_url=None,
        redoc_url=None,
    )
    app.state.control = ControlContext(node, dataset, node.clock.now(), faults)
    app.include_router(router)
    app.include_router(inspector_router, include_in_schema=False)  # a page, not the API
    app.add_exception_handler(ControlProblem, _problem)
    app.add_exception_handler(EwpError, _ewp_problem)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_problem)
    return app


def _answer(status: int, kind: str, detail: object, **extra: object) -> JSONResponse:
    return JSONResponse({"error": kind, "detail": detail, **extra}, status_code=status)


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ControlProblem)
    return _answer(exc.status, exc.kind, exc.detail, **exc.extra)


async def _ewp_problem(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, LaUpdateError):
        return _answer(409, "update-refused", str(exc), partner_status=exc.status)
    if isinstance(exc, IiaError | LearningAgreementError):
        return _answer(409, "lifecycle-refused", str(exc))
    if isinstance(exc, ConfigError):
        return _answer(400, "bad-request", str(exc))
    return _answer(502, "partner-failed", f"{type(exc).__name__}: {exc}")


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    ]
    return _answer(400, "bad-request", "; ".join(problems))


async def _http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
    return _answer(exc.status_code, kind, exc.detail)


class ControlDispatch:
    """ASGI middleware: requests under :data:`CONTROL_PREFIX` (and the inspector's, under
    ``/_mock/inspector``) go to ``control``, the rest on.

    Added outermost, so that the control API never meets the EWP signature layer.
    """

    def __init__(self, app: ASGIApp, control: ASGIApp) -> None:
        self.app = app
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and any(
            path == prefix or path.startswith(f"{prefix}/")
            for prefix in (CONTROL_PREFIX, INSPECTOR_PATH)
        ):
            await self.control(scope, receive, send)
            return
        await self.app(scope, receive, send)
