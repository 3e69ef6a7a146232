"""Mobility Factsheet v1 as a sans-I/O answer over an in-memory repository.

The spec's rules: ``hei_id`` required and repeatable, at most ``max-hei-ids``
(duplicates counted), GET or POST form; unknown ``hei_id`` values left out
with a 200, an empty ``factsheet-response`` when none is known.
"""

from __future__ import annotations

import pytest

from ewp_client import validate
from ewp_client.codec import decode
from ewp_client.errors import InvalidParameter, MethodNotAllowed
from ewp_client.models import (
    CalendarEntry,
    Factsheet,
    FactsheetCalendar,
    FactsheetResponse,
    HttpWithOptionalLang,
    InformationEntry,
    PhoneNumber,
)
from ewp_client.namespaces import FACTSHEET_NS
from ewp_client.server import FACTSHEET
from ewp_client.server.factsheet import (
    FactsheetRepository,
    InMemoryFactsheets,
    answer_factsheet,
)
from tests.conformance import reference

NORTH = "north.example.org"
SOUTH = "south.example.org"
LIMITS = {"max-hei-ids": 3}


def sheet(hei_id: str, decision_weeks: int = 5) -> Factsheet:
    info = InformationEntry(
        email=f"incoming@{hei_id}",
        phone_number=PhoneNumber(e164="+3212345678"),
        website_urls=(HttpWithOptionalLang(value=f"https://{hei_id}/incoming", lang="en"),),
    )
    return Factsheet(
        hei_id=hei_id,
        calendar=FactsheetCalendar(
            student_nominations=CalendarEntry(autumn_term="--05-15", spring_term="--10-15"),
            student_applications=CalendarEntry(autumn_term="--06-01", spring_term="--11-01"),
        ),
        application_info=info,
        decision_weeks_limit=decision_weeks,
        tor_weeks_limit=5,
        housing_info=info,
        visa_info=info,
        insurance_info=info,
    )


REPOSITORY = InMemoryFactsheets([sheet(NORTH, 3), sheet(SOUTH, 4)])


def answered(query: bytes) -> tuple[int, bytes]:
    params = FACTSHEET.read(method="GET", query=query, limits=LIMITS)
    answer = answer_factsheet(REPOSITORY, params=params)
    assert dict(answer.headers)["Content-Type"].startswith("text/xml")
    return answer.status, answer.body


def hei_ids(query: bytes) -> list[str]:
    status, body = answered(query)
    assert status == 200
    validate(body)
    return [f.hei_id for f in decode(body, FactsheetResponse).factsheets]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"hei_id=north.example.org", [NORTH]),
        (b"hei_id=south.example.org&hei_id=north.example.org", [SOUTH, NORTH]),
        (b"hei_id=unknown.example.org&hei_id=north.example.org", [NORTH]),
        (b"hei_id=north.example.org&hei_id=north.example.org&hei_id=north.example.org", [NORTH]),
        (b"hei_id=NORTH.example.org", [NORTH]),
        (b"hei_id=north.example.org&other=1", [NORTH]),
    ],
    ids=["one", "two-in-order-asked", "unknown-left-out", "max-duplicates-once", "case", "extra"],
)
def test_known_heis_are_answered_in_the_order_asked(query: bytes, expected: list[str]) -> None:
    assert hei_ids(query) == expected


def test_the_factsheet_is_the_repositorys() -> None:
    _, body = answered(b"hei_id=south.example.org")
    assert decode(body, FactsheetResponse).factsheets == (sheet(SOUTH, 4),)


def test_only_unknown_heis_give_an_empty_response_with_200() -> None:
    status, body = answered(b"hei_id=unknown.example.org")
    assert status == 200
    validate(body)
    assert decode(body, FactsheetResponse).factsheets == ()


def test_a_post_form_is_read_like_a_query() -> None:
    params = FACTSHEET.read(
        method="POST",
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        body=b"hei_id=south.example.org&hei_id=nope",
        limits=LIMITS,
    )
    body = answer_factsheet(REPOSITORY, params=params).body
    assert [f.hei_id for f in decode(body, FactsheetResponse).factsheets] == [SOUTH]


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"hei_id=",
        b"hei_id_param=north.example.org",
        b"&".join([b"hei_id=north.example.org"] * 4),
        b"&".join([b"hei_id=unknown.example.org"] * 4),
    ],
    ids=["none", "empty", "wrong-name", "over-max-known", "over-max-unknown"],
)
def test_a_request_without_hei_id_or_over_max_hei_ids_is_a_400(query: bytes) -> None:
    with pytest.raises(InvalidParameter) as caught:
        FACTSHEET.read(method="GET", query=query, limits=LIMITS)
    assert caught.value.parameter == "hei_id"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_methods_other_than_get_and_post_are_a_405(method: str) -> None:
    with pytest.raises(MethodNotAllowed):
        FACTSHEET.read(method=method, query=b"hei_id=north.example.org", limits=LIMITS)


def test_the_in_memory_store_is_a_repository_and_lists_its_heis() -> None:
    assert isinstance(REPOSITORY, FactsheetRepository)
    assert REPOSITORY.hei_ids == (NORTH, SOUTH)
    assert InMemoryFactsheets([sheet(NORTH, 1), sheet(NORTH, 2)]).factsheet(NORTH) == sheet(
        NORTH, 2
    )


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
@pytest.mark.parametrize(
    "query", [b"hei_id=north.example.org&hei_id=south.example.org", b"hei_id=nope"]
)
def test_answers_are_valid_against_the_official_schema(query: bytes) -> None:
    _, body = answered(query)
    reference.official_schema(FACTSHEET_NS).validate(body)
