"""The receiving HEI's copies of incoming LAs, refreshed as after an LA CNR.

The sender's documents come from :class:`SendingLa` (the demo data set's LAs
from ``uni-a`` to ``uni-b``, moved on with the lifecycle) and from the
official OMobility LAs examples (the get-response example, and the example
scenario's twelve steps served one after the other).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ewp_client.codec import decode
from ewp_client.errors import ConfigError, LifecycleError, StaleProposalError
from ewp_client.models import LaComponent, LasGetResponse, LearningAgreement, Signature
from ewp_client.ola import (
    AmendmentKind,
    ComponentTables,
    LaCopyChangeKind,
    LaVersionEvent,
    ReceivedLaCopies,
    SendingLa,
    VersionStatus,
    incoming_stats_response,
    latest_tables,
)
from ewp_mock.data import UNI_A, UNI_B, Dataset, demo_dataset
from tests.ola.scenario_adapter import read_scenario
from tests.ola.support import header

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def signed(name: str, hours: int) -> Signature:
    return Signature(
        signer_name=name,
        signer_position="Erasmus+ coordinator",
        signer_email="coordinator@example.org",
        timestamp=at(hours),
    )


ADDED = LaComponent(title="Robotics Lab", los_code="ENG-345")


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset()


def sending(demo: Dataset, omobility_id: str) -> SendingLa:
    data = demo.hei(UNI_A)
    assert data is not None
    state = data.la(omobility_id)
    assert state is not None
    return state


def approve(state: SendingLa, hours: int) -> SendingLa:
    assert state.proposal_id is not None
    return state.approve(state.proposal_id, signed("Receiving Coordinator", hours)).state


def propose_added(state: SendingLa, hours: int) -> SendingLa:
    """A major amendment: the Robotics Lab added to the latest tables."""
    tables = latest_tables(state.la)
    desired = dataclasses.replace(tables, components_studied=(*tables.components_studied, ADDED))
    return state.propose(
        desired,
        student_signature=signed("Student", hours),
        sending_hei_signature=signed("Sending Coordinator", hours),
    ).state


def studied(tables: ComponentTables | None) -> Counter[str]:
    assert tables is not None
    return Counter(c.title for c in tables.components_studied)


def holding(la: LearningAgreement) -> ReceivedLaCopies:
    """A book holding ``la`` (sent by ``uni-a``), fetched at T0."""
    return ReceivedLaCopies().refreshed(UNI_A, la.omobility_id, la, T0).book


# ------------------------------------------------------------------ versions


def test_the_copy_follows_first_version_approval_proposal_and_approval(demo: Dataset) -> None:
    state = sending(demo, "la-awaiting")
    first = state.la.changes_proposal
    assert first is not None
    step = ReceivedLaCopies().refreshed(UNI_A, "la-awaiting", state.la, at(0))
    assert step.change.kind is LaCopyChangeKind.NEW
    assert step.change.events == (LaVersionEvent.PROPOSED,)
    copy = step.change.after
    assert copy is not None
    assert (copy.status, copy.proposal_id, copy.approved_tables) == (
        VersionStatus.AWAITING,
        first.id,
        None,
    )

    state = approve(state, 1)
    step = step.book.refreshed(UNI_A, "la-awaiting", state.la, at(1))
    assert step.change.kind is LaCopyChangeKind.NEW_VERSION
    assert step.change.events == (LaVersionEvent.FIRST_VERSION_APPROVED,)
    assert step.change.amendment is not None
    assert step.change.amendment.kind is AmendmentKind.MAJOR
    copy = step.change.after
    assert copy is not None
    assert (copy.status, copy.pending_proposal) == (VersionStatus.APPROVED, None)
    first_titles = studied(copy.approved_tables)
    assert "Robotics Lab" not in first_titles

    state = propose_added(state, 2)
    step = step.book.refreshed(UNI_A, "la-awaiting", state.la, at(2))
    assert step.change.events == (LaVersionEvent.PROPOSED,)
    copy = step.change.after
    assert copy is not None
    assert copy.status is VersionStatus.AWAITING
    assert copy.proposal_id == state.proposal_id != first.id
    assert studied(copy.approved_tables) == first_titles  # the approved version is kept

    state = approve(state, 3)
    step = step.book.refreshed(UNI_A, "la-awaiting", state.la, at(3))
    assert step.change.events == (LaVersionEvent.CHANGES_APPROVED,)
    copy = step.change.after
    assert copy is not None
    assert copy.status is VersionStatus.APPROVED
    assert studied(copy.approved_tables) == first_titles + Counter({"Robotics Lab": 1})
    assert copy.fetched_at == at(3)


def test_missed_notifications_report_every_event_since_the_copy(demo: Dataset) -> None:
    """Approved, then a proposal approved and another made, with no fetch in between."""
    start = sending(demo, "la-approved")
    book = holding(start.la)
    later = propose_added(approve(propose_added(start, 1), 2), 3)
    step = book.refreshed(UNI_A, "la-approved", later.la, at(4))
    assert step.change.kind is LaCopyChangeKind.NEW_VERSION
    assert step.change.events == (LaVersionEvent.CHANGES_APPROVED, LaVersionEvent.PROPOSED)


def test_a_rejected_proposal_stays_rejected_until_a_new_one(demo: Dataset) -> None:
    pending = sending(demo, "la-changes-pending")
    proposal_id = pending.proposal_id
    assert proposal_id is not None
    book = holding(pending.la)
    rejected = book.commented(UNI_A, "la-changes-pending", proposal_id)
    copy = rejected.get(UNI_A, "la-changes-pending")
    assert copy is not None
    assert (copy.status, copy.commented_proposal_id) == (VersionStatus.REJECTED, proposal_id)
    held = book.get(UNI_A, "la-changes-pending")
    assert held is not None
    assert held.status is VersionStatus.AWAITING

    # the sender's CNR after our comment: the same document, still rejected
    same = rejected.refreshed(UNI_A, "la-changes-pending", pending.la, at(1))
    assert same.change.kind is LaCopyChangeKind.UNCHANGED
    assert same.change.after is not None
    assert same.change.after.status is VersionStatus.REJECTED

    # the sender makes a new proposal: the rejection no longer applies
    comment = pending.comment(proposal_id, "Full", signed("Receiving Coordinator", 1)).state
    tables = latest_tables(comment.la)
    fewer = dataclasses.replace(tables, components_studied=tables.components_studied[1:])
    renewed = comment.propose(
        fewer,
        student_signature=signed("Student", 2),
        sending_hei_signature=signed("Sending Coordinator", 2),
    ).state
    step = same.book.refreshed(UNI_A, "la-changes-pending", renewed.la, at(2))
    assert step.change.events == (LaVersionEvent.PROPOSED,)
    after = step.change.after
    assert after is not None
    assert (after.status, after.commented_proposal_id) == (VersionStatus.AWAITING, None)
    assert after.proposal_id == renewed.proposal_id != proposal_id


def test_commenting_another_proposal_than_the_one_held_is_stale(demo: Dataset) -> None:
    pending = sending(demo, "la-changes-pending")
    book = holding(pending.la)
    with pytest.raises(StaleProposalError) as stale:
        book.commented(UNI_A, "la-changes-pending", "not-the-id")
    assert (stale.value.expected, stale.value.got) == (pending.proposal_id, "not-the-id")
    with pytest.raises(LifecycleError, match="no copy"):
        book.commented(UNI_A, "la-unknown", "any")
    approved = holding(sending(demo, "la-approved").la)
    with pytest.raises(StaleProposalError) as none_pending:
        approved.commented(UNI_A, "la-approved", "any")
    assert none_pending.value.expected is None


def test_a_minor_amendment_is_amended_without_a_version_event(demo: Dataset) -> None:
    state = sending(demo, "la-approved")
    book = holding(state.la)
    amended = state.amend(dataclasses.replace(state.la, end_date=date(2027, 2, 14))).state
    step = book.refreshed(UNI_A, "la-approved", amended.la, at(1))
    assert step.change.kind is LaCopyChangeKind.AMENDED
    assert step.change.events == ()
    assert step.change.amendment is not None
    assert step.change.amendment.kind is AmendmentKind.MINOR
    assert step.change.after is not None
    assert step.change.after.la.end_date == date(2027, 2, 14)
    assert step.change.after.status is VersionStatus.APPROVED


def test_a_withdrawn_proposal_goes_back_to_the_approved_version(demo: Dataset) -> None:
    pending = sending(demo, "la-changes-pending")
    book = holding(pending.la)
    withdrawn = dataclasses.replace(pending.la, changes_proposal=None)
    step = book.refreshed(UNI_A, "la-changes-pending", withdrawn, at(1))
    assert step.change.kind is LaCopyChangeKind.NEW_VERSION
    assert step.change.events == (LaVersionEvent.PROPOSAL_WITHDRAWN,)
    assert step.change.after is not None
    assert step.change.after.status is VersionStatus.APPROVED


def test_an_unchanged_refetch_is_unchanged(demo: Dataset) -> None:
    state = sending(demo, "la-changes-approved")
    book = holding(state.la)
    step = book.refreshed(UNI_A, "la-changes-approved", state.la, at(1))
    assert step.change.kind is LaCopyChangeKind.UNCHANGED
    assert (step.change.events, step.change.amendment) == ((), None)
    held = step.book.get(UNI_A, "la-changes-approved")
    assert held is not None
    assert held.fetched_at == at(1)


def test_gone_and_unknown_ids(demo: Dataset) -> None:
    empty = ReceivedLaCopies()
    unknown = empty.refreshed(UNI_A, "la-never-seen", None, at(0))
    assert unknown.change.kind is LaCopyChangeKind.NOT_FOUND
    assert unknown.book is empty
    book = holding(sending(demo, "la-approved").la)
    gone = book.refreshed(UNI_A, "la-approved", None, at(1))
    assert gone.change.kind is LaCopyChangeKind.GONE
    assert gone.change.before == book.get(UNI_A, "la-approved")
    assert gone.book.get(UNI_A, "la-approved") is None
    assert gone.book.records() == ()


def test_an_la_of_another_mobility_or_sender_is_refused(demo: Dataset) -> None:
    la = sending(demo, "la-approved").la
    with pytest.raises(ConfigError, match="la-approved"):
        ReceivedLaCopies().refreshed(UNI_A, "la-amended", la, at(0))
    with pytest.raises(ConfigError, match=UNI_A):
        ReceivedLaCopies().refreshed(UNI_B, "la-approved", la, at(0))


# -------------------------------------------------------------------- stats


def test_stats_from_the_copies_match_the_senders_records(demo: Dataset) -> None:
    data = demo.hei(UNI_A)
    assert data is not None
    book = ReceivedLaCopies()
    for n, state in enumerate(data.las.values()):
        if state.status is VersionStatus.DRAFT:
            continue  # not served: a get does not return it
        book = book.refreshed(UNI_A, state.la.omobility_id, state.la, at(n)).book
        if state.rejection is not None:
            book = book.commented(UNI_A, state.la.omobility_id, state.rejection.proposal_id)
    (year,) = book.stats_response().academic_years
    assert (
        year.la_incoming_total,
        year.la_incoming_some_version_approved,
        year.la_incoming_latest_version_approved,
        year.la_incoming_latest_version_rejected,
        year.la_incoming_latest_version_awaiting,
    ) == (7, 5, 3, 2, 2)
    assert book.stats_response() == incoming_stats_response(demo.incoming_las(UNI_B))


def test_a_book_of_stored_records_gives_them_back(demo: Dataset) -> None:
    b_node = demo.only([UNI_B]).hei(UNI_B)
    assert b_node is not None
    stored = tuple(b_node.received_las.values())
    assert len(stored) == 7
    book = ReceivedLaCopies.of(stored, T0)
    assert sorted(book.records(), key=lambda r: r.la.omobility_id) == sorted(
        stored, key=lambda r: r.la.omobility_id
    )
    assert book.stats_response() == incoming_stats_response(stored)


# --------------------------------------------------------- official examples


def test_official_get_response_example(reference_pack: Path) -> None:
    path = reference_pack / "examples" / "omobility-las-v1" / "get-response-example.xml"
    if not path.is_file():
        pytest.skip(f"the official OMobility LAs get-response example is not at {path}")
    (la,) = decode(path.read_bytes(), LasGetResponse).las
    sender = la.sending_hei.hei_id
    step = ReceivedLaCopies().refreshed(sender, la.omobility_id, la, at(0))
    assert step.change.kind is LaCopyChangeKind.NEW
    assert step.change.events == (
        LaVersionEvent.FIRST_VERSION_APPROVED,
        LaVersionEvent.CHANGES_APPROVED,
        LaVersionEvent.PROPOSED,
    )
    copy = step.change.after
    assert copy is not None
    assert la.changes_proposal is not None
    assert (copy.status, copy.proposal_id) == (VersionStatus.AWAITING, la.changes_proposal.id)
    again = step.book.refreshed(sender, la.omobility_id, la, at(1))
    assert again.change.kind is LaCopyChangeKind.UNCHANGED
    gone = again.book.refreshed(sender, la.omobility_id, None, at(2))
    assert gone.change.kind is LaCopyChangeKind.GONE


#: What the receiving HEI's copy says after each step of the official scenario.
SCENARIO_STATUS = {
    1: VersionStatus.AWAITING,
    2: VersionStatus.REJECTED,
    3: VersionStatus.AWAITING,
    5: VersionStatus.APPROVED,
    6: VersionStatus.AWAITING,
    8: VersionStatus.AWAITING,
    9: VersionStatus.REJECTED,
    10: VersionStatus.AWAITING,
    12: VersionStatus.APPROVED,
}
#: The version events the fetch after each served step reports.
SCENARIO_EVENTS = {
    1: (LaVersionEvent.PROPOSED,),
    3: (LaVersionEvent.PROPOSED,),
    5: (LaVersionEvent.FIRST_VERSION_APPROVED,),
    6: (LaVersionEvent.PROPOSED,),
    8: (LaVersionEvent.CHANGES_APPROVED, LaVersionEvent.PROPOSED),
    10: (LaVersionEvent.PROPOSED,),
    12: (LaVersionEvent.CHANGES_APPROVED,),
}


def test_official_scenario_followed_by_the_receiving_copy(reference_pack: Path) -> None:
    """Each served step fetched as the sender serves it; our comments recorded on our side.

    Approvals (steps 04, 07, 11) leave nothing on our side: the sender's next
    document shows them.
    """
    folder = reference_pack / "examples" / "omobility-las-v1" / "example-scenario"
    if not folder.is_dir():
        pytest.skip(f"the official OLA example scenario is not at {folder}")
    base = header()
    sender, mobility = base.sending_hei.hei_id, base.omobility_id
    book = ReceivedLaCopies()
    seen_events: dict[int, tuple[LaVersionEvent, ...]] = {}
    seen_status: dict[int, VersionStatus] = {}
    for step in read_scenario(folder):
        if step.action is None:
            served = dataclasses.replace(
                base,
                first_version=step.first_version,
                approved_changes=step.approved_changes,
                changes_proposal=step.changes_proposal,
            )
            refreshed = book.refreshed(sender, mobility, served, at(step.number))
            book = refreshed.book
            seen_events[step.number] = refreshed.change.events
        elif step.action == "comment":
            assert step.proposal_id is not None
            book = book.commented(sender, mobility, step.proposal_id)
        else:
            continue
        copy = book.get(sender, mobility)
        assert copy is not None
        seen_status[step.number] = copy.status
    assert seen_events == SCENARIO_EVENTS
    assert seen_status == SCENARIO_STATUS
