"""The OMobility LAs ``update`` endpoint as a sans-I/O answer over an in-memory repository.

Every rule of ``ewp_client.server.la_update``: what is applied (approve, comment), what
is a 409 (stale proposal, a repeat, a decided proposal, a lost race), a 400 (unknown or
forbidden LA, bad XML, invalid request, incomplete signature, blended or doctoral
proposals after the first version) or a 415, each asserted by status and by the
``error-response`` a client would read.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree

from ewp_client.codec import decode, encode
from ewp_client.error_response import parse_error_response
from ewp_client.errors import EwpError
from ewp_client.models import (
    ApproveProposalV1,
    CommentProposalV1,
    LasUpdateRequest,
    LasUpdateResponse,
    Signature,
)
from ewp_client.namespaces import COMMON_NS, LAS_UPDATE_RESPONSE_NS
from ewp_client.ola import ComponentTables, SendingLa, VersionStatus, build_changes_proposal
from ewp_client.server import (
    Answer,
    Caller,
    InMemoryLaRepository,
    WritableLaRepository,
    answer_las_update,
    apply_las_update,
    error_answer,
    read_update_request,
)
from ewp_client.server.la_update import STALE_USER_MESSAGE
from ewp_client.xml import validate
from tests.conformance import reference
from tests.ola.rich_la import row
from tests.ola.support import header

SENDING = "sending.example.org"
RECEIVING = "receiving.example.org"
OMOBILITY = "om-0001"
RECEIVER = Caller("receiver-key", frozenset({RECEIVING}))
WHEN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
A1, A2, B1, LAB = row("Algebra"), row("Geometry"), row("Analysis"), row("Robotics Lab")
FIRST = ComponentTables(components_studied=(A1, A2), components_recognized=(B1,))
SIGNED = {
    "student_signature": Signature(timestamp=WHEN),
    "sending_hei_signature": Signature(
        signer_name="Marta Quill",
        signer_position="Coordinator",
        signer_email="marta@sending.example.org",
        timestamp=WHEN,
    ),
}


def signer(minute: int = 0, *, without: str | None = None) -> Signature:
    """The receiving HEI's signature (``without``: that field left out)."""
    signature = Signature(
        signer_name="Jonas Berg",
        signer_position="Erasmus+ coordinator",
        signer_email="jonas@receiving.example.org",
        timestamp=WHEN.replace(minute=minute),
        signer_app="test-suite",
    )
    blank: dict[str, Any] = {} if without is None else {without: None}
    return dataclasses.replace(signature, **blank)


def awaiting(tables: ComponentTables = FIRST) -> SendingLa:
    """The first proposal, awaiting the receiving HEI."""
    return SendingLa.draft(header()).propose(tables, **SIGNED).state  # type: ignore[arg-type]


def approved(tables: ComponentTables = FIRST) -> SendingLa:
    state = awaiting(tables)
    assert state.proposal_id is not None
    return state.approve(state.proposal_id, signer(1)).state


def changes_pending() -> SendingLa:
    """Approved, then a changes-proposal adding a component, awaiting."""
    tables = dataclasses.replace(FIRST, components_studied=(A1, A2, LAB))
    return approved().propose(tables, **SIGNED).state  # type: ignore[arg-type]


def store(*records: SendingLa) -> InMemoryLaRepository:
    return InMemoryLaRepository({SENDING: records})


def approve(proposal_id: str | None, *, signature: Signature | None = None) -> LasUpdateRequest:
    return LasUpdateRequest(
        sending_hei_id=SENDING,
        action=ApproveProposalV1(
            omobility_id=OMOBILITY,
            changes_proposal_id=proposal_id or "none",
            signature=signature or signer(),
        ),
    )


def approve_for(omobility_id: str) -> LasUpdateRequest:
    request = approve("any")
    return dataclasses.replace(
        request, action=dataclasses.replace(request.action, omobility_id=omobility_id)
    )


def comment(proposal_id: str | None, text: str = "Geometry is full; pick another.") -> bytes:
    return encode(
        LasUpdateRequest(
            sending_hei_id=SENDING,
            action=CommentProposalV1(
                omobility_id=OMOBILITY,
                changes_proposal_id=proposal_id or "none",
                comment=text,
                signature=signer(),
            ),
        ),
        validate_output=False,
    )


def answer(
    repository: WritableLaRepository,
    body: bytes | LasUpdateRequest,
    *,
    caller: Caller = RECEIVER,
    content_type: str | None = "text/xml; charset=utf-8",
) -> Answer:
    """What the endpoint answers: the success, or the refusal rendered as the middleware does."""
    data = body if isinstance(body, bytes) else encode(body)
    try:
        return answer_las_update(repository, caller=caller, body=data, content_type=content_type)
    except EwpError as error:
        return error_answer(error)


