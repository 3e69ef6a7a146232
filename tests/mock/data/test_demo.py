"""The built-in demo data: schema-valid documents, verified hashes, every IIA and LA state."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

import ewp_client
from ewp_client.codec import encode
from ewp_client.iia import (
    ApprovalState,
    approval_status,
    check_approvable,
    compute_iia_hashes,
    served_hash,
)
from ewp_client.iia.approval import approval_response
from ewp_client.models import (
    AccessibilityType,
    ComponentStatus,
    FactsheetResponse,
    IiasGetResponse,
    InstitutionsResponse,
    LasGetResponse,
    OunitsResponse,
    ReasonCode,
)
from ewp_client.ola import (
    VersionStatus,
    incoming_stats_response,
    proposal_id,
    stats_response,
)
from ewp_mock.data import UNI_A, UNI_B, Dataset, HeiData, demo_dataset
from tests.conformance import reference


def _hei(data: Dataset, hei_id: str) -> HeiData:
    hei = data.hei(hei_id)
    assert hei is not None
    return hei


def _documents(data: Dataset) -> list[tuple[str, bytes]]:
    """Every document the demo data makes a route serve, each HEI's in full."""
    out = []
    for hei_id, hei in data.heis.items():
        served = tuple(s.iia for s in hei.iias.served.values())
        snapshots = tuple(
            s.last_approved.iia for s in hei.iias.served.values() if s.last_approved is not None
        )
        partners = {r.partner_hei_id for r in hei.approvals}
        out += [
            (f"{hei_id} institution", encode(InstitutionsResponse(heis=(hei.institution,)))),
            (f"{hei_id} ounits", encode(OunitsResponse(ounits=hei.ounits))),
            (f"{hei_id} iias", encode(IiasGetResponse(iias=served))),
            (f"{hei_id} snapshots", encode(IiasGetResponse(iias=snapshots))),
            (f"{hei_id} las", encode(LasGetResponse(las=tuple(s.la for s in hei.las.values())))),
        ]
        if hei.factsheet is not None:
            out.append(
                (f"{hei_id} factsheet", encode(FactsheetResponse(factsheets=(hei.factsheet,))))
            )
        for partner in sorted(partners):
            ids = [r.iia_id for r in hei.approvals_for(partner)]
            response = approval_response(hei.approvals, ids, caller_hei_id=partner)
            out.append((f"{hei_id} approvals for {partner}", encode(response)))
    return out


def test_the_demo_data_is_the_same_at_every_call() -> None:
    assert demo_dataset() == demo_dataset()
    assert demo_dataset().hei_ids == (UNI_A, UNI_B)


def test_every_document_of_the_demo_data_is_schema_valid() -> None:
    documents = _documents(demo_dataset())

    assert len(documents) == 14
    for _name, xml in documents:
        ewp_client.validate(xml)  # raises SchemaValidationError naming the violation


def test_every_document_of_the_demo_data_is_valid_against_the_official_schemas(
    reference_pack: Path,
) -> None:
    invalid = []
    for name, xml in _documents(demo_dataset()):
        root = etree.fromstring(xml)
        namespace = etree.QName(root).namespace
        assert namespace is not None
        if not reference.official_schema(namespace).is_valid(root):
            invalid.append(name)
    assert invalid == []


def test_every_served_iia_declares_the_hash_the_official_kit_computes_for_it_alone() -> None:
    for hei in demo_dataset().heis.values():
        for iia_id, state in hei.iias.served.items():
            (result,) = compute_iia_hashes(encode(IiasGetResponse(iias=(state.iia,))))
            assert result.iia_id == iia_id
            assert result.declared_hash == result.sha256 == state.iia_hash
            assert result.valid_for_approval


def test_a_response_holding_the_terminated_iia_changes_the_other_iias_hashes() -> None:
    # the kit prefixes every IIA's text when one IIA of the response is terminated as a whole;
    # this is why the routes declare each IIA's hash computed alone, never in a batch
    served = _hei(demo_dataset(), UNI_A).iias.served
    together = compute_iia_hashes(
        encode(IiasGetResponse(iias=(served["a-iia-4"].iia, served["a-iia-6"].iia)))
    )

    assert together[0].sha256 != served["a-iia-4"].iia_hash
    assert together[1].sha256 == served["a-iia-6"].iia_hash


