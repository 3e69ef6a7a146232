"""The two-node demo: two HEIs finish an IIA and an LA by themselves, checked step by step.

:func:`run_demo` plays on a started :class:`~ewp_mock.network.MockNetwork` (its
first node is HEI A, its second HEI B; in process or on loopback TLS) and
writes one readable line per step to ``transcript``, then ``ok`` or ``FAIL``
with what was checked. Every step goes through the nodes as a partner would
see them: the actions of :mod:`ewp_mock.actions`, the CNRs their outboxes
deliver, the refreshes the CNRs trigger (:mod:`ewp_mock.refresh`) and the EWP
APIs read with each node's own client.

1. A creates an IIA (its copy, unmapped); the IIA CNR reaches B, which
   refreshes its copy of A's;
2. B maps: it serves its own copy, carrying A's id; the CNR makes A fetch it;
3. A maps its copy to B's id; B fetches it again;
4. B approves A's copy with the hash it computed; A approves B's; each
   approval is read back through the other's Approval API (current);
5. A publishes an LA; B approves its first version through A's ``update``;
6. A amends the LA's dates (minor: an LA CNR, no new signatures);
7. A proposes a major change (a component added: a ``changes-proposal`` with a
   new id), which B approves through the ``update`` endpoint.

:func:`play_demo` builds the usual two nodes (the demo data's uni-a and uni-b),
starts them and plays; :func:`play_demo_to` does it in its own event loop,
writing to a text stream: what ``ewp-mock demo`` runs. A :class:`DemoReport`
keeps the same play as data (each step and its checks: ``ewp-mock demo
--json``). No student data is written to the transcript or the report.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Final, TextIO

from ewp_client.client.iia_approval import AsyncIiaApprovalClient
from ewp_client.client.las import Signer
from ewp_client.clock import Clock
from ewp_client.cnr import CnrKind
from ewp_client.errors import EwpError
from ewp_client.iia import ApprovalState, CopyChangeKind
from ewp_client.models import (
    ContactPerson,
    CooperationConditions,
    Credit,
    Iia,
    IiaPartner,
    IscedFCode,
    LaComponent,
    LanguageSkill,
    LearningAgreement,
    MobilitiesPerYear,
    MobilityInstitution,
    ReasonCode,
    RecommendedLanguageSkill,
    Signature,
    Student,
    StudentStudiesMobilitySpec,
    SubjectArea,
    TermId,
)
from ewp_client.ola import (
    AmendmentKind,
    ChangeReason,
    ComponentTables,
    LaCopyChangeKind,
    LaVersionEvent,
    VersionStatus,
    latest_tables,
)

from .actions import NodeActions
from .network import MockNetwork, NetworkNode, NodeSpec
from .refresh import RefreshOutcome, RefreshRecord

__all__ = [
    "DEMO_IIA_A",
    "DEMO_IIA_B",
    "DEMO_LA",
    "DemoCheck",
    "DemoReport",
    "DemoStep",
    "Transcript",
    "play_demo",
    "play_demo_to",
    "run_demo",
]

#: Where the demo writes its lines (``print``, ``list.append``...).
Transcript = Callable[[str], None]

#: The ids the demo creates (A's copy, B's copy, the LA's mobility).
DEMO_IIA_A: Final = "demo-iia-a"
DEMO_IIA_B: Final = "demo-iia-b"
DEMO_LA: Final = "demo-la"

_APP: Final = "ewp-mock demo"


# ------------------------------------------------------------------ documents


def demo_iia(hei_id: str, iia_id: str, partner_hei_id: str) -> Iia:
    """A new IIA served by ``hei_id``: students both ways, the partner's id not known yet."""

    def studies(sender: str, receiver: str) -> StudentStudiesMobilitySpec:
        return StudentStudiesMobilitySpec(
            sending_hei_id=sender,
            receiving_hei_id=receiver,
            receiving_first_academic_year_id="2027/2028",
            receiving_last_academic_year_id="2029/2030",
            mobilities_per_year=MobilitiesPerYear(value="2"),
            recommended_language_skills=(RecommendedLanguageSkill(language="en", cefr_level="B2"),),
            subject_areas=(SubjectArea(isced_f_code=IscedFCode(value="0715")),),
            total_months_per_year="10",
            blended="false",
            eqf_levels=("6", "7"),
        )

    return Iia(
        partners=(
            IiaPartner(hei_id=hei_id, iia_id=iia_id, signing_date=date(2026, 10, 1)),
            IiaPartner(hei_id=partner_hei_id),
        ),
        in_effect=True,
        cooperation_conditions=CooperationConditions(
            student_studies=(studies(hei_id, partner_hei_id), studies(partner_hei_id, hei_id))
        ),
        iia_hash="",
    )