def refusal(given: Answer, status: int) -> tuple[str, str | None]:
    """The developer and user messages of an error answer of ``status`` (a valid document)."""
    assert given.status == status, given.body
    validate(given.body)
    messages = parse_error_response(given.body)
    assert messages.developer is not None
    return messages.developer, messages.user


def success(given: Answer) -> str:
    assert given.status == 200, given.body
    response = decode(given.body, LasUpdateResponse)  # schema-validated
    (message,) = response.success_user_messages
    return message.value


def stored(repository: InMemoryLaRepository) -> SendingLa:
    found = repository.find(SENDING, OMOBILITY)
    assert found is not None
    return found


# ------------------------------------------------------------------ applied


def test_approving_the_first_proposal_makes_it_the_signed_first_version() -> None:
    before = awaiting()
    repository = store(before)
    said = success(answer(repository, approve(before.proposal_id)))
    assert "approved" in said
    after = stored(repository)
    assert after.status is VersionStatus.APPROVED
    assert after.la.changes_proposal is None
    first = after.la.first_version
    assert first is not None
    assert first.receiving_hei_signature == signer()
    assert ComponentTables.of(first) == FIRST


def test_approving_a_changes_proposal_makes_it_the_approved_changes() -> None:
    before = changes_pending()
    repository = store(before)
    outcome = apply_las_update(repository, caller=RECEIVER, request=approve(before.proposal_id))
    after = stored(repository)
    assert after.la.first_version == before.la.first_version
    changes = after.la.approved_changes
    assert changes is not None
    assert changes.receiving_hei_signature == signer()
    assert changes.components_studied is not None
    assert [c.title for c in changes.components_studied.components] == ["Robotics Lab"]
    assert outcome.transition.state == after
    assert [n.omobility_id for n in outcome.transition.notifications] == [OMOBILITY]
    assert outcome.answer.status == 200


def test_a_comment_is_recorded_as_the_rejection_and_the_document_stays() -> None:
    before = awaiting()
    repository = store(before)
    said = success(answer(repository, comment(before.proposal_id, "Geometry is full.")))
    assert "comment" in said
    after = stored(repository)
    assert after.status is VersionStatus.REJECTED
    assert after.rejection is not None
    assert after.rejection.comment == "Geometry is full."
    assert after.rejection.proposal_id == before.proposal_id
    assert after.rejection.signature == signer()
    assert after.la == before.la


def test_the_sending_hei_id_compares_case_insensitively() -> None:
    before = awaiting()
    repository = store(before)
    request = dataclasses.replace(approve(before.proposal_id), sending_hei_id=SENDING.upper())
    success(answer(repository, request))
    assert stored(repository).status is VersionStatus.APPROVED


# ---------------------------------------------------------------------- 409


def test_a_stale_changes_proposal_id_is_409_with_a_user_message() -> None:
    before = changes_pending()
    repository = store(before)
    developer, user = refusal(answer(repository, approve("an-older-proposal")), 409)
    assert "'an-older-proposal' is not the current proposal" in developer
    assert repr(before.proposal_id) in developer
    assert user == STALE_USER_MESSAGE
    assert stored(repository) == before


def test_a_repeat_of_an_applied_approval_is_409_saying_it_is_already_approved() -> None:
    before = awaiting()
    repository = store(before)
    request = approve(before.proposal_id)
    success(answer(repository, request))
    after = stored(repository)
    developer, user = refusal(answer(repository, request), 409)
    assert "none is pending" in developer
    assert user is not None
    assert "already been approved" in user
    assert stored(repository) == after


def test_an_approval_by_another_signer_of_an_approved_proposal_is_an_ordinary_409() -> None:
    before = awaiting()
    repository = store(before)
    success(answer(repository, approve(before.proposal_id)))
    other = approve(before.proposal_id, signature=signer(30))
    _, user = refusal(answer(repository, other), 409)
    assert user == STALE_USER_MESSAGE


def test_deciding_on_a_commented_proposal_again_is_409() -> None:
    before = awaiting()
    repository = store(before)
    success(answer(repository, comment(before.proposal_id)))
    after = stored(repository)
    for again in (comment(before.proposal_id), approve(before.proposal_id)):
        developer, user = refusal(answer(repository, again), 409)
        assert "already commented" in developer
        assert user is not None
        assert "already been commented on" in user
        assert stored(repository) == after


class _Racing(InMemoryLaRepository):
    """A store in which another update lands between the read and the write."""

    rival: SendingLa | None = None

    def replace(self, hei_id: str, current: SendingLa, new: SendingLa) -> bool:
        assert current.proposal_id is not None
        self.rival = current.comment(current.proposal_id, "First!", signer(5)).state
        assert super().replace(hei_id, current, self.rival)
        return super().replace(hei_id, current, new)


