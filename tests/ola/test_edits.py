"""A changes proposal from two versions of an LA: the approved one and the edited one.

The official get-response example serves an LA with a first version,
approved changes and a pending proposal: the LA before that proposal and the
LA with it are the two versions a developer would hand over, so rebuilding
its proposal from them is the first check. The rest uses the codec samples.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ewp_client.codec import decode, encode
from ewp_client.errors import LearningAgreementError, LifecycleError
from ewp_client.models import (
    ChangesProposal,
    ComponentList,
    ComponentStatus,
    Credit,
    LaComponent,
    LasGetResponse,
    LearningAgreement,
    ReasonCode,
    Signature,
    Student,
)
from ewp_client.ola import (
    ChangeReason,
    ComponentTables,
    MissingReasonWarning,
    SendingLa,
    UnexplainedChange,
    changes_proposal_between,
    latest_tables,
    proposal_id,
    unexplained_changes,
)
from tests.codec.samples import learning_agreement
from tests.ola.scenario_adapter import read_scenario
from tests.ola.support import header, tables_view

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STUDENT = Signature(signer_name="Ada Example", timestamp=NOW)
SENDING = Signature(
    signer_name="Marta Quill",
    signer_position="Erasmus coordinator",
    signer_email="marta@example.org",
    timestamp=NOW,
)
MACHINE_LEARNING = LaComponent(
    title="Machine Learning", credits=(Credit(scheme="ects", value=Decimal(5)),)
)


def approved_sample() -> LearningAgreement:
    """The codec sample as approved: its first version, no pending proposal."""
    return dataclasses.replace(learning_agreement(), changes_proposal=None)


def with_studied(tables: ComponentTables, *rows: LaComponent) -> ComponentTables:
    return dataclasses.replace(tables, components_studied=(*tables.components_studied, *rows))


def build_quietly(
    approved: LearningAgreement,
    edited: LearningAgreement | ComponentTables,
    reasons: Mapping[LaComponent, ChangeReason] | None = None,
) -> tuple[ChangesProposal, list[MissingReasonWarning]]:
    """The proposal, and the MissingReasonWarnings it raised (any other warning fails)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proposal = changes_proposal_between(
            approved,
            edited,
            student_signature=STUDENT,
            sending_hei_signature=SENDING,
            reasons=reasons,
        )
    found = [w.message for w in caught]
    assert all(isinstance(m, MissingReasonWarning) for m in found), found
    return proposal, [m for m in found if isinstance(m, MissingReasonWarning)]


# ------------------------------------------------------------- official example


@pytest.fixture(scope="module")
def official(reference_pack: Path) -> LearningAgreement:
    path = reference_pack / "examples" / "omobility-las-v1" / "get-response-example.xml"
    (la,) = decode(path.read_bytes(), LasGetResponse).las
    assert la.changes_proposal is not None
    assert la.approved_changes is not None
    return la


def test_the_official_examples_proposal_is_rebuilt_from_the_la_before_and_after_it(
    official: LearningAgreement, figures: Callable[[str], None]
) -> None:
    before = dataclasses.replace(official, changes_proposal=None)
    proposal, warned = build_quietly(before, official)
    assert official.changes_proposal is not None
    ours, theirs = tables_view(proposal), tables_view(official.changes_proposal)
    same = sum(
        min(n, ours.get(t, Counter())[row]) for t, rows in theirs.items() for row, n in rows.items()
    )
    total = sum(rows.total() for rows in theirs.values())
    figures(f"official LA example proposal rows rebuilt from the two versions: {same}/{total}")
    assert ours == theirs
    assert warned == []


