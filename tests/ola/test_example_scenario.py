"""The official OLA example scenario (steps 01-12) replayed through :class:`SendingLa`.

At each step the sending HEI's document must hold the same first version,
approved changes and pending proposal as the example (components compared as
multisets: order carries no meaning), the latest version must be pending,
approved or commented as in the example, and every proposal must be
cumulative since the first version (steps 06-12). Reasons of changes already
proposed or approved are not given again: the builder must carry them over.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ewp_client.codec import decode, encode
from ewp_client.errors import StaleProposalError
from ewp_client.models import ChangesProposal, LasGetResponse, ListOfComponents
from ewp_client.ola import (
    ChangeReason,
    ComponentTables,
    SendingLa,
    VersionStatus,
    apply_changes,
    proposal_id,
)
from ewp_client.ola.proposal import TABLE_FIELDS, bare_component
from tests.ola.scenario_adapter import Step, read_scenario
from tests.ola.support import header, signatures_view, tables_view


@pytest.fixture(scope="module")
def steps(reference_pack: Path) -> list[Step]:
    found = read_scenario(reference_pack / "examples" / "omobility-las-v1" / "example-scenario")
    assert [s.number for s in found] == list(range(1, 13))
    return found


def _known_changes(snapshots: list[ListOfComponents | None]) -> set[tuple[str, object]]:
    return {
        (name, (c.status, bare_component(c)))
        for s in snapshots
        if s is not None
        for name in TABLE_FIELDS
        for c in (getattr(s, name).components if getattr(s, name) else ())
    }


def _propose(lc: SendingLa, proposal: ChangesProposal, first: ListOfComponents | None) -> SendingLa:
    """The sending HEI publishes the state the example's proposal describes."""
    if first is None:
        desired = ComponentTables.of(proposal)
        reasons: dict[object, ChangeReason] = {}
    else:
        desired = apply_changes(ComponentTables.of(first), proposal)
        known = _known_changes([lc.la.approved_changes, lc.la.changes_proposal])
        reasons = {
            bare_component(c): ChangeReason(c.known_reason_code, c.reason_text)
            for name in TABLE_FIELDS
            for c in (getattr(proposal, name).components if getattr(proposal, name) else ())
            if (name, (c.status, bare_component(c))) not in known
        }
    return lc.propose(
        desired,
        student_signature=proposal.student_signature,
        sending_hei_signature=proposal.sending_hei_signature,
        reasons=reasons,  # type: ignore[arg-type]
    ).state


def _assert_served(lc: SendingLa, step: Step) -> None:
    la = lc.la
    assert tables_view(la.first_version) == tables_view(step.first_version), step.name
    assert signatures_view(la.first_version) == signatures_view(step.first_version), step.name
    assert tables_view(la.approved_changes) == tables_view(step.approved_changes), step.name
    assert signatures_view(la.approved_changes) == signatures_view(step.approved_changes)
    assert tables_view(la.changes_proposal) == tables_view(step.changes_proposal), step.name
    assert signatures_view(la.changes_proposal) == signatures_view(step.changes_proposal)
    if la.changes_proposal is not None:
        assert la.changes_proposal.id == proposal_id(la.changes_proposal)
    # What the sending HEI serves is a valid get response (encode validates) and reads back.
    document = encode(LasGetResponse(las=(la,)))
    assert decode(document, LasGetResponse).las == (la,)


EXPECTED_STATUS = {
    1: VersionStatus.AWAITING,
    2: VersionStatus.REJECTED,
    3: VersionStatus.AWAITING,
    4: VersionStatus.APPROVED,
    5: VersionStatus.APPROVED,
    6: VersionStatus.AWAITING,
    7: VersionStatus.APPROVED,
    8: VersionStatus.AWAITING,
    9: VersionStatus.REJECTED,
    10: VersionStatus.AWAITING,
    11: VersionStatus.APPROVED,
    12: VersionStatus.APPROVED,
}


def test_scenario_replays_through_the_lifecycle(
    steps: list[Step], figures: Callable[[str], None]
) -> None:
    lc = SendingLa.draft(header())
    ours: dict[str, str] = {}  # the example's arbitrary ids -> the ids we derive
    replayed = 0
    try:
        for step in steps:
            if step.action is None:
                assert step.changes_proposal is not None or step.first_version is not None
                if step.changes_proposal is not None and step.changes_proposal.id not in ours:
                    lc = _propose(lc, step.changes_proposal, step.first_version)
                    assert lc.proposal_id is not None
                    ours[step.changes_proposal.id] = lc.proposal_id
                _assert_served(lc, step)
            else:
                assert step.proposal_id is not None
                assert step.signature is not None
                current = ours[step.proposal_id]
                assert lc.proposal_id == current, f"{step.name} answers the pending proposal"
                if step.action == "approve":
                    lc = lc.approve(current, step.signature).state
                else:
                    assert step.comment is not None
                    lc = lc.comment(current, step.comment, step.signature).state
                    assert lc.rejection is not None
                    assert lc.rejection.comment == step.comment
            assert lc.status is EXPECTED_STATUS[step.number], step.name
            replayed += 1
    finally:
        figures(f"OLA example scenario steps replayed: {replayed}/{len(steps)}")
    assert len(steps) == 12
    assert replayed == len(steps)


def test_scenario_proposals_are_cumulative_and_replace_the_old_id(steps: list[Step]) -> None:
    """Steps 08 and 10 list every change since the first version; 08's id goes stale at 10."""
    lc = SendingLa.draft(header())
    ids: dict[int, str] = {}
    for step in steps:
        if step.action is None and step.changes_proposal is not None:
            earlier = steps[: step.number - 1]
            if any(s.changes_proposal == step.changes_proposal for s in earlier):
                continue
            lc = _propose(lc, step.changes_proposal, step.first_version)
            assert lc.proposal_id is not None
            ids[step.number] = lc.proposal_id
        elif step.action is not None and step.signature is not None:
            pending = lc.proposal_id
            assert pending is not None
            if step.number == 11:
                with pytest.raises(StaleProposalError) as stale:
                    lc.approve(ids[8], step.signature)
                assert (stale.value.expected, stale.value.got) == (ids[10], ids[8])
            if step.action == "approve":
                lc = lc.approve(pending, step.signature).state
            else:
                lc = lc.comment(pending, step.comment or "", step.signature).state
    assert len(set(ids.values())) == len(ids) == 5
    # 08 cancelled 06's insertion of "Advanced Databases": it is in no final table.
    final = lc.la.approved_changes
    assert final is not None
    assert final.components_studied is not None
    titles = {c.title for c in final.components_studied.components}
    assert "Advanced Databases" not in titles
    assert "Advanced Functional Programming" in titles  # deleted in 06, still listed in 12
