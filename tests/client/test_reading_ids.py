"""The decisions of ``read_ids`` with no I/O: what is asked next, what is warned, what is raised.

The sync and async clients only send what :func:`reading_ids` yields; these
tests drive it by hand with the partner's outcomes.
"""

from __future__ import annotations

from typing import Any

import pytest

from ewp_client.client.base import EwpCall, reading_ids
from ewp_client.errors import (
    BadRequest,
    EwpWarning,
    MaxIdsExceeded,
    MaxIdsNotHonoured,
    NotFound,
    PartnerError,
    PartnerServerError,
    UnknownIdNotIgnored,
)
from ewp_client.namespaces import IIAS_API

HEI = "uni-a.example.org"


def _get(*ids: str) -> EwpCall:
    return EwpCall(
        api=IIAS_API,
        hei_id=HEI,
        endpoint="get-url",
        method="POST",
        params=(("hei_id", HEI), *(("iia_id", i) for i in ids)),
    )


def _ids(call: EwpCall) -> list[str]:
    return [v for n, v in call.params if n == "iia_id"]


def _drive(
    calls: list[EwpCall], answer: Any, max_ids: int = 5
) -> tuple[list[Any], list[list[str]], list[EwpWarning]]:
    """Run the plan, answering each call with ``answer(ids)``; the answers, what was asked,
    and the warnings."""
    warned: list[EwpWarning] = []
    asked: list[list[str]] = []
    plan = reading_ids(calls, "iia_id", max_ids, warned)
    try:
        call = next(plan)
        while True:
            asked.append(_ids(call))
            call = plan.send(answer(_ids(call)))
    except StopIteration as done:
        return done.value, asked, warned


def test_answers_come_back_in_order_and_nothing_is_warned() -> None:
    answers, asked, warned = _drive([_get("a", "b"), _get("c")], lambda ids: tuple(ids))
    assert answers == [("a", "b"), ("c",)]
    assert asked == [["a", "b"], ["c"]]
    assert warned == []


def test_a_refused_batch_is_asked_one_id_at_a_time_and_the_unknown_one_read_as_absent() -> None:
    def answer(ids: list[str]) -> Any:
        if ids == ["gone"] or len(ids) > 1:
            return NotFound("no such iia", status=404, body=b"<html>404</html>")
        return tuple(ids)

    answers, asked, warned = _drive([_get("a", "gone", "b")], answer)
    assert asked == [["a", "gone", "b"], ["a"], ["gone"], ["b"]]
    assert answers == [("a",), ("b",)]
    (warning,) = warned
    assert isinstance(warning, UnknownIdNotIgnored)
    assert (warning.ids, warning.status, warning.known_issue) == (
        ("gone",),
        404,
        "unknown-ids-not-ignored",
    )


def test_a_batch_whose_ids_are_each_answered_was_refused_for_its_size() -> None:
    def answer(ids: list[str]) -> Any:
        return BadRequest("too many", status=400) if len(ids) > 1 else tuple(ids)

    answers, _asked, warned = _drive([_get("a", "b")], answer, max_ids=5)
    assert answers == [("a",), ("b",)]
    (warning,) = warned
    assert isinstance(warning, MaxIdsNotHonoured)
    assert (warning.sent, warning.max_ids, warning.status) == (2, 5, 400)


def test_a_400_to_more_ids_than_the_max_is_our_mistake_raised_at_once() -> None:
    asked: list[list[str]] = []

    def answer(ids: list[str]) -> Any:
        asked.append(ids)
        return BadRequest("too many", status=400)

    with pytest.raises(MaxIdsExceeded) as raised:
        _drive([_get("a", "b", "c")], answer, max_ids=2)
    assert (raised.value.sent, raised.value.max_ids) == (3, 2)
    assert asked == [["a", "b", "c"]]  # not asked again one by one


def test_a_server_fault_is_raised_and_what_was_warned_before_it_is_kept() -> None:
    warned: list[EwpWarning] = []
    plan = reading_ids([_get("gone"), _get("b")], "iia_id", 5, warned)
    next(plan)
    plan.send(NotFound("no such iia", status=404))  # read as absent, warned
    fault: PartnerError = PartnerServerError("down", status=503)
    with pytest.raises(PartnerServerError):
        plan.send(fault)
    assert [type(w) for w in warned] == [UnknownIdNotIgnored]
