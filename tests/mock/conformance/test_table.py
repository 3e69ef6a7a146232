"""Every endpoint the mock's manifest announces × every rule of the request rules × signed or not.

The table and what each rule expects are in :mod:`.cases`; the endpoints are
read from the node's manifest (:mod:`.harness`), so an API added to the app
and its manifest is covered without touching this file (a required parameter
with no known value fails, naming what to add). A 200 body must be valid
against our schemas (``ewp_client.validate``) and, when the official reference
pack is there, against the official XSDs through xmlschema; the last test
counts both over every 200 case and reports the figure.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ewp_client import validate
from tests.conformance import reference

from .cases import NOTIFICATIONS, OPEN, RESTRICTED, Case, all_cases, judged
from .harness import announced, endpoints, rules_by_path
from .judge import check_official, judge, run

CASES = all_cases()

#: Cases where the mock answers wrongly today: a part of the case id -> the defect.
KNOWN_DEFECTS: dict[str, str] = {}


def _marks(case: Case) -> list[pytest.MarkDecorator]:
    for part, defect in KNOWN_DEFECTS.items():
        if part in case.id:
            return [pytest.mark.xfail(strict=True, reason=defect)]
    return []


def test_every_announced_url_has_rules_and_every_rule_is_announced() -> None:
    announced_paths = {path for path, *_ in announced()}
    ruled = set(rules_by_path())
    assert announced_paths - ruled == set(), "announced in the manifest but no request rules"
    assert ruled - announced_paths == set(), "request rules for a path the manifest does not name"
    assert len(endpoints()) == len(ruled)


def test_every_endpoint_has_an_access_row() -> None:
    """A new API must say who may see what (RESTRICTED, OPEN or NOTIFICATIONS in cases.py)."""
    rows = RESTRICTED | OPEN | NOTIFICATIONS
    missing = {e.name for e in endpoints() if judged(e) and not e.is_stats and e.name not in rows}
    assert missing == set()


def test_the_table_covers_every_endpoint_both_ways() -> None:
    for endpoint in endpoints():
        mine = [c for c in CASES if c.endpoint == endpoint]
        assert {c.ask_signed for c in mine} == {True, False}, endpoint.path
        assert {"method-PUT", "method-DELETE", "unsigned"} <= {c.rule for c in mine}
        if judged(endpoint):
            ok_methods = {c.method for c in mine if c.rule == "ok"}
            assert ok_methods == set(endpoint.rules.methods), endpoint.path


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES])
async def test_case(case: Case) -> None:
    await judge(case)


async def test_agreement_figure(figures: Callable[[str], None]) -> None:
    """Every 200 case once more: counted, and each body checked against both schema sets."""
    ok = [c for c in CASES if c.status == 200 and not _marks(c)]
    ours = official = 0
    invalid: list[str] = []
    for case in ok:
        sent = await run(case)
        assert sent.response.status_code == 200, case.id
        validate(sent.response.content)
        ours += 1
        if reference.available():
            try:
                check_official(sent.response.content)
            except Exception as error:
                invalid.append(f"{case.id}: {error}")
            else:
                official += 1
    assert ours == len(ok)
    assert invalid == []
    where = "official XSDs" if reference.available() else "official XSDs (reference pack absent)"
    figures(
        f"mock conformance: {len(CASES)} endpoint x rule x method x signature cases over "
        f"{len(endpoints())} announced endpoints; {ours}/{len(ok)} 200 bodies valid against "
        f"our schemas, {official}/{len(ok)} against the {where}"
    )
    if reference.available():
        assert official == len(ok)