def test_edited_tables_of_the_official_example_warn_for_the_unexplained_insert(
    official: LearningAgreement,
) -> None:
    before = dataclasses.replace(official, changes_proposal=None)
    wanted = with_studied(latest_tables(before), MACHINE_LEARNING)
    proposal, warned = build_quietly(before, wanted)
    inserted = dataclasses.replace(MACHINE_LEARNING, status=ComponentStatus.INSERTED)
    assert [w.change for w in warned] == [
        UnexplainedChange("components_studied", ComponentStatus.INSERTED, inserted)
    ]
    assert str(warned[0]) == (
        "components_studied: inserted component 'Machine Learning' gives no reason "
        "(reason-code or reason-text)"
    )
    # The approved insertion keeps the reason it was approved with.
    reasons = {c.title: c.reason_code for c in proposal.table("components_studied")}
    assert reasons == {"Algebra": ReasonCode.EXTENDING_MOBILITY, "Machine Learning": None}


# ------------------------------------------------------------------- samples


def test_a_deletion_and_an_insertion_with_reasons_make_a_valid_proposal_without_warnings() -> None:
    approved = approved_sample()
    assert approved.first_version is not None
    tables = latest_tables(approved)
    topology = tables.components_studied[1]
    wanted = dataclasses.replace(
        tables, components_studied=(tables.components_studied[0], MACHINE_LEARNING)
    )
    reasons = {
        topology: ChangeReason(ReasonCode.TIMETABLE_CONFLICT),
        MACHINE_LEARNING: ChangeReason(ReasonCode.SUBSTITUTING_DELETED, "replaces Topology"),
    }
    proposal, warned = build_quietly(approved, wanted, reasons=reasons)
    assert warned == []
    rows = [
        (c.title, c.status, c.reason_code, c.reason_text)
        for c in proposal.table("components_studied")
    ]
    assert rows == [
        ("Topology", ComponentStatus.DELETED, ReasonCode.TIMETABLE_CONFLICT, None),
        (
            "Machine Learning",
            ComponentStatus.INSERTED,
            ReasonCode.SUBSTITUTING_DELETED,
            "replaces Topology",
        ),
    ]
    assert proposal.id == proposal_id(proposal)
    served = dataclasses.replace(approved, changes_proposal=proposal)
    encode(LasGetResponse(las=(served,)))  # schema-validated on the way out


def test_the_same_proposal_as_the_lifecycle_builds() -> None:
    approved = approved_sample()
    wanted = with_studied(latest_tables(approved), MACHINE_LEARNING)
    reasons = {MACHINE_LEARNING: ChangeReason(ReasonCode.EXTENDING_MOBILITY)}
    ours, _ = build_quietly(approved, wanted, reasons=reasons)
    step = SendingLa.published(approved).propose(
        wanted, student_signature=STUDENT, sending_hei_signature=SENDING, reasons=reasons
    )
    assert ours == step.state.la.changes_proposal


def test_an_edited_la_gives_its_tables_its_reasons_and_its_identity_changes() -> None:
    approved = approved_sample()
    edited = dataclasses.replace(
        learning_agreement(),  # carries a proposal: Topology -> Graph theory, with reasons
        student=dataclasses.replace(approved.student, family_name="Example-Smith"),
    )
    proposal, warned = build_quietly(approved, edited)
    assert warned == []
    assert edited.changes_proposal is not None
    assert tables_view(proposal) == tables_view(edited.changes_proposal)
    assert proposal.student == Student(family_name="Example-Smith")


def test_deleting_without_a_reason_warns_once_per_change() -> None:
    approved = approved_sample()
    tables = latest_tables(approved)
    wanted = dataclasses.replace(tables, components_studied=(), components_recognized=())
    with pytest.warns(MissingReasonWarning) as record:
        proposal = changes_proposal_between(
            approved, wanted, student_signature=STUDENT, sending_hei_signature=SENDING
        )
    changes = [w.message.change for w in record if isinstance(w.message, MissingReasonWarning)]
    assert [(c.table, c.status, c.component.title) for c in changes] == [
        ("components_studied", ComponentStatus.DELETED, "Numerical methods"),
        ("components_studied", ComponentStatus.DELETED, "Topology"),
        ("components_recognized", ComponentStatus.DELETED, "Analysis II"),
    ]
    assert unexplained_changes(proposal) == tuple(changes)


