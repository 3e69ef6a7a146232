"""A growable enumeration's unknown value is a warning and kept; anything else stays an error."""

from __future__ import annotations

import pytest

from ewp_client.codec import decode, decode_with_warnings, encode
from ewp_client.errors import SchemaValidationError
from ewp_client.models import LasGetResponse, ReasonCode, UnknownEnumValue
from tests.codec.samples import get_response

COMPONENT = "/omobility-las-get-response/la[1]/changes-proposal[1]/components-studied[1]"


def _document(*replacements: tuple[bytes, bytes]) -> bytes:
    data = encode(get_response(), pretty=True)
    for old, new in replacements:
        assert old in data
        data = data.replace(old, new, 1)
    return data


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def test_unknown_reason_code_is_kept_and_reported_as_warning() -> None:
    data = _document((b'reason-code="timetable-conflict"', b'reason-code="course-cancelled"'))
    decoded = decode_with_warnings(data, LasGetResponse)
    proposal = decoded.model.las[0].changes_proposal
    assert proposal is not None
    assert proposal.components_studied is not None
    deleted, inserted = proposal.components_studied.components
    assert deleted.reason_code == "course-cancelled"
    assert isinstance(deleted.reason_code, UnknownEnumValue)
    assert deleted.known_reason_code is None
    assert inserted.known_reason_code is ReasonCode.SUBSTITUTING_DELETED
    (warning,) = decoded.warnings
    assert warning.name == "reason-code"
    assert warning.value == "course-cancelled"
    assert warning.path == f"{COMPONENT}/component[1]"
    assert warning.line == _line_of(data, b'reason-code="course-cancelled"')
    assert warning.known == tuple(code.value for code in ReasonCode)
    assert "treated as absent" in str(warning)


def test_the_unknown_value_survives_a_round_trip_but_is_not_sent() -> None:
    data = _document((b'reason-code="timetable-conflict"', b'reason-code="course-cancelled"'))
    model = decode(data, LasGetResponse)
    written = encode(model, validate_output=False)
    assert b'reason-code="course-cancelled"' in written
    assert decode(written, LasGetResponse) == model
    with pytest.raises(SchemaValidationError) as info:
        encode(model)
    assert any("course-cancelled" in v.message for v in info.value.violations)


def test_strict_decoding_refuses_the_unknown_value() -> None:
    data = _document((b'reason-code="timetable-conflict"', b'reason-code="course-cancelled"'))
    with pytest.raises(SchemaValidationError) as info:
        decode(data, LasGetResponse, tolerate_unknown_enums=False)
    assert any("course-cancelled" in v.message for v in info.value.violations)


def test_every_unknown_value_gets_its_own_warning_in_document_order() -> None:
    data = _document(
        (b'reason-code="timetable-conflict"', b'reason-code="x-one"'),
        (b'reason-code="substituting-deleted"', b'reason-code="x-two"'),
    )
    decoded = decode_with_warnings(data, LasGetResponse)
    assert [(w.value, w.path) for w in decoded.warnings] == [
        ("x-one", f"{COMPONENT}/component[1]"),
        ("x-two", f"{COMPONENT}/component[2]"),
    ]


def test_known_values_give_no_warning() -> None:
    decoded = decode_with_warnings(_document(), LasGetResponse)
    assert decoded.warnings == ()
    assert decoded.model == get_response()


def test_a_closed_enumeration_stays_an_error() -> None:
    data = _document((b'status="deleted"', b'status="moved"'))
    with pytest.raises(SchemaValidationError) as info:
        decode(data, LasGetResponse)
    assert any("moved" in v.message for v in info.value.violations)


def test_other_violations_are_raised_without_the_tolerated_value() -> None:
    data = _document(
        (b'reason-code="timetable-conflict"', b'reason-code="course-cancelled"'),
        (
            b"<eqf-level-studied-at-departure>6<",
            b"<eqf-level-studied-at-departure>9<",
        ),
    )
    with pytest.raises(SchemaValidationError) as info:
        decode(data, LasGetResponse)
    messages = " ".join(v.message for v in info.value.violations)
    assert "course-cancelled" not in messages
    lines = {v.line for v in info.value.violations}
    assert _line_of(data, b"<eqf-level-studied-at-departure>9<") in lines
