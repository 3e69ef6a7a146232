"""The sending-side state machine: transitions, refusals, CNR events and stats counters."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TypedDict

import pytest

from ewp_client.codec import decode, encode
from ewp_client.errors import LearningAgreementError, LifecycleError, StaleProposalError
from ewp_client.models import (
    ApproveProposalV1,
    CommentProposalV1,
    ComponentStatus,
    LaCnrStatsResponse,
    LasGetResponse,
    LasStatsResponse,
    LasUpdateRequest,
    ReasonCode,
    Signature,
)
from ewp_client.ola import (
    ChangeReason,
    ComponentTables,
    LaChangeNotification,
    ReceivedLa,
    SendingLa,
    VersionStatus,
    incoming_stats_response,
    stats_response,
)
from tests.codec.samples import signature
from tests.ola.rich_la import row
from tests.ola.support import header

A1, A2, B1 = row("Algebra"), row("Geometry"), row("Analysis")
FIRST = ComponentTables(components_studied=(A1, A2), components_recognized=(B1,))


class Signatures(TypedDict):
    student_signature: Signature
    sending_hei_signature: Signature


SIGS: Signatures = {
    "student_signature": signature(None, 10),
    "sending_hei_signature": signature("Marta Quill", 11),
}
RECEIVING = signature("Jonas Berg", 12)


def approved(tables: ComponentTables = FIRST) -> SendingLa:
    proposed = SendingLa.draft(header()).propose(tables, **SIGS).state
    assert proposed.proposal_id is not None
    return proposed.approve(proposed.proposal_id, RECEIVING).state


def test_draft_is_not_served_and_first_proposal_lists_full_tables() -> None:
    draft = SendingLa.draft(header())
    assert draft.status is VersionStatus.DRAFT
    assert draft.proposal_id is None
    step = draft.propose(FIRST, **SIGS)
    la = step.state.la
    assert step.state.status is VersionStatus.AWAITING
    assert step.notifications == (
        LaChangeNotification("receiving.example.org", "sending.example.org", "om-0001"),
    )
    assert la.changes_proposal is not None
    assert la.changes_proposal.components_studied is not None
    assert la.changes_proposal.components_studied.components == (A1, A2)
    assert all(c.status is None for c in la.changes_proposal.components_studied.components)
    encode(LasGetResponse(las=(la,)))  # validates


def test_approval_folds_into_first_version_with_receiving_signature() -> None:
    state = approved()
    assert state.status is VersionStatus.APPROVED
    first = state.la.first_version
    assert first is not None
    assert first.receiving_hei_signature == RECEIVING
    assert state.la.changes_proposal is None


def test_major_amendment_proposal_is_cumulative_and_folds_into_approved_changes() -> None:
    state = approved()
    a3, a4 = row("Topology"), row("Logic")
    reasons = {
        A2: ChangeReason(ReasonCode.TIMETABLE_CONFLICT),
        a3: ChangeReason(ReasonCode.SUBSTITUTING_DELETED),
    }
    step1 = state.propose(
        dataclasses.replace(FIRST, components_studied=(A1, a3)), **SIGS, reasons=reasons
    )
    pid = step1.state.proposal_id
    assert pid is not None
    state = step1.state.approve(pid, RECEIVING).state
    # Second amendment: replace Topology (inserted before) by Logic, extend with virtual C.
    c1 = dataclasses.replace(row("Online seminar"), short_description="weekly online seminar")
    step2 = state.propose(
        dataclasses.replace(FIRST, components_studied=(A1, a4), virtual_components=(c1,)),
        **SIGS,
        reasons={
            a4: ChangeReason(text="student's choice"),
            c1: ChangeReason(ReasonCode.ADDING_VIRTUAL_COMPONENT),
        },
    )
    proposal = step2.state.la.changes_proposal
    assert proposal is not None
    assert proposal.components_studied is not None
    rows = {
        (c.status, c.title, c.reason_code, c.reason_text)
        for c in proposal.components_studied.components
    }
    assert rows == {
        (ComponentStatus.DELETED, "Geometry", ReasonCode.TIMETABLE_CONFLICT, None),
        (ComponentStatus.INSERTED, "Logic", None, "student's choice"),
    }
    assert proposal.virtual_components is not None
    assert [c.status for c in proposal.virtual_components.components] == [ComponentStatus.INSERTED]
    assert proposal.components_recognized is None  # Table B unchanged
    la = step2.state.approve(proposal.id, RECEIVING).state.la
    assert la.approved_changes is not None
    assert la.approved_changes.receiving_hei_signature == RECEIVING
    assert decode(encode(LasGetResponse(las=(la,))), LasGetResponse).las == (la,)


def test_reason_code_not_allowed_for_status_is_refused() -> None:
    state = approved()
    with pytest.raises(LearningAgreementError, match="not allowed for a deleted"):
        state.propose(
            dataclasses.replace(FIRST, components_studied=(A1,)),
            **SIGS,
            reasons={A2: ChangeReason(ReasonCode.SUBSTITUTING_DELETED)},
        )


def test_stale_or_missing_proposal_id_is_stale() -> None:
    proposed = SendingLa.draft(header()).propose(FIRST, **SIGS).state
    with pytest.raises(StaleProposalError) as caught:
        proposed.approve("old-id", RECEIVING)
    assert (caught.value.expected, caught.value.got) == (proposed.proposal_id, "old-id")
    done = approved()
    with pytest.raises(StaleProposalError) as again:  # a retried approval after it applied
        done.comment("whatever", "no", RECEIVING)
    assert again.value.expected is None


def test_comment_rejects_keeps_document_and_blocks_second_decision() -> None:
    proposed = SendingLa.draft(header()).propose(FIRST, **SIGS).state
    pid = proposed.proposal_id
    assert pid is not None
    step = proposed.comment(pid, "please replace Geometry", RECEIVING)
    assert step.state.status is VersionStatus.REJECTED
    assert step.notifications == ()
    assert step.state.la == proposed.la
    with pytest.raises(LifecycleError, match="already commented"):
        step.state.approve(pid, RECEIVING)
    renewed = step.state.propose(
        ComponentTables(components_studied=(A1,), components_recognized=(B1,)), **SIGS
    )
    assert renewed.state.status is VersionStatus.AWAITING
    assert renewed.state.rejection is None


def test_no_proposal_after_approval_for_a_minor_amendment() -> None:
    with pytest.raises(LifecycleError, match="amend"):
        approved().propose(FIRST, **SIGS)


def test_minor_amendment_edits_in_place_with_a_cnr_and_no_signature() -> None:
    state = approved()
    updated = dataclasses.replace(state.la, start_date=date(2026, 2, 20))
    step = state.amend(updated)
    assert step.state.la == updated
    assert step.state.la.first_version == state.la.first_version  # no new signatures
    assert step.notifications == (state.notification(),)
    assert step.amendment is not None
    assert step.amendment.kind.value == "minor"


def test_major_changes_cannot_go_through_amend() -> None:
    state = approved()
    renamed = dataclasses.replace(
        state.la, student=dataclasses.replace(state.la.student, family_name="Byron")
    )
    with pytest.raises(LifecycleError, match="student/family-name"):
        state.amend(renamed)
    # ... they go through a proposal with the student block.
    step = state.propose(FIRST, **SIGS, student=renamed.student)
    proposal = step.state.la.changes_proposal
    assert proposal is not None
    assert proposal.student is not None
    assert (proposal.student.family_name, proposal.student.given_names) == ("Byron", None)


def test_a_pending_identity_change_survives_reloading_the_served_la() -> None:
    state = approved()
    renamed = dataclasses.replace(state.la.student, family_name="Byron")
    proposed = state.propose(
        ComponentTables(components_studied=(A1,), components_recognized=(B1,)),
        **SIGS,
        student=renamed,
    ).state
    assert proposed.proposal_id is not None
    rejected = proposed.comment(proposed.proposal_id, "keep Geometry", RECEIVING).state
    # The SIS restarts: only the served document and the rejection are stored.
    reloaded = SendingLa.published(rejected.la, rejection=rejected.rejection)
    for state_now in (rejected, reloaded):
        # The rename was never approved, so it stays in the next proposal.
        again = state_now.propose(FIRST, **SIGS).state.la.changes_proposal
        assert again is not None
        assert again.student is not None
        assert again.student.family_name == "Byron"
    approved_now = reloaded.propose(FIRST, **SIGS).state
    assert approved_now.proposal_id is not None
    settled = approved_now.approve(approved_now.proposal_id, RECEIVING).state
    assert settled.unapproved_identity == frozenset()
    with pytest.raises(LifecycleError, match="amend"):
        settled.propose(FIRST, **SIGS)


@pytest.mark.parametrize(
    "edit",
    ["first-version signature", "proposal signature", "proposal id", "signature only"],
)
def test_amend_never_touches_signatures_or_the_proposal_id(edit: str) -> None:
    renamed = dataclasses.replace(row("Algebra"), title="Algebra I")
    pending = (
        approved()
        .propose(
            ComponentTables(components_studied=(renamed, A2), components_recognized=(B1,)), **SIGS
        )
        .state
    )
    la = pending.la
    assert la.first_version is not None
    assert la.changes_proposal is not None
    forged = signature("Someone Else", 13)
    edited = {
        "first-version signature": dataclasses.replace(
            la, first_version=dataclasses.replace(la.first_version, receiving_hei_signature=None)
        ),
        "proposal signature": dataclasses.replace(
            la,
            changes_proposal=dataclasses.replace(la.changes_proposal, sending_hei_signature=forged),
        ),
        "proposal id": dataclasses.replace(
            la, changes_proposal=dataclasses.replace(la.changes_proposal, id="other")
        ),
        "signature only": dataclasses.replace(
            la, first_version=dataclasses.replace(la.first_version, student_signature=forged)
        ),
    }[edit]
    minor = dataclasses.replace(edited, start_date=date(2026, 2, 20))
    for updated in (edited, minor):
        with pytest.raises(LifecycleError, match="cannot change"):
            pending.amend(updated)


@pytest.mark.parametrize("table", ["blended_mobility_components", "short_term_doctoral_components"])
def test_blended_and_doctoral_refuse_proposals_after_first_approval(table: str) -> None:
    course = dataclasses.replace(row("Summer school"), short_description="one week on site")
    tables = ComponentTables(**{table: (course,)})
    state = approved(tables)
    with pytest.raises(LifecycleError, match=r"first version is approved"):
        state.propose(ComponentTables(**{table: (course, row("Extra"))}), **SIGS)


def test_update_request_is_applied_and_checked() -> None:
    proposed = SendingLa.draft(header()).propose(FIRST, **SIGS).state
    pid = proposed.proposal_id
    assert pid is not None
    ok = LasUpdateRequest(
        sending_hei_id="sending.example.org",
        action=ApproveProposalV1(
            omobility_id="om-0001", changes_proposal_id=pid, signature=RECEIVING
        ),
    )
    assert proposed.apply_update(ok).state.status is VersionStatus.APPROVED
    wrong = LasUpdateRequest(
        sending_hei_id="other.example.org",
        action=CommentProposalV1(
            omobility_id="om-0001", changes_proposal_id=pid, comment="x", signature=RECEIVING
        ),
    )
    with pytest.raises(LearningAgreementError, match=r"other\.example\.org"):
        proposed.apply_update(wrong)


def test_outgoing_and_incoming_stats() -> None:
    def year(state: SendingLa, y: str) -> SendingLa:
        return dataclasses.replace(
            state, la=dataclasses.replace(state.la, receiving_academic_year_id=y)
        )

    draft = SendingLa.draft(header())
    awaiting_first = draft.propose(FIRST, **SIGS).state
    pid = awaiting_first.proposal_id
    assert pid is not None
    rejected_first = awaiting_first.comment(pid, "no", RECEIVING).state
    only_first = approved()
    modified = only_first.propose(
        ComponentTables(components_studied=(A1,), components_recognized=(B1,)), **SIGS
    ).state
    records = [
        year(draft, "2025/2026"),
        year(awaiting_first, "2025/2026"),
        year(rejected_first, "2025/2026"),
        year(only_first, "2025/2026"),
        year(modified, "2025/2026"),
        year(only_first, "2024/2025"),
    ]
    response = stats_response(records)
    encoded = encode(response)
    assert decode(encoded, LasStatsResponse) == response
    older, current = response.academic_years
    assert older.receiving_academic_year_id == "2024/2025"
    assert older.la_outgoing_total == 1
    assert (
        current.la_outgoing_total,
        current.la_outgoing_not_modified_after_approval,
        current.la_outgoing_modified_after_approval,
        current.la_outgoing_latest_version_approved,
        current.la_outgoing_latest_version_rejected,
        current.la_outgoing_latest_version_awaiting,
    ) == (4, 1, 1, 1, 1, 2)
    incoming = incoming_stats_response(
        [
            ReceivedLa(awaiting_first.la),
            ReceivedLa(rejected_first.la, commented_proposal_id=pid),
            ReceivedLa(only_first.la),
            ReceivedLa(modified.la),
        ]
    )
    assert decode(encode(incoming), LaCnrStatsResponse) == incoming
    [counts] = incoming.academic_years
    assert (
        counts.la_incoming_total,
        counts.la_incoming_some_version_approved,
        counts.la_incoming_latest_version_approved,
        counts.la_incoming_latest_version_rejected,
        counts.la_incoming_latest_version_awaiting,
    ) == (4, 2, 1, 1, 2)