# (partner approved our copy as served, we approved theirs, mutually approved once,
#  served as approved, terminated as a whole)
IIA_STATES = {
    "a-iia-1": (False, False, False, False, False),  # unmapped
    "a-iia-2": (False, False, False, False, False),  # mapped, approved by nobody
    "a-iia-3": (True, False, False, False, False),  # approved by the partner only
    "a-iia-4": (True, True, True, True, False),  # approved by both
    "a-iia-5": (False, False, True, False, False),  # modified after approval
    "a-iia-6": (False, False, True, False, True),  # terminated as a whole
}


def test_uni_a_serves_an_iia_in_every_state() -> None:
    book = _hei(demo_dataset(), UNI_A).iias

    states = {
        iia_id: (
            s.partner_approved_hash == s.iia_hash,
            s.partner_hash is not None,
            s.was_mutually_approved,
            s.approved_as_served,
            s.terminated_as_a_whole,
        )
        for iia_id, s in book.served.items()
    }

    assert states == IIA_STATES
    assert book.retired == {"a-iia-7"}
    assert book.served["a-iia-1"].iia.partners[1].iia_id is None
    assert all(s.iia.partners[1].iia_id for i, s in book.served.items() if i != "a-iia-1")


def test_a_modified_iia_keeps_the_approved_snapshot_the_partners_approval_quotes() -> None:
    data = demo_dataset()
    state = _hei(data, UNI_A).iias.served["a-iia-5"]
    (b_record,) = [r for r in _hei(data, UNI_B).approvals if r.iia_id == "a-iia-5"]

    assert state.last_approved is not None
    assert state.last_approved.iia_hash == served_hash(state.last_approved.iia)
    assert b_record.iia_hash == state.last_approved.iia_hash == state.partner_approved_hash
    assert state.iia_hash != state.last_approved.iia_hash


def test_the_partners_approvals_judged_against_the_copies_served() -> None:
    data = demo_dataset()
    ours = {i: s.iia_hash for i, s in _hei(data, UNI_A).iias.served.items()}
    b_approvals = [r.approval() for r in _hei(data, UNI_B).approvals_for(UNI_A)]

    status = {i: p.state for i, p in approval_status(ours, b_approvals).items()}

    assert status == {
        "a-iia-1": ApprovalState.NONE,
        "a-iia-2": ApprovalState.NONE,
        "a-iia-3": ApprovalState.CURRENT,
        "a-iia-4": ApprovalState.CURRENT,
        "a-iia-5": ApprovalState.OLDER,
        "a-iia-6": ApprovalState.OLDER,
    }
    a_approved = sorted(r.iia_id for r in _hei(data, UNI_A).approvals_for(UNI_B))
    assert a_approved == ["b-iia-4", "b-iia-5", "b-iia-6"]


def test_every_mapped_copy_may_be_approved_by_its_partner() -> None:
    data = demo_dataset()
    for hei in data.heis.values():
        for iia_id, state in hei.iias.served.items():
            if iia_id == "a-iia-1":
                continue
            xml = encode(IiasGetResponse(iias=(state.iia,)))
            assert check_approvable(xml).sha256 == state.iia_hash


LA_STATES = {
    "la-draft": VersionStatus.DRAFT,
    "la-awaiting": VersionStatus.AWAITING,
    "la-rejected": VersionStatus.REJECTED,
    "la-approved": VersionStatus.APPROVED,
    "la-amended": VersionStatus.APPROVED,
    "la-changes-pending": VersionStatus.AWAITING,
    "la-changes-rejected": VersionStatus.REJECTED,
    "la-changes-approved": VersionStatus.APPROVED,
}


def test_uni_a_sends_an_la_in_every_lifecycle_state() -> None:
    data = demo_dataset()
    las = _hei(data, UNI_A).las

    assert {i: s.status for i, s in las.items()} == LA_STATES
    assert {i: s.status for i, s in _hei(data, UNI_B).las.items()} == {
        "la-b-approved": VersionStatus.APPROVED
    }
    assert las["la-changes-approved"].la.approved_changes is not None
    assert las["la-changes-pending"].la.first_version is not None


def test_proposal_ids_are_the_librarys_and_rejections_name_the_current_proposal() -> None:
    for hei in demo_dataset().heis.values():
        for state in hei.las.values():
            proposal = state.la.changes_proposal
            if proposal is not None:
                assert proposal.id == proposal_id(proposal)
            if state.rejection is not None:
                assert state.rejection.proposal_id == state.proposal_id
                assert state.rejection.comment.strip()


