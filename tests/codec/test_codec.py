"""The generic codec: documents written for these tests, errors, and the bytes it writes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from lxml import etree

from ewp_client.codec import decode, encode, encode_element, prefix_for, root_tag
from ewp_client.errors import (
    DtdForbiddenError,
    MalformedXmlError,
    SchemaValidationError,
    UnknownDocumentError,
)
from ewp_client.models import (
    ApproveProposalV1,
    EchoResponse,
    ErrorResponse,
    LaCnrResponse,
    LaCnrStatsResponse,
    LasGetResponse,
    LasIndexResponse,
    LasUpdateRequest,
    LasUpdateResponse,
    MultilineStringWithOptionalLang,
    Student,
)
from ewp_client.namespaces import (
    COMMON_NS,
    ECHO_NS,
    LA_CNR_NS,
    LA_CNR_STATS_NS,
    LAS_GET_NS,
    LAS_INDEX_NS,
    LAS_UPDATE_REQUEST_NS,
    LAS_UPDATE_RESPONSE_NS,
    PHONE_NS,
)
from tests.codec.roundtrip import assert_round_trip
from tests.codec.samples import get_response, signature

DECL = b"<?xml version='1.0' encoding='UTF-8'?>\n"


def test_sample_learning_agreement_round_trips() -> None:
    model = get_response()
    assert assert_round_trip(encode(model, pretty=True), LasGetResponse) == model


def test_index_response_bytes_on_the_wire() -> None:
    data = encode(LasIndexResponse(omobility_ids=("a-1", "b-2")))
    assert data == (
        DECL
        + f'<omobility-las-index-response xmlns="{LAS_INDEX_NS}">'.encode()
        + b"<omobility-id>a-1</omobility-id><omobility-id>b-2</omobility-id>"
        + b"</omobility-las-index-response>"
    )


def test_update_request_uses_stable_prefixes() -> None:
    request = LasUpdateRequest(
        sending_hei_id="sending.example.org",
        action=ApproveProposalV1(
            omobility_id="om-0001", changes_proposal_id="p-1", signature=signature("Jo Ann", 5)
        ),
    )
    root = encode_element(request)
    assert root.nsmap == {None: LAS_UPDATE_REQUEST_NS, "la": LAS_GET_NS}
    assert etree.QName(root[1]).localname == "approve-proposal-v1"
    assert b"<la:timestamp>2025-10-05T09:30:00+01:00</la:timestamp>" in encode(request)
    assert_round_trip(encode(request), LasUpdateRequest)


def test_prefixes_are_fixed_per_namespace() -> None:
    assert prefix_for(COMMON_NS) == "ewp"
    assert prefix_for(PHONE_NS) == "phone"
    assert encode_element(get_response()).nsmap == {
        None: LAS_GET_NS,
        "phone": PHONE_NS,
        "trm": "https://github.com/erasmus-without-paper/ewp-specs-types-academic-term/tree/stable-v2",
    }


def test_update_response_messages_keep_their_language() -> None:
    response = LasUpdateResponse(
        success_user_messages=(
            MultilineStringWithOptionalLang(value="Thanks.\nReceived.", lang="en"),
            MultilineStringWithOptionalLang(value="Dzięki."),
        )
    )
    data = encode(response)
    assert f'xmlns:ewp="{COMMON_NS}"'.encode() in data
    assert b'<ewp:success-user-message xml:lang="en">Thanks.\nReceived.<' in data
    assert assert_round_trip(data, LasUpdateResponse) == response


def test_error_response_echo_and_cnr_documents_round_trip() -> None:
    error = (
        f'<error-response xmlns="{COMMON_NS}"><developer-message>  bad id\n</developer-message>'
        '<user-message xml:lang="pl">Zły identyfikator</user-message></error-response>'
    ).encode()
    model = assert_round_trip(error, ErrorResponse)
    assert model.developer_message == "  bad id\n"
    assert model.user_messages[0].lang == "pl"
    echo = (
        f'<response xmlns="{ECHO_NS}"><hei-id>a.example</hei-id><echo>one</echo>'
        "<echo>two</echo></response>"
    ).encode()
    assert assert_round_trip(echo, EchoResponse) == EchoResponse(
        hei_ids=("a.example",), echoes=("one", "two")
    )
    empty = f'<omobility-la-cnr-response xmlns="{LA_CNR_NS}"/>'.encode()
    assert assert_round_trip(empty, LaCnrResponse) == LaCnrResponse()
    stats = (
        f'<las-incoming-stats-response xmlns="{LA_CNR_STATS_NS}"><academic-year-la-stats>'
        "<receiving-academic-year-id>2025/2026</receiving-academic-year-id>"
        "<la-incoming-total>7</la-incoming-total>"
        "<la-incoming-some-version-approved>5</la-incoming-some-version-approved>"
        "<la-incoming-latest-version-approved>4</la-incoming-latest-version-approved>"
        "<la-incoming-latest-version-rejected>1</la-incoming-latest-version-rejected>"
        "<la-incoming-latest-version-awaiting>2</la-incoming-latest-version-awaiting>"
        "</academic-year-la-stats></las-incoming-stats-response>"
    ).encode()
    (year,) = assert_round_trip(stats, LaCnrStatsResponse).academic_years
    assert (year.la_incoming_total, year.la_incoming_latest_version_awaiting) == (7, 2)


def test_comments_and_cdata_inside_values_do_not_change_them() -> None:
    data = (
        f'<response xmlns="{ECHO_NS}"><echo>a<!-- note --><![CDATA[<b>]]>c</echo></response>'
    ).encode()
    assert decode(data, EchoResponse).echoes == ("a<b>c",)


def test_a_zoned_date_is_read_as_its_day() -> None:
    data = encode(get_response()).replace(
        b"<birth-date>2003-04-01</birth-date>", b"<birth-date>2003-04-01+02:00</birth-date>"
    )
    model = decode(data, LasGetResponse)
    assert model.las[0].student.birth_date == date(2003, 4, 1)


def test_decode_accepts_a_parsed_tree() -> None:
    tree = etree.ElementTree(encode_element(get_response()))
    assert decode(tree, LasGetResponse) == get_response()
    assert decode(tree.getroot(), LasGetResponse) == get_response()


def test_wrong_document_for_the_model() -> None:
    data = encode(LasIndexResponse(omobility_ids=("x",)))
    with pytest.raises(UnknownDocumentError) as info:
        decode(data, LasGetResponse)
    assert info.value.namespace == LAS_INDEX_NS
    assert info.value.root == "omobility-las-index-response"
    assert root_tag(LasGetResponse) == f"{{{LAS_GET_NS}}}omobility-las-get-response"


def test_malformed_and_hostile_bytes_are_refused() -> None:
    with pytest.raises(MalformedXmlError) as info:
        decode(
            b"<omobility-las-index-response>\n<oops></omobility-las-index-response>",
            LasIndexResponse,
        )
    assert info.value.line == 2
    hostile = (
        b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + f'<omobility-las-index-response xmlns="{LAS_INDEX_NS}"/>'.encode()
    )
    with pytest.raises(DtdForbiddenError):
        decode(hostile, LasIndexResponse)


def test_invalid_document_reports_the_violation_line() -> None:
    data = encode(get_response(), pretty=True).replace(
        b"<title>Graph theory</title>", b"<label>Graph theory</label>"
    )
    with pytest.raises(SchemaValidationError) as info:
        decode(data, LasGetResponse)
    line = data[: data.index(b"<label>")].count(b"\n") + 1
    assert line in {v.line for v in info.value.violations}


def test_encode_refuses_a_model_the_schema_refuses() -> None:
    bad = LasIndexResponse(omobility_ids=("has space",))
    with pytest.raises(SchemaValidationError):
        encode(bad)
    assert b"has space" in encode(bad, validate_output=False)


def test_a_choice_field_must_hold_one_of_its_models() -> None:
    request = LasUpdateRequest(sending_hei_id="x", action=Student())  # type: ignore[arg-type]
    expected = re.escape("expected ApproveProposalV1 | CommentProposalV1")
    with pytest.raises(TypeError, match=expected):
        encode_element(request)


def test_absent_optional_fields_write_no_element() -> None:
    assert encode(LasUpdateResponse()) == (
        DECL + f'<omobility-las-update-response xmlns="{LAS_UPDATE_RESPONSE_NS}"/>'.encode()
    )
    la = f"{{{LAS_GET_NS}}}"
    proposal = encode_element(get_response()).find(f"{la}la/{la}changes-proposal")
    assert proposal is not None
    student = proposal.find(f"{la}student")
    assert student is not None
    assert [etree.QName(c).localname for c in student] == ["email"]
    assert proposal.find(f"{la}receiving-hei-signature") is None