def test_a_reason_text_alone_is_a_reason() -> None:
    approved = approved_sample()
    wanted = with_studied(latest_tables(approved), MACHINE_LEARNING)
    reasons = {MACHINE_LEARNING: ChangeReason(text="the student asked for it")}
    _, warned = build_quietly(approved, wanted, reasons=reasons)
    assert warned == []


def test_before_the_first_approval_the_proposal_lists_the_tables_in_full() -> None:
    draft = header()
    wanted = ComponentTables(components_studied=(MACHINE_LEARNING,))
    proposal, warned = build_quietly(draft, wanted)
    assert warned == []  # no statuses: nothing to explain
    assert proposal.table("components_studied") == (MACHINE_LEARNING,)


def test_nothing_needing_revalidation_is_refused() -> None:
    approved = approved_sample()
    later = dataclasses.replace(approved, provisions_url="https://example.org/new")
    with pytest.raises(LifecycleError, match="amend"):
        changes_proposal_between(
            approved, later, student_signature=STUDENT, sending_hei_signature=SENDING
        )


def test_two_different_mobilities_are_refused() -> None:
    approved = approved_sample()
    other = dataclasses.replace(learning_agreement(), omobility_id="om-0002")
    with pytest.raises(LearningAgreementError, match="omobility-id is immutable"):
        changes_proposal_between(
            approved, other, student_signature=STUDENT, sending_hei_signature=SENDING
        )


def test_a_reason_code_not_allowed_for_the_change_is_refused() -> None:
    approved = approved_sample()
    wanted = with_studied(latest_tables(approved), MACHINE_LEARNING)
    reasons = {MACHINE_LEARNING: ChangeReason(ReasonCode.NOT_AVAILABLE)}  # a deletion reason
    with pytest.raises(LearningAgreementError, match="not-available"):
        changes_proposal_between(
            approved,
            wanted,
            student_signature=STUDENT,
            sending_hei_signature=SENDING,
            reasons=reasons,
        )


# ------------------------------------------------------- iterating the tables


def test_a_component_list_iterates_like_a_tables_tuple() -> None:
    la = learning_agreement()
    assert la.first_version is not None
    studied = la.first_version.components_studied
    assert studied is not None
    assert [c.title for c in studied] == ["Numerical methods", "Topology"]
    assert len(studied) == 2
    assert list(studied) == list(ComponentTables.of(la.first_version).components_studied)


def test_a_snapshot_reads_every_table_as_a_tuple_absent_or_not() -> None:
    la = learning_agreement()
    proposal = la.changes_proposal
    assert proposal is not None
    assert [c.title for c in proposal.table("components_studied")] == ["Topology", "Graph theory"]
    assert proposal.table("virtual_components") == ()
    assert [name for name, _ in proposal.tables()] == ["components_studied"]
    empty = dataclasses.replace(proposal, virtual_components=ComponentList())
    assert [name for name, _ in empty.tables()] == ["components_studied", "virtual_components"]


def test_the_official_scenarios_proposals_are_rebuilt_from_the_versions_around_them(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    """Steps 06, 08 and 10 serve a proposal after the first approval: rebuild each one."""
    folder = reference_pack / "examples" / "omobility-las-v1" / "example-scenario"
    steps = [
        s
        for s in read_scenario(folder)
        if s.changes_proposal is not None and s.first_version is not None
    ]
    rebuilt = 0
    for step in steps:
        approved = dataclasses.replace(
            header(), first_version=step.first_version, approved_changes=step.approved_changes
        )
        edited = dataclasses.replace(approved, changes_proposal=step.changes_proposal)
        proposal, _ = build_quietly(approved, edited)
        rebuilt += tables_view(proposal) == tables_view(step.changes_proposal)
    figures(f"official OLA scenario proposals rebuilt from two versions: {rebuilt}/{len(steps)}")
    assert [s.number for s in steps] == [6, 8, 10]
    assert rebuilt == len(steps)