def test_the_pending_changes_proposal_inserts_a_component_with_its_reason() -> None:
    la = _hei(demo_dataset(), UNI_A).las["la-changes-pending"].la
    assert la.changes_proposal is not None

    changes = [
        (c.title, c.status, c.reason_code)
        for _, components in la.changes_proposal.tables()
        for c in components
    ]

    assert changes == [("Robotics Lab", ComponentStatus.INSERTED, ReasonCode.EXTENDING_MOBILITY)]


def test_the_minor_amendment_changed_the_end_date_and_took_no_new_proposal() -> None:
    las = _hei(demo_dataset(), UNI_A).las
    approved, amended = las["la-approved"].la, las["la-amended"].la

    assert (approved.end_date, amended.end_date) == (date(2027, 1, 31), date(2027, 2, 14))
    assert (amended.approved_changes, amended.changes_proposal) == (None, None)
    assert amended.first_version is not None
    assert approved.first_version is not None
    signed = amended.first_version.receiving_hei_signature
    assert signed == approved.first_version.receiving_hei_signature


def test_las_stats_count_each_state_once() -> None:
    data = demo_dataset()

    (outgoing,) = stats_response(data.outgoing_las(UNI_A)).academic_years
    (incoming,) = incoming_stats_response(data.incoming_las(UNI_B)).academic_years

    assert outgoing.receiving_academic_year_id == "2026/2027"
    assert (
        outgoing.la_outgoing_total,
        outgoing.la_outgoing_not_modified_after_approval,
        outgoing.la_outgoing_modified_after_approval,
        outgoing.la_outgoing_latest_version_approved,
        outgoing.la_outgoing_latest_version_rejected,
        outgoing.la_outgoing_latest_version_awaiting,
    ) == (7, 2, 3, 3, 2, 2)
    assert (
        incoming.la_incoming_total,
        incoming.la_incoming_some_version_approved,
        incoming.la_incoming_latest_version_rejected,
    ) == (7, 5, 2)
    assert [r.la.omobility_id for r in data.incoming_las(UNI_A)] == ["la-b-approved"]


@pytest.mark.parametrize("hei_id", [UNI_A, UNI_B])
def test_each_hei_has_units_with_contacts_for_both_flows(hei_id: str) -> None:
    hei = _hei(demo_dataset(), hei_id)
    roles = {
        r.value.split(":")[0]
        for unit in hei.ounits
        for contact in unit.contacts
        for r in contact.role_descriptions
    }

    assert {"incoming", "outgoing"} <= roles
    assert hei.institution.ounit_ids == tuple(u.ounit_id for u in hei.ounits)
    assert hei.institution.root_ounit_id == hei.ounits[0].ounit_id


@pytest.mark.parametrize("hei_id", [UNI_A, UNI_B])
def test_each_hei_has_a_complete_factsheet(hei_id: str) -> None:
    sheet = _hei(demo_dataset(), hei_id).factsheet
    assert sheet is not None
    calendar = sheet.calendar
    deadlines = [
        calendar.student_nominations.autumn_term,
        calendar.student_nominations.spring_term,
        calendar.student_applications.autumn_term,
        calendar.student_applications.spring_term,
    ]
    infos = [sheet.application_info, sheet.housing_info, sheet.visa_info, sheet.insurance_info]
    infos += [a.information for a in sheet.accessibility] + [a.info for a in sheet.additional_info]

    assert sheet.hei_id == hei_id
    assert all(d.startswith("--") for d in deadlines)
    # nominations close before the applications of the same term
    assert deadlines[0] < deadlines[2]
    assert deadlines[1] < deadlines[3]
    assert 0 < sheet.decision_weeks_limit <= 5
    assert 0 < sheet.tor_weeks_limit <= 5
    assert {r.name for r in sheet.additional_requirements} >= {"Language certificate"}
    assert sheet.accessibility
    assert sheet.additional_info
    assert AccessibilityType.SERVICE in {a.type for a in sheet.accessibility}
    for info in infos:
        assert info.email.endswith(f"@{hei_id}")
        assert info.phone_number.e164 is not None
        assert {u.lang for u in info.website_urls} >= {"en"}
        assert all(u.value.startswith(f"https://{hei_id}/") for u in info.website_urls)