def _component(title: str, code: str, ects: str) -> LaComponent:
    return LaComponent(
        los_code=code,
        title=title,
        term_id=TermId(term_number=1, total_terms=2),
        credits=(Credit(scheme="ects", value=Decimal(ects)),),
    )


FIRST_TABLES: Final = ComponentTables(
    components_studied=(
        _component("Fluid Dynamics", "ENG-310", "6"),
        _component("Numerical Methods", "MAT-220", "6"),
    ),
    components_recognized=(_component("Applied Mechanics III", "SCI-320", "12"),),
)
ADDED: Final = _component("Wind Tunnel Lab", "ENG-355", "4")


def _institution(hei_id: str, person: str) -> MobilityInstitution:
    return MobilityInstitution(
        hei_id=hei_id,
        contact_person=ContactPerson(
            given_names=person, family_name="Coordinator", email=f"erasmus@{hei_id}"
        ),
    )


def demo_la(sending_hei_id: str, receiving_hei_id: str, omobility_id: str) -> LearningAgreement:
    """A draft LA from ``sending_hei_id`` to ``receiving_hei_id`` of an invented student."""
    return LearningAgreement(
        omobility_id=omobility_id,
        sending_hei=_institution(sending_hei_id, "Ada"),
        receiving_hei=_institution(receiving_hei_id, "Ben"),
        receiving_academic_year_id="2027/2028",
        student=Student(
            given_names="Demo",
            family_name="Flow Student",
            global_id=f"urn:schac:personalUniqueCode:int:esi:{sending_hei_id}:7001",
            birth_date=date(2005, 5, 5),
            email=f"demo.flow.student@{sending_hei_id}",
        ),
        start_date=date(2027, 9, 1),
        end_date=date(2028, 1, 31),
        eqf_level_studied_at_departure=6,
        isced_f_code="0715",
        student_language_skill=LanguageSkill(language="en", cefr_level="B2"),
    )


def signature(name: str, when: datetime, *, hei_id: str | None = None) -> Signature:
    """A signature by ``name`` (the student's when ``hei_id`` is ``None``) at ``when``."""
    if hei_id is None:
        return Signature(signer_name=name, timestamp=when, signer_app=_APP)
    return Signature(
        signer_name=name,
        signer_position="Erasmus+ coordinator",
        signer_email=f"erasmus@{hei_id}",
        timestamp=when,
        signer_app=_APP,
    )


def receiving_signer(hei_id: str, when: datetime) -> Signer:
    """The receiving HEI's coordinator deciding at ``when``."""
    return Signer(
        name="Ben Coordinator",
        position="Erasmus+ coordinator",
        email=f"erasmus@{hei_id}",
        timestamp=when,
        app=_APP,
    )


# ------------------------------------------------------------------ the play


class _Failed(Exception):
    """A check failed (already written to the transcript)."""


@dataclasses.dataclass(frozen=True)
class DemoCheck:
    """One check of a step: what was checked, whether it held, and why not."""

    label: str
    ok: bool
    detail: str = ""