def test_an_update_that_loses_a_race_is_409_and_writes_nothing() -> None:
    before = awaiting()
    repository = _Racing({SENDING: [before]})
    developer, user = refusal(answer(repository, approve(before.proposal_id)), 409)
    assert "changed while this update was being applied" in developer
    assert user == STALE_USER_MESSAGE
    assert stored(repository) == repository.rival


def test_replace_is_a_compare_and_swap() -> None:
    before = awaiting()
    repository = store(before)
    assert before.proposal_id is not None
    newer = before.approve(before.proposal_id, signer()).state
    assert repository.replace(SENDING, before, newer)
    assert not repository.replace(SENDING, before, before)
    assert stored(repository) == newer


# ---------------------------------------------------------------------- 400


def test_an_unknown_a_draft_and_a_foreign_la_are_the_same_400() -> None:
    before = awaiting()
    draft = SendingLa.draft(dataclasses.replace(header(), omobility_id="om-draft"))
    repository = store(before, draft)
    stranger = Caller("stranger-key", frozenset({"other.example.org"}))
    cases = [
        (approve_for("om-unknown"), RECEIVER, "'om-unknown'"),
        (approve_for("om-draft"), RECEIVER, "'om-draft'"),
        (approve(before.proposal_id), stranger, f"'{OMOBILITY}'"),
    ]
    for request, caller, named in cases:
        developer, _ = refusal(answer(repository, request, caller=caller), 400)
        assert developer == (
            f"{SENDING} sends no learning agreement {named} whose receiving HEI your key covers"
        )
    assert stored(repository) == before


def test_a_sending_hei_the_server_does_not_serve_is_400() -> None:
    request = dataclasses.replace(approve("x"), sending_hei_id="elsewhere.example.org")
    developer, _ = refusal(answer(store(awaiting()), request), 400)
    assert developer == "this server does not serve sending-hei-id 'elsewhere.example.org'"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "the update request body is empty"),
        (b"<omobility-las-update-request", "the update request body is not acceptable XML"),
        (
            b'<!DOCTYPE x [<!ENTITY e "e">]><x/>',
            "the update request body is not acceptable XML",
        ),
        (
            encode(LasUpdateResponse()),
            f"got <omobility-las-update-response> in namespace '{LAS_UPDATE_RESPONSE_NS}'",
        ),
    ],
    ids=["empty", "not-well-formed", "dtd", "another-document"],
)
def test_a_body_that_is_no_update_request_is_400(body: bytes, expected: str) -> None:
    developer, _ = refusal(answer(store(awaiting()), body), 400)
    assert expected in developer


def test_an_invalid_request_is_400_naming_the_schema_problem() -> None:
    before = awaiting()
    body = encode(approve(before.proposal_id))
    broken = body.replace(b"changes-proposal-id>", b"proposal-id>")
    developer, _ = refusal(answer(store(before), broken), 400)
    assert developer.startswith("the update request breaks its schema: ")
    assert "changes-proposal-id" in developer


def test_unknown_elements_are_ignored_as_the_spec_asks() -> None:
    before = awaiting()
    root = etree.fromstring(encode(approve(before.proposal_id)))
    action = root[1]
    etree.SubElement(action, "{urn:example:extension}note").text = "from a newer client"
    etree.SubElement(root, f"{{{root.nsmap[None]}}}future-field").text = "ignored"
    etree.SubElement(action[2], f"{{{COMMON_NS}}}extra")
    success(answer(store(before), etree.tostring(root)))


def test_a_known_element_out_of_place_is_still_400() -> None:
    before = awaiting()
    root = etree.fromstring(encode(approve(before.proposal_id)))
    root[1].append(etree.fromstring(etree.tostring(root[0])))  # sending-hei-id inside the action
    developer, _ = refusal(answer(store(before), etree.tostring(root)), 400)
    assert "sending-hei-id" in developer


@pytest.mark.parametrize("missing", ["signer_name", "signer_position", "signer_email"])
def test_a_receiving_signature_without_signer_details_is_400(missing: str) -> None:
    before = awaiting()
    request = approve(before.proposal_id, signature=signer(without=missing))
    developer, _ = refusal(answer(store(before), request), 400)
    element = missing.replace("_", "-")
    assert developer.startswith(f"the receiving HEI's signature must give its {element}")


def test_an_empty_comment_is_400() -> None:
    before = awaiting()
    repository = store(before)
    developer, _ = refusal(answer(repository, comment(before.proposal_id, "  \n ")), 400)
    assert developer == "a comment on a changes proposal must not be empty"
    assert stored(repository) == before


