"""The LA rows (OMobility LAs get and update, LA CNR) and the rows every answer can show
(schema, error responses), through the library's clients."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ewp_client.client import LasClient
from ewp_client.error_response import render_error_response
from ewp_client.errors import (
    AlreadyApplied,
    BadRequest,
    EditConflict,
    ErrorResponseOn200,
    InvalidValueFormat,
    LaApprovalRegressed,
    LaUpdateError,
    MalformedErrorResponse,
    MissingCnrAfterUpdate,
    RequiredElementMissing,
    SchemaValidationError,
    StudentNameMissing,
    UnknownIdNotIgnored,
    UnstableChangesProposalId,
)
from ewp_client.ola.consistency import missing_cnr_after_update
from tests.client.test_client_core import ECHO, echo_handler
from tests.client.test_las import (
    SIGNER,
    Partner,
    approve_in_partner,
    approved,
    commented,
    conflict_after,
    la,
)
from tests.known_issues.support import caught, client, no_ewp_warnings
from tests.support.network import PARTNER, Network


def las(net: Network, partner: Partner) -> LasClient:
    return LasClient(client(net, partner))


# ------------------------------------------------------------ la-changes-proposal-id-unstable


def test_a_fresh_proposal_id_on_every_read_is_unstable(net: Network) -> None:
    partner = Partner(la(proposal_id="p-1"))
    reader = las(net, partner)
    with no_ewp_warnings():
        reader.get_one(PARTNER, "om-0001")
        reader.get_one(PARTNER, "om-0001")  # read again, unchanged: fine
    partner.las["om-0001"] = la(proposal_id="p-2")  # same content, a new id
    with pytest.warns(UnstableChangesProposalId) as records:
        reader.get_one(PARTNER, "om-0001")
    (warning,) = caught(records, UnstableChangesProposalId)
    assert warning.known_issue == "la-changes-proposal-id-unstable"
    assert (warning.omobility_id, warning.first_id, warning.second_id) == ("om-0001", "p-1", "p-2")
    assert warning.content_changed is False


def test_a_proposal_id_kept_after_its_content_changed_is_unstable(net: Network) -> None:
    partner = Partner(la(proposal_id="p-1"))
    reader = las(net, partner)
    reader.get_one(PARTNER, "om-0001")
    before = partner.las["om-0001"]
    assert before.changes_proposal is not None
    edited = dataclasses.replace(before.changes_proposal, components_studied=None)
    partner.las["om-0001"] = dataclasses.replace(before, changes_proposal=edited)
    with pytest.warns(UnstableChangesProposalId) as records:
        reader.get_one(PARTNER, "om-0001")
    (warning,) = caught(records, UnstableChangesProposalId)
    assert (warning.first_id, warning.second_id, warning.content_changed) == ("p-1", "p-1", True)
    partner.las["om-0001"] = dataclasses.replace(
        before, changes_proposal=dataclasses.replace(before.changes_proposal, id="p-3")
    )
    with no_ewp_warnings():  # content and id changed together: as the spec wants
        reader.get_one(PARTNER, "om-0001")


# ------------------------------------------------------------ la-update-409-conflict


def test_la_update_409_conflict_after_the_approval_was_applied(net: Network) -> None:
    partner = Partner(la())
    partner.on_update = conflict_after(approve_in_partner)
    with pytest.raises(AlreadyApplied) as info:
        las(net, partner).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert isinstance(info.value.error, EditConflict)
    assert info.value.error.known_issue == "la-update-409-conflict"
    assert info.value.status == 409


def test_la_update_409_conflict_without_the_approval(net: Network) -> None:
    partner = Partner(la())
    partner.on_update = conflict_after(lambda p: None)
    with pytest.raises(LaUpdateError) as info:
        las(net, partner).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert not isinstance(info.value, AlreadyApplied)
    assert info.value.error.known_issue == "la-update-409-conflict"


def test_an_approval_overwritten_by_a_later_409_is_a_warning(net: Network) -> None:
    partner = Partner(approved(la(), SIGNER))
    reader = las(net, partner)
    reader.get_one(PARTNER, "om-0001")
    partner.las["om-0001"] = la()  # the first-version alone again, the approval gone
    with pytest.warns(LaApprovalRegressed) as records:
        reader.get_one(PARTNER, "om-0001")
    (warning,) = caught(records, LaApprovalRegressed)
    assert (warning.known_issue, warning.omobility_id) == ("la-update-409-conflict", "om-0001")


# ------------------------------------------------------------ la-student-family-name-missing


def test_la_student_family_name_missing(net: Network) -> None:
    agreement = la()
    nameless = dataclasses.replace(
        agreement, student=dataclasses.replace(agreement.student, family_name=None)
    )
    with pytest.warns(StudentNameMissing) as records:
        (read,) = las(net, Partner(nameless)).get(PARTNER, ["om-0001"])
    assert read.omobility_id == "om-0001"  # the LA is still read
    (warning,) = caught(records, StudentNameMissing)
    assert warning.known_issue == "la-student-family-name-missing"
    assert (warning.omobility_id, warning.field) == ("om-0001", "family-name")
    assert warning.path.endswith("/student/family-name")
    assert agreement.student.given_names not in str(warning)  # no student data in the message
    with no_ewp_warnings():
        las(net, Partner(agreement)).get(PARTNER, ["om-0001"])


# ------------------------------------------------------------ unknown-ids-not-ignored (LAs)


def test_an_la_get_answering_404_for_an_unknown_id_reads_it_as_absent(net: Network) -> None:
    partner = Partner(la())
    partner.fail_first["get"] = [404]
    with pytest.warns(UnknownIdNotIgnored) as records:
        assert las(net, partner).get(PARTNER, ["om-9999"]) == ()
    (warning,) = caught(records, UnknownIdNotIgnored)
    assert (warning.api, warning.ids, warning.status) == ("omobility-las", ("om-9999",), 404)
    assert warning.developer_message == "failure 404"


# ------------------------------------------------------------ la-cnr-missing-after-update


def test_la_cnr_missing_after_update() -> None:
    updated = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    found = missing_cnr_after_update(
        sending_hei_id=PARTNER,
        omobility_id="om-0001",
        updated_at=updated,
        last_cnr_at=updated - timedelta(days=1),
        now=updated + timedelta(minutes=30),
        wait=900,
    )
    assert isinstance(found, MissingCnrAfterUpdate)
    assert (found.known_issue, found.omobility_id, found.waited) == (
        "la-cnr-missing-after-update",
        "om-0001",
        1800,
    )
    common = {"sending_hei_id": PARTNER, "omobility_id": "om-0001", "updated_at": updated}
    assert (
        missing_cnr_after_update(  # still waiting
            **common, last_cnr_at=None, now=updated + timedelta(minutes=5), wait=900
        )
        is None
    )
    assert (
        missing_cnr_after_update(  # the CNR came
            **common,
            last_cnr_at=updated + timedelta(seconds=20),
            now=updated + timedelta(hours=1),
            wait=900,
        )
        is None
    )


# ------------------------------------------------------------ error-response-malformed


def test_error_response_malformed_is_classified_by_status_with_a_warning(net: Network) -> None:
    def html(request: httpx.Request) -> httpx.Response:
        page = b"<html><body><h1>400 Bad Request</h1></body></html>"
        return httpx.Response(400, content=page, headers={"Content-Type": "text/html"})

    with pytest.warns(MalformedErrorResponse) as records, pytest.raises(BadRequest):
        client(net, html).call(ECHO)
    (warning,) = caught(records, MalformedErrorResponse)
    assert warning.known_issue == "error-response-malformed"
    assert (warning.status, warning.content_type, warning.defect) == (
        400,
        "text/html",
        "not-error-response",
    )
    assert warning.excerpt.startswith("<html><body><h1>400 Bad Request")


def test_an_error_response_without_developer_message_is_malformed(net: Network) -> None:
    def bare(request: httpx.Request) -> httpx.Response:
        body = re.sub(
            rb"<developer-message>[^<]*</developer-message>", b"", render_error_response("x")
        )
        return httpx.Response(400, content=body, headers={"Content-Type": "text/xml"})

    with pytest.warns(MalformedErrorResponse) as records, pytest.raises(BadRequest):
        client(net, bare).call(ECHO)
    assert [w.defect for w in caught(records, MalformedErrorResponse)] == ["no-developer-message"]
    with no_ewp_warnings(), pytest.raises(BadRequest):
        client(net, lambda r: httpx.Response(400, content=render_error_response("x"))).call(ECHO)


def test_an_error_response_sent_with_200_is_an_error(net: Network) -> None:
    def dressed_as_success(request: httpx.Request) -> httpx.Response:
        body = render_error_response("no such echo")
        return httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})

    with pytest.raises(ErrorResponseOn200) as info:
        client(net, dressed_as_success).call(ECHO)
    error = info.value
    assert (error.known_issue, error.status, error.developer_message) == (
        "error-response-malformed",
        200,
        "no such echo",
    )


# ------------------------------------------------------------ schema-required-field-missing


def test_schema_required_field_missing(net: Network) -> None:
    partner = Partner(la())
    no_id = _rewriting(partner, rb"<omobility-id>[^<]*</omobility-id>", b"")
    with client(net, no_id) as c, pytest.raises(RequiredElementMissing) as info:
        LasClient(c).get(PARTNER, ["om-0001"])
    error = info.value
    assert isinstance(error, SchemaValidationError)
    assert error.known_issue == "schema-required-field-missing"
    assert error.path == "/omobility-las-get-response/la[1]"
    assert "omobility-id" in error.missing
    assert error.violations[0].line is not None


# ------------------------------------------------------------ invalid-value-format


def test_invalid_value_format(net: Network) -> None:
    partner = Partner(la())
    bad_email = _rewriting(partner, rb"<email>marta@example\.org<", b"<email>marta at example.org<")
    with client(net, bad_email) as c, pytest.raises(InvalidValueFormat) as info:
        LasClient(c).get(PARTNER, ["om-0001"])
    error = info.value
    assert error.known_issue == "invalid-value-format"
    assert error.fields
    assert all(f.endswith("/email[1]") for f in error.fields)
    assert "marta at example.org" in error.violations[0].message
    with no_ewp_warnings(), client(net, echo_handler) as c:
        c.call(ECHO)


def _rewriting(partner: Partner, pattern: bytes, replacement: bytes) -> Partner:
    """``partner`` whose get answers have ``pattern`` replaced (before being signed)."""

    class Rewriting(Partner):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            answer = partner(request)
            body = re.sub(pattern, replacement, answer.content, count=1)
            return httpx.Response(answer.status_code, content=body, headers=answer.headers)

    return Rewriting()


def test_our_comment_recorded_on_the_same_proposal_is_not_an_unstable_id(net: Network) -> None:
    partner = Partner(la(proposal_id="p-1"))
    reader = las(net, partner)
    reader.get_one(PARTNER, "om-0001")
    partner.las["om-0001"] = commented(partner.las["om-0001"], SIGNER)
    with no_ewp_warnings():
        reader.get_one(PARTNER, "om-0001")