@dataclasses.dataclass
class DemoStep:
    """One step of the demo (``number``: 1 to 10) and the checks made after it."""

    number: int
    title: str
    checks: list[DemoCheck] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every check of the step held (a step stopped by an error has a failed check)."""
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "title": self.title,
            "ok": self.ok,
            "checks": [dataclasses.asdict(check) for check in self.checks],
        }


@dataclasses.dataclass
class DemoReport:
    """What a play of the demo did, as data (``ewp-mock demo --json``).

    ``nodes``: each role (``A``, ``B``) with its HEI and base URL; ``steps``
    in the order played (the play stops at the first failed check);
    ``passed`` is set when the play is over.
    """

    nodes: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    steps: list[DemoStep] = dataclasses.field(default_factory=list)
    passed: bool = False
    problem: str | None = None

    @property
    def failed(self) -> str | None:
        """The check that failed (or why the play could not start); ``None`` when passed."""
        if self.passed:
            return None
        found = (check.label for step in self.steps for check in step.checks if not check.ok)
        return next(found, self.problem)

    def to_json(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "nodes": self.nodes,
            "steps": [step.to_json() for step in self.steps],
            "failed": self.failed,
        }


@dataclasses.dataclass
class _Demo:
    network: MockNetwork
    say: Transcript
    a: NetworkNode
    b: NetworkNode
    report: DemoReport

    @property
    def steps(self) -> list[DemoStep]:
        return self.report.steps

    @property
    def a_hei(self) -> str:
        return self.a.config.hei_ids[0]

    @property
    def b_hei(self) -> str:
        return self.b.config.hei_ids[0]

    @property
    def at_a(self) -> NodeActions:
        return self.network.actions(self.a.spec.name)

    @property
    def at_b(self) -> NodeActions:
        return self.network.actions(self.b.spec.name)

    def now(self) -> datetime:
        return self.network.clock.now()

    def check(self, label: str, ok: bool, detail: str = "") -> None:
        self.steps[-1].checks.append(DemoCheck(label, ok, "" if ok else detail))
        if ok:
            self.say(f"    ok    {label}")
            return
        self.say(f"    FAIL  {label}" + (f": {detail}" if detail else ""))
        raise _Failed(label)

    def step(self, title: str) -> None:
        self.steps.append(DemoStep(len(self.steps) + 1, title))
        self.say(f"{len(self.steps)}. {title}")

    def error(self, exc: BaseException) -> None:
        """An error stopped the play: a failed check of the step under way."""
        label = f"{type(exc).__name__}: {exc}"
        if self.steps:
            self.steps[-1].checks.append(DemoCheck(label, False))
        self.say(f"    FAIL  {label}")

    async def settle(self) -> None:
        await self.network.idle()

    def last_refresh(self, at: NodeActions, kind: CnrKind, object_id: str) -> RefreshRecord | None:
        found = [
            r for r in at.refreshes if r.notification.kind is kind and r.object_id == object_id
        ]
        return found[-1] if found else None

    def queued(self, at: NetworkNode, kind: CnrKind, object_id: str) -> bool:
        return bool(at.node.outbox.entries(object_id, kind=kind))

    def received(self, at: NetworkNode, kind: CnrKind, object_id: str) -> bool:
        return any(r.kind is kind and object_id in r.object_ids for r in at.node.received)

    # ------------------------------------------------------------ IIA

    async def iia(self) -> None:
        a_hei, b_hei = self.a_hei, self.b_hei
        self.step(f"A ({a_hei}) creates IIA {DEMO_IIA_A}, not yet mapped to B's id")
        self.at_a.create_iia(demo_iia(a_hei, DEMO_IIA_A, b_hei))
        self.check("A queues an IIA CNR for B", self.queued(self.a, CnrKind.IIA, DEMO_IIA_A))
        await self.settle()
        self.check("B receives the IIA CNR", self.received(self.b, CnrKind.IIA, DEMO_IIA_A))
        record = self.last_refresh(self.at_b, CnrKind.IIA, DEMO_IIA_A)
        self.check(
            "B fetches A's copy and keeps it (new)",
            record is not None
            and record.outcome is RefreshOutcome.REFRESHED
            and getattr(record.change, "kind", None) is CopyChangeKind.NEW,
            repr(record),
        )

        self.step(f"B maps: it serves its copy {DEMO_IIA_B} carrying A's id {DEMO_IIA_A}")
        self.at_b.copy_partner_iia(b_hei, a_hei, DEMO_IIA_A, iia_id=DEMO_IIA_B)
        await self.settle()
        self.check("A receives B's IIA CNR", self.received(self.a, CnrKind.IIA, DEMO_IIA_B))
        held = self.at_a.partner_copies(a_hei).get(b_hei, DEMO_IIA_B)
        self.check(
            "A's copy of B's IIA names A's id",
            held is not None and held.our_iia_id == DEMO_IIA_A,
            repr(held and held.our_iia_id),
        )

        self.step(f"A maps: its copy {DEMO_IIA_A} now carries B's id {DEMO_IIA_B}")
        served_a = self.at_a.map_iia(a_hei, DEMO_IIA_A, DEMO_IIA_B)
        await self.settle()
        copy_at_b = self.at_b.partner_copies(b_hei).get(a_hei, DEMO_IIA_A)
        self.check(
            "B refetched A's copy: mapped, same hash as A serves",
            copy_at_b is not None
            and copy_at_b.our_iia_id == DEMO_IIA_B
            and copy_at_b.iia_hash == served_a.iia_hash,
        )

        self.step("B approves A's copy with the hash it computed on it")
        record_b = self.at_b.approve_partner_iia(b_hei, a_hei, DEMO_IIA_A)
        self.check(
            f"B's approval quotes {record_b.iia_hash[:12]}..., the hash of its copy",
            copy_at_b is not None and record_b.iia_hash == copy_at_b.iia_hash,
        )
        await self.settle()
        self.check(
            "A receives the IIA Approval CNR",
            self.received(self.a, CnrKind.IIA_APPROVAL, DEMO_IIA_A),
        )
        await self.approved_by(self.a, b_hei, DEMO_IIA_A, "B")

        self.step("A approves B's copy with the hash it computed on it")
        record_a = self.at_a.approve_partner_iia(a_hei, b_hei, DEMO_IIA_B)
        held = self.at_a.partner_copies(a_hei).get(b_hei, DEMO_IIA_B)
        self.check(
            f"A's approval quotes {record_a.iia_hash[:12]}..., the hash of its copy",
            held is not None and record_a.iia_hash == held.iia_hash,
        )
        await self.settle()
        self.check(
            "B receives the IIA Approval CNR",
            self.received(self.b, CnrKind.IIA_APPROVAL, DEMO_IIA_B),
        )
        await self.approved_by(self.b, a_hei, DEMO_IIA_B, "A")
        ours_a = self.at_a.served(a_hei, DEMO_IIA_A)
        ours_b = self.at_b.served(b_hei, DEMO_IIA_B)
        self.check(
            "both copies are mutually approved as served",
            ours_a is not None
            and ours_a.approved_as_served
            and ours_b is not None
            and ours_b.approved_as_served,
        )

    async def approved_by(self, owner: NetworkNode, partner: str, iia_id: str, who: str) -> None:
        """Read the partner's Approval API with ``owner``'s client: current for our hash."""
        at = self.network.actions(owner.spec.name)
        served = at.served(owner.config.hei_ids[0], iia_id)
        assert served is not None
        async with self.network.client(owner.spec.name) as client:
            status = await AsyncIiaApprovalClient(client).status(partner, {iia_id: served.iia_hash})
        state = status[iia_id].state
        self.check(
            f"{who}'s Approval API: {iia_id} approved as served now ({state.value})",
            state is ApprovalState.CURRENT,
        )

    # ------------------------------------------------------------ LA

    async def la(self) -> None:
        a_hei, b_hei = self.a_hei, self.b_hei
        self.step(f"A publishes LA {DEMO_LA} (first proposal, signed by student and A)")
        self.at_a.create_la(demo_la(a_hei, b_hei, DEMO_LA))
        first = self.at_a.propose_la(
            a_hei,
            DEMO_LA,
            FIRST_TABLES,
            student_signature=signature("Demo Flow Student", self.now()),
            sending_hei_signature=signature("Ada Coordinator", self.now(), hei_id=a_hei),
        )
        self.check("A queues an LA CNR for B", self.queued(self.a, CnrKind.LA, DEMO_LA))
        await self.settle()
        copy = self.at_b.received_la(b_hei, a_hei, DEMO_LA)
        self.check(
            "B's copy awaits its decision on the proposal",
            copy is not None
            and copy.status is VersionStatus.AWAITING
            and copy.proposal_id == first.state.proposal_id,
        )

        self.step("B approves the first version through A's update endpoint")
        await self.at_b.approve_received_la(
            b_hei, a_hei, DEMO_LA, receiving_signer(b_hei, self.now())
        )
        await self.settle()
        record = self.last_refresh(self.at_b, CnrKind.LA, DEMO_LA)
        copy = self.at_b.received_la(b_hei, a_hei, DEMO_LA)
        self.check(
            "A's CNR makes B refetch: first version approved, signed by all three",
            record is not None
            and LaVersionEvent.FIRST_VERSION_APPROVED in getattr(record.change, "events", ())
            and copy is not None
            and copy.la.first_version is not None
            and copy.la.first_version.receiving_hei_signature is not None,
        )
        assert copy is not None
        signed = copy.la.first_version

        self.step("A amends the LA's end date (a minor amendment)")
        current = self.at_a.la(a_hei, DEMO_LA)
        assert current is not None
        amended = self.at_a.amend_la(
            a_hei, DEMO_LA, dataclasses.replace(current.la, end_date=date(2028, 2, 15))
        )
        kind = amended.amendment.kind if amended.amendment else None
        self.check("classified minor: no new signatures", kind is AmendmentKind.MINOR)
        self.check("A queues an LA CNR for B", len(amended.notifications) == 1)
        await self.settle()
        record = self.last_refresh(self.at_b, CnrKind.LA, DEMO_LA)
        copy = self.at_b.received_la(b_hei, a_hei, DEMO_LA)
        self.check(
            "B's copy follows: amended in place, same signatures",
            record is not None
            and getattr(record.change, "kind", None) is LaCopyChangeKind.AMENDED
            and copy is not None
            and copy.la.end_date == date(2028, 2, 15)
            and copy.la.first_version == signed,
        )

        self.step(f"A proposes a major change: component {ADDED.los_code} added")
        current = self.at_a.la(a_hei, DEMO_LA)
        assert current is not None
        tables = latest_tables(current.la)
        wanted = dataclasses.replace(tables, components_studied=(*tables.components_studied, ADDED))
        major = self.at_a.propose_la(
            a_hei,
            DEMO_LA,
            wanted,
            student_signature=signature("Demo Flow Student", self.now()),
            sending_hei_signature=signature("Ada Coordinator", self.now(), hei_id=a_hei),
            reasons={ADDED: ChangeReason(code=ReasonCode.EXTENDING_MOBILITY)},
        )
        proposal_id = major.state.proposal_id
        await self.settle()
        copy = self.at_b.received_la(b_hei, a_hei, DEMO_LA)
        self.check(
            "B's copy holds the changes-proposal, with a new id",
            copy is not None
            and copy.proposal_id == proposal_id
            and proposal_id != first.state.proposal_id,
        )

        self.step("B approves the changes proposal through A's update endpoint")
        await self.at_b.approve_received_la(
            b_hei, a_hei, DEMO_LA, receiving_signer(b_hei, self.now())
        )
        await self.settle()
        copy = self.at_b.received_la(b_hei, a_hei, DEMO_LA)
        approved = copy.la.approved_changes if copy is not None else None
        self.check(
            "A's CNR makes B refetch: the change approved, the component in",
            copy is not None
            and copy.status is VersionStatus.APPROVED
            and approved is not None
            and approved.receiving_hei_signature is not None
            and any(c.los_code == ADDED.los_code for c in approved.table("components_studied")),
        )
        state = self.at_a.la(a_hei, DEMO_LA)
        self.check(
            "A's LA is approved",
            state is not None and state.status is VersionStatus.APPROVED,
        )


async def run_demo(
    network: MockNetwork, transcript: Transcript, *, report: DemoReport | None = None
) -> bool:
    """Play the demo on a started ``network``; ``True`` when every check passed.

    The network's first node plays HEI A (its first HEI), the second HEI B.
    Each step writes a line and its checks (``ok`` / ``FAIL``) to
    ``transcript``; the demo stops at the first failure, and at an error
    (written with its type). ``report``, when given, receives the nodes, each
    step played with its checks, and the verdict. Run it once per
    network: the ids it creates are fixed (:data:`DEMO_IIA_A`,
    :data:`DEMO_IIA_B`, :data:`DEMO_LA`).
    """
    report = DemoReport() if report is None else report
    nodes = list(network)
    if len(nodes) < 2:
        report.problem = "the demo needs a network of two nodes"
        transcript(f"FAIL  {report.problem}")
        return False
    demo = _Demo(network, transcript, nodes[0], nodes[1], report)
    report.nodes = {
        "A": {"hei_id": demo.a_hei, "url": demo.a.url},
        "B": {"hei_id": demo.b_hei, "url": demo.b.url},
    }
    transcript(f"Two nodes: A = {demo.a_hei} at {demo.a.url}, B = {demo.b_hei} at {demo.b.url}")
    try:
        await demo.iia()
        await demo.la()
    except _Failed:
        transcript("demo FAILED")
        return False
    except (EwpError, AssertionError) as exc:
        demo.error(exc)
        transcript("demo FAILED")
        return False
    report.passed = True
    transcript("demo passed: every check is ok")
    return True


def demo_specs() -> list[NodeSpec]:
    """The two nodes of the demo: ``a`` serving uni-a, ``b`` serving uni-b, on the demo data."""
    from .data import UNI_A, UNI_B, demo_dataset

    dataset = demo_dataset()
    return [NodeSpec("a", (UNI_A,), dataset), NodeSpec("b", (UNI_B,), dataset)]


async def play_demo(
    transcript: Transcript,
    *,
    loopback: bool = False,
    clock: Clock | None = None,
    report: DemoReport | None = None,
) -> bool:
    """Start the demo's two nodes (in process, or on loopback TLS sockets), play, stop."""
    if loopback:
        async with MockNetwork.loopback(demo_specs(), clock=clock) as network:
            return await run_demo(network, transcript, report=report)
    async with MockNetwork(demo_specs(), clock=clock) as network:
        return await run_demo(network, transcript, report=report)


def play_demo_to(out: TextIO, *, loopback: bool = True, as_json: bool = False) -> bool:
    """:func:`play_demo` in an event loop of its own, its lines written to ``out``.

    What ``ewp-mock demo`` calls (``loopback``: two TLS servers on 127.0.0.1,
    free ports); not from a running event loop. ``as_json``: instead of the
    lines, one JSON document (:meth:`DemoReport.to_json`) once the play is over.
    """
    report = DemoReport()

    def write(line: str) -> None:
        if not as_json:
            out.write(line + "\n")
            out.flush()

    passed = asyncio.run(play_demo(write, loopback=loopback, report=report))
    if as_json:
        json.dump(report.to_json(), out, indent=2, ensure_ascii=False)
        out.write("\n")
    return passed