@pytest.mark.parametrize("table", ["blended_mobility_components", "short_term_doctoral_components"])
def test_blended_and_doctoral_proposals_after_the_first_version_cannot_be_approved(
    table: str,
) -> None:
    course = dataclasses.replace(row("Summer school"), short_description="one week on site")
    first = approved(ComponentTables(**{table: (course,)}))
    assert first.la.first_version is not None
    # The lifecycle refuses to make such a proposal; one loaded from storage is possible.
    proposal = build_changes_proposal(
        first.la.first_version,
        ComponentTables(**{table: (course, row("Extra"))}),
        **SIGNED,  # type: ignore[arg-type]
    )
    loaded = SendingLa.published(dataclasses.replace(first.la, changes_proposal=proposal))
    repository = store(loaded)
    developer, user = refusal(answer(repository, approve(proposal.id)), 400)
    kind = "blended" if table.startswith("blended") else "doctoral"
    assert f"is a {kind} mobility: it takes no changes proposal after its first version" in (
        developer
    )
    assert user is not None
    assert "cannot be changed" in user
    assert stored(repository) == loaded
    success(answer(repository, comment(proposal.id, "Not allowed for this mobility.")))
    assert stored(repository).status is VersionStatus.REJECTED


def test_a_blended_mobilitys_first_proposal_is_approved() -> None:
    course = dataclasses.replace(row("Summer school"), short_description="one week on site")
    before = awaiting(ComponentTables(blended_mobility_components=(course,)))
    repository = store(before)
    success(answer(repository, approve(before.proposal_id)))
    assert stored(repository).status is VersionStatus.APPROVED


# ---------------------------------------------------------------------- 415


@pytest.mark.parametrize(
    "content_type", [None, "text/xml", "application/xml; charset=UTF-8", "application/ewp+xml"]
)
def test_xml_media_types_and_none_are_taken(content_type: str | None) -> None:
    before = awaiting()
    success(answer(store(before), approve(before.proposal_id), content_type=content_type))


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/json", "text/plain"]
)
def test_another_media_type_is_415(content_type: str) -> None:
    before = awaiting()
    repository = store(before)
    given = answer(repository, approve(before.proposal_id), content_type=content_type)
    developer, _ = refusal(given, 415)
    assert developer == (
        f"the update request is an XML body (text/xml or application/xml), not {content_type!r}"
    )
    assert stored(repository) == before


# ---------------------------------------------------------------- official


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
@pytest.mark.parametrize("name", ["approve-proposal-v1.xml", "comment-proposal-v1.xml"])
def test_the_official_example_requests_are_read_and_applied(name: str) -> None:
    body = (reference.EXAMPLES / "omobility-las-v1" / "update-request-examples" / name).read_bytes()
    request = read_update_request(body, "text/xml")
    before = awaiting()
    assert before.la.changes_proposal is not None
    la = dataclasses.replace(
        before.la,
        omobility_id=request.action.omobility_id,
        sending_hei=dataclasses.replace(before.la.sending_hei, hei_id=request.sending_hei_id),
        changes_proposal=dataclasses.replace(
            before.la.changes_proposal, id=request.action.changes_proposal_id
        ),
    )
    repository = InMemoryLaRepository({request.sending_hei_id: [SendingLa.published(la)]})
    caller = Caller("k", frozenset({la.receiving_hei.hei_id}))
    given = answer_las_update(repository, caller=caller, body=body, content_type="text/xml")
    assert given.status == 200
    reference.official_schema(LAS_UPDATE_RESPONSE_NS).validate(given.body)
    expected = VersionStatus.APPROVED if name.startswith("approve") else VersionStatus.REJECTED
    (record,) = repository.las_of(request.sending_hei_id)
    assert record.status is expected


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
def test_a_409_is_valid_against_the_official_error_response_schema() -> None:
    given = answer(store(changes_pending()), approve("stale"))
    assert given.status == 409
    reference.official_schema(COMMON_NS).validate(given.body)


def test_concurrent_approvals_of_one_proposal_apply_exactly_once() -> None:
    before = awaiting()
    repository = store(before)
    request = encode(approve(before.proposal_id))
    start = threading.Barrier(8)

    def one(_: int) -> int:
        start.wait()
        return answer(repository, request).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(one, range(8)))
    assert statuses == [200] + [409] * 7
    assert stored(repository).status is VersionStatus.APPROVED


def test_an_unknown_element_inside_the_comment_leaves_its_text_whole() -> None:
    before = awaiting()
    repository = store(before)
    body = comment(before.proposal_id, "Geometry is full;PLACE pick another.")
    body = body.replace(b"PLACE", b'<x:mark xmlns:x="urn:example:extension">!</x:mark>')
    success(answer(repository, body))
    rejection = stored(repository).rejection
    assert rejection is not None
    assert rejection.comment == "Geometry is full; pick another."
