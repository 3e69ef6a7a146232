"""The per-endpoint parameter rules: each refusal's type, status, evidence and error-response.

Table-driven: every row is one request an EWP server must refuse (or accept),
checked through :meth:`EndpointRules.read` and rendered by
:func:`error_answer`, whose body must be a schema-valid ``error-response``
(and, when the official reference pack is at ``../shared/ewp-reference``,
valid against the official common-types XSD too).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from ewp_client.error_response import parse_error_response
from ewp_client.errors import (
    InvalidParameter,
    MethodNotAllowed,
    PartnerError,
    UnsupportedMediaType,
)
from ewp_client.namespaces import COMMON_NS
from ewp_client.server import (
    ECHO,
    FORM,
    IIA_CNR,
    IIAS_GET,
    IIAS_INDEX,
    IIAS_STATS,
    INSTITUTIONS,
    LA_CNR,
    LAS_GET,
    LAS_INDEX,
    LAS_UPDATE,
    OUNITS,
    EndpointRules,
    academic_year_id,
    date_time_with_offset,
    error_answer,
)
from ewp_client.xml.validate import validate
from tests.conformance import reference

LIMITS = {"max-iia-ids": 2, "max-omobility-ids": 2, "max-hei-ids": 2, "max-ounit-ids": 2}


@dataclass(frozen=True)
class Refused:
    """A request the rules refuse: the error type, the status, the parameter named."""

    id: str
    rules: EndpointRules
    params: list[tuple[str, str]]
    error: type[PartnerError]
    status: int
    parameter: str | None = None
    method: str = "GET"


REFUSED = [
    Refused("put", ECHO, [], MethodNotAllowed, 405, method="PUT"),
    Refused("delete", IIAS_GET, [("iia_id", "a")], MethodNotAllowed, 405, method="DELETE"),
    Refused("stats-by-post", IIAS_STATS, [], MethodNotAllowed, 405, method="POST"),
    Refused("cnr-by-get", IIA_CNR, [("iia_id", "a")], MethodNotAllowed, 405),
    Refused("update-by-get", LAS_UPDATE, [], MethodNotAllowed, 405),
    Refused("no-iia-id", IIAS_GET, [], InvalidParameter, 400, "iia_id"),
    Refused("empty-iia-id", IIAS_GET, [("iia_id", "")], InvalidParameter, 400, "iia_id"),
    Refused(
        "over-max-ids",
        IIAS_GET,
        [("iia_id", "a"), ("iia_id", "b"), ("iia_id", "c")],
        InvalidParameter,
        400,
        "iia_id",
    ),
    Refused(
        "duplicates-count-toward-max-ids",
        IIAS_GET,
        [("iia_id", "a")] * 3,
        InvalidParameter,
        400,
        "iia_id",
    ),
    Refused(
        "repeated-single-valued",
        LAS_GET,
        [("sending_hei_id", "a.org"), ("sending_hei_id", "b.org"), ("omobility_id", "1")],
        InvalidParameter,
        400,
        "sending_hei_id",
    ),
    Refused(
        "missing-sending-hei",
        LAS_GET,
        [("omobility_id", "1")],
        InvalidParameter,
        400,
        "sending_hei_id",
    ),
    Refused(
        "year-not-consecutive",
        IIAS_INDEX,
        [("receiving_academic_year_id", "2024/2026")],
        InvalidParameter,
        400,
        "receiving_academic_year_id",
    ),
    Refused(
        "year-malformed",
        IIAS_INDEX,
        [("receiving_academic_year_id", "2024-2025")],
        InvalidParameter,
        400,
        "receiving_academic_year_id",
    ),
    Refused(
        "year-single-valued-in-las",
        LAS_INDEX,
        [
            ("sending_hei_id", "a.org"),
            ("receiving_academic_year_id", "2024/2025"),
            ("receiving_academic_year_id", "2025/2026"),
        ],
        InvalidParameter,
        400,
        "receiving_academic_year_id",
    ),
    Refused(
        "modified-since-date-only",
        IIAS_INDEX,
        [("modified_since", "2004-02-12")],
        InvalidParameter,
        400,
        "modified_since",
    ),
    Refused(
        "modified-since-us-format",
        IIAS_INDEX,
        [("modified_since", "05/29/2015 05:50")],
        InvalidParameter,
        400,
        "modified_since",
    ),
    Refused(
        "modified-since-without-offset",
        IIAS_INDEX,
        [("modified_since", "2019-02-12T15:19:21")],
        InvalidParameter,
        400,
        "modified_since",
    ),
    Refused(
        "modified-since-repeated",
        IIAS_INDEX,
        [("modified_since", "2019-02-12T15:19:21+01:00")] * 2,
        InvalidParameter,
        400,
        "modified_since",
    ),
    Refused(
        "modified-since-impossible-date",
        IIAS_INDEX,
        [("modified_since", "2019-02-30T15:19:21Z")],
        InvalidParameter,
        400,
        "modified_since",
    ),
    Refused("nul-in-value", ECHO, [("echo", "a\x00b")], InvalidParameter, 400, "echo"),
    Refused("esc-in-name", ECHO, [("e\x1bcho", "a")], InvalidParameter, 400, None),
    Refused(
        "ounits-ids-and-codes",
        OUNITS,
        [("hei_id", "a.org"), ("ounit_id", "1"), ("ounit_code", "X")],
        InvalidParameter,
        400,
        "ounit_id",
    ),
    Refused("ounits-neither", OUNITS, [("hei_id", "a.org")], InvalidParameter, 400, "ounit_id"),
    Refused("institutions-no-hei", INSTITUTIONS, [], InvalidParameter, 400, "hei_id"),
    Refused(
        "unknown-parameter-only",
        INSTITUTIONS,
        [("hei_id_param", "a.org")],
        InvalidParameter,
        400,
        "hei_id",
    ),
    Refused(
        "la-cnr-no-ids",
        LA_CNR,
        [("sending_hei_id", "a.org")],
        InvalidParameter,
        400,
        "omobility_id",
        method="POST",
    ),
]


def _read(case: Refused, *, as_form: bool) -> object:
    encoded = urlencode(case.params).encode()
    if as_form or case.method == "POST":
        return case.rules.read(
            method=case.method if case.method != "GET" else "POST",
            content_type=FORM,
            body=encoded,
            limits=LIMITS,
        )
    return case.rules.read(method=case.method, query=encoded, limits=LIMITS)


@pytest.mark.parametrize("as_form", [False, True], ids=["query", "form"])
@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_each_rule_refuses_with_its_status_and_an_error_response(
    case: Refused, as_form: bool
) -> None:
    if as_form and case.error is MethodNotAllowed:
        pytest.skip("a method refusal: the method is the point, not where parameters are")
    if as_form and "POST" not in case.rules.methods:
        pytest.skip("the endpoint takes no POST")
    with pytest.raises(case.error) as caught:
        _read(case, as_form=as_form)
    error = caught.value
    assert error.status == case.status
    if isinstance(error, InvalidParameter):
        assert error.parameter == case.parameter
    answer = error_answer(error)
    assert answer.status == case.status
    assert ("Content-Type", "text/xml; charset=utf-8") in answer.headers
    validate(answer.body)
    assert parse_error_response(answer.body).developer == str(error)


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
@pytest.mark.parametrize("case", REFUSED[:8], ids=[c.id for c in REFUSED[:8]])
def test_error_responses_are_valid_against_the_official_schema(case: Refused) -> None:
    with pytest.raises(PartnerError) as caught:
        _read(case, as_form=False)
    reference.official_schema(COMMON_NS).validate(error_answer(caught.value).body)


def test_a_non_form_post_body_is_415_naming_its_type() -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        ECHO.read(method="POST", content_type="text/xml", body=b"<echo/>")
    assert caught.value.status == 415
    assert caught.value.content_type == "text/xml"
    assert error_answer(caught.value).status == 415


def test_a_form_in_another_charset_is_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        ECHO.read(method="POST", content_type=f"{FORM}; charset=ISO-8859-1", body=b"echo=a")


def test_a_body_that_is_not_utf8_is_400() -> None:
    with pytest.raises(InvalidParameter, match="not UTF-8") as caught:
        ECHO.read(method="POST", content_type=FORM, body=b"echo=%ff")
    assert caught.value.parameter is None


@pytest.mark.parametrize(
    "content_type", [FORM, f"{FORM}; charset=UTF-8", f'{FORM.upper()};charset="utf-8"']
)
def test_forms_with_or_without_a_utf8_charset_are_read(content_type: str) -> None:
    params = ECHO.read(method="POST", content_type=content_type, body=b"echo=a&echo=&echo=b%20c")
    assert params.all("echo") == ("a", "", "b c")


def test_an_empty_post_needs_no_content_type() -> None:
    assert ECHO.read(method="POST", content_type=None, body=b"").items == ()


def test_accepted_requests_keep_order_drop_unknown_and_dedupe_ids() -> None:
    params = IIAS_GET.read(
        method="GET", query=b"iia_id=b&foo=x&iia_id=a&iia_id=b&iia_id=", limits={"max-iia-ids": 3}
    )
    assert params.all("iia_id") == ("b", "a", "b", "")
    assert params.unique("iia_id") == ("b", "a")
    assert params.one("foo") is None


def test_exactly_max_ids_is_accepted() -> None:
    params = LAS_GET.read(
        method="POST",
        content_type=FORM,
        body=b"sending_hei_id=a.org&omobility_id=1&omobility_id=1",
        limits=LIMITS,
    )
    assert params.one("sending_hei_id") == "a.org"
    assert params.unique("omobility_id") == ("1",)


def test_the_method_error_names_what_is_allowed() -> None:
    with pytest.raises(MethodNotAllowed) as caught:
        LA_CNR.read(method="GET", query=b"sending_hei_id=a")
    assert caught.value.method == "GET"
    assert caught.value.allowed == ("POST",)
    assert "POST" in str(caught.value)


def test_a_long_value_is_cut_in_the_message() -> None:
    with pytest.raises(InvalidParameter) as caught:
        IIAS_INDEX.read(method="GET", query=urlencode({"modified_since": "x" * 500}).encode())
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2024/2025", True),
        ("1999/2000", True),
        ("2024/2024", True),
        ("2025/2024", False),
        ("2024/2026", False),
        ("24/25", False),
        ("2024/2025 ", False),
    ],
)
def test_academic_year_ids(value: str, ok: bool) -> None:
    assert (academic_year_id(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2019-02-12T15:19:21+01:00", True),
        ("2019-02-12T15:19:21Z", True),
        ("2019-02-12T15:19:21.123-05:30", True),
        ("2019-02-12T15:19:21", False),
        ("2019-02-12 15:19:21+01:00", False),
        ("2019-13-12T15:19:21Z", False),
    ],
)
def test_date_times_with_offset(value: str, ok: bool) -> None:
    assert (date_time_with_offset(value) is None) is ok
