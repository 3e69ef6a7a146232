"""Every known issue reproduced by the mock and named by the client, end to end.

For each built-in fault scenario (one per catalogue row, and four TLS
certificate defects), :data:`~.cases.CASES` names the client call that
reveals it. The call is made with the library's clients against a mock
partner playing the scenario, and the client must report the row: the class
a user catches, carrying the row's ``known_issue`` (a TLS defect: its
``problem``) and the evidence :mod:`.cases` checks. The same call against the
mock without the scenario names no problem. Pairs of scenarios played at once
are each still named. The tests are parametrised over the scenario registry
and :data:`~ewp_client.known_issues.KNOWN_ISSUES`, so a row without a case
fails; the last test counts the rows reproduced and named (both ways) and
the pairs, before anything is asserted, and reports the figure.

A fault in the response's signature stops the call before the body is
read (the body is trusted only once the signature and the ``Digest``
verified): paired with a body fault, the body fault is named by the same
call made with response verification off, as a partner relying on TLS
alone would be read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ewp_client.client import LasClient
from ewp_client.errors import AlreadyApplied, EditConflict, EwpWarning, StudentNameMissing
from ewp_client.known_issues import KNOWN_ISSUES, known_issue_of
from ewp_mock.data import UNI_A
from ewp_mock.faults import ScenarioRegistry
from ewp_mock.testing import Partner

from .cases import CASES, PENDING, SIGNER, Case
from .harness import Seen, started

DOCS = Path(__file__).resolve().parents[3] / "docs" / "mock-scenarios.md"
BUILT_IN = ScenarioRegistry.load().names
#: Every row the suite must cover: each built-in scenario and each catalogue entry.
ROWS = tuple(dict.fromkeys([*BUILT_IN, *KNOWN_ISSUES]))
TLS_ROWS = tuple(r for r in ROWS if r not in KNOWN_ISSUES)

#: Scenarios played together; each must still be named.
PAIRS = (
    ("httpsig-clock-skew", "iia-hash-invalid"),  # a signature fault and a body fault
    ("httpsig-digest-mismatch", "la-student-family-name-missing"),  # encoding and body
    ("error-response-malformed", "la-update-409-conflict"),  # status and body of one answer
    ("unknown-ids-not-ignored", "max-ids-violation"),  # two refusals by one endpoint
    ("cnr-rejects-valid-notification", "httpsig-response-unsigned"),  # 4xx unsigned
    ("la-update-409-conflict", "la-cnr-missing-after-update"),  # and over time
)


def case_of(row: str) -> Case:
    if row not in CASES:
        pytest.fail(f"scenario {row} has no end-to-end case in tests.known_issues.e2e.cases")
    return CASES[row]


def describe(seen: Seen) -> str:
    return ", ".join(f"{type(p).__name__}: {p}" for p in seen.problems) or "nothing"


def names_the_row(case: Case, problem: Any) -> bool:
    """Whether ``problem`` (or the error it wraps) reports ``case.row``."""
    if case.row not in KNOWN_ISSUES:
        return getattr(problem, "problem", None) == case.row.removeprefix("tls-")
    issue = KNOWN_ISSUES[case.row]
    wrapped = (problem, getattr(problem, "error", None))
    return any(p is not None and known_issue_of(p) is issue for p in wrapped)


def check_named(case: Case, scenarios: tuple[str, ...], *, verify: bool = True) -> None:
    """The call of ``case`` against a mock playing ``scenarios`` names ``case.row``."""
    with started(case.setup, scenarios, verify=verify) as mock:
        seen = case.reveal(mock)
        found = seen.reported(case.reports)
        assert found, f"{case.call}: no {case.reports.__name__}; reported {describe(seen)}"
        assert all(names_the_row(case, f) for f in found), f"{case.row} not named: {found}"
        case.evidence(seen, mock)


def check_clean(case: Case) -> None:
    """The call of ``case`` against the mock without any scenario names no problem."""
    with started(case.setup, ()) as mock:
        seen = case.reveal(mock)
        problems = seen.problems
        if case.fails_anyway is not None:
            assert [type(p) for p in problems] == [case.fails_anyway], describe(seen)
        else:
            assert problems == [], f"{case.call} without the scenario: {describe(seen)}"
        assert not any(isinstance(w, EwpWarning) for w in seen.warnings)
        if case.succeeded is not None:
            case.succeeded(seen, mock)


def check_pair(pair: tuple[str, str]) -> None:
    """Each scenario of ``pair``, played together, is still named by its call."""
    cases = [case_of(row) for row in pair]
    setup = "network" if any(c.setup == "network" for c in cases) else cases[0].setup
    for case, other in zip(cases, reversed(cases), strict=True):
        verify = case.signature_fault or not other.signature_fault
        check_named(Case(**{**vars(case), "setup": setup}), pair, verify=verify)


# ---------------------------------------------------------------- the table covers the rows


def test_every_catalogue_row_has_a_scenario() -> None:
    assert sorted(set(KNOWN_ISSUES) - set(BUILT_IN)) == []
    assert len(TLS_ROWS) == 4
    assert all(row.startswith("tls-") for row in TLS_ROWS)


def test_every_case_is_of_a_row_and_reports_its_class() -> None:
    assert sorted(set(CASES) - set(ROWS)) == []
    for row, case in CASES.items():
        assert case.row == row
        if row in KNOWN_ISSUES:
            issue = KNOWN_ISSUES[row]
            assert case.reports in issue.reported_by or known_issue_of(case.reports) is None, row


def test_the_documented_diagnoses_are_the_tested_ones() -> None:
    text = DOCS.read_text("utf-8")
    section = text.split("## What the client says", 1)[1].split("\n## ", 1)[0]
    said = dict(re.findall(r"^\| `([a-z0-9-]+)` \| [^|]* \| ([^|]*) \|", section, flags=re.M))
    assert sorted(said) == sorted(CASES)
    assert [r for r, c in CASES.items() if f"`{c.reports.__name__}`" not in said[r]] == []


def test_every_pair_is_of_two_rows() -> None:
    assert all(len(set(pair)) == 2 and set(pair) <= set(CASES) for pair in PAIRS)
    assert any(CASES[a].signature_fault != CASES[b].signature_fault for a, b in PAIRS)


# ---------------------------------------------------------------- each row, both ways


#: What each check gave in this run (``None``: passed), for the figure: (check, row or pair).
RESULTS: dict[tuple[str, str], str | None] = {}


def recorded(key: tuple[str, str], check: Callable[..., None], *args: Any) -> None:
    """``check(*args)``, its outcome kept in :data:`RESULTS` (a failure raised on as it came)."""
    try:
        check(*args)
    except Exception as error:
        RESULTS[key] = f"{type(error).__name__}: {error}"
        raise
    RESULTS[key] = None


@pytest.mark.parametrize("row", ROWS)
def test_the_client_names_the_scenario(row: str) -> None:
    recorded(("named", row), check_named, case_of(row), (row,))


@pytest.mark.parametrize("row", ROWS)
def test_without_the_scenario_the_same_call_succeeds(row: str) -> None:
    recorded(("clean", row), check_clean, case_of(row))


@pytest.mark.parametrize("pair", PAIRS, ids="+".join)
def test_two_scenarios_at_once_are_each_named(pair: tuple[str, str]) -> None:
    recorded(("pair", "+".join(pair)), check_pair, pair)


# ---------------------------------------------------------------- after an exchange


@pytest.mark.parametrize("scenarios", [(), ("la-update-409-conflict",)], ids=["clean", "409"])
def test_a_repeated_update_answered_409_is_found_already_applied(
    scenarios: tuple[str, ...],
) -> None:
    """The update is sent again (a second click, a retrying proxy): the partner answers the
    repeat 409, and the client re-reads the LA before reporting a failure. With the scenario
    the first answer is a 409 already (a repeat's 409 overwriting the first one's success)."""
    with started("partner", scenarios) as mock:
        las = LasClient(mock.client())
        la = las.get_one(UNI_A, PENDING)
        assert la is not None
        assert la.changes_proposal is not None
        proposal = la.changes_proposal.id
        answers = [mock.see(lambda c: las.approve(UNI_A, PENDING, proposal, SIGNER)) for _ in "12"]
    first, repeat = answers
    assert (first.error is None) == (scenarios == ())
    applied = repeat.one(AlreadyApplied)
    assert isinstance(applied.error, EditConflict)
    assert known_issue_of(applied.error) is KNOWN_ISSUES["la-update-409-conflict"]
    assert applied.status == 409
    assert applied.update_request.action.changes_proposal_id == proposal  # as the user sent it
    assert applied.learning_agreement is not None
    assert applied.learning_agreement.approved_changes is not None


@pytest.mark.ewp_partner(scenarios=["la-student-family-name-missing"])
def test_a_suite_using_the_plugins_partner_sees_the_same(ewp_partner: Partner) -> None:
    """As a user's CI suite writes it: the plugin's partner plays the scenario named."""
    with pytest.warns(StudentNameMissing) as records:
        (la,) = LasClient(ewp_partner.client()).get(UNI_A, [PENDING])
    assert la.omobility_id == PENDING
    assert [w.message.field for w in records if isinstance(w.message, StudentNameMissing)] == [
        "family-name"
    ]


# ---------------------------------------------------------------- the figure


def _problem(key: tuple[str, str], check: Callable[..., None], *args: Any) -> str | None:
    """What ``check`` gave this run (made now when the test making it was not run)."""
    if key not in RESULTS:
        try:
            check(*args)
        except Exception as error:  # counted, then reported below
            RESULTS[key] = f"{type(error).__name__}: {error}"
        else:
            RESULTS[key] = None
    return RESULTS[key]


def test_agreement_figure(figures: Callable[[str], None]) -> None:
    """Every row counted: it passes when named with its scenario and clean without it.

    The outcomes of the tests above are counted as they came; a check whose test
    did not run in this session (a ``-k`` selection) is made here.
    """
    problems: dict[str, str | None] = {}
    for row in ROWS:
        if row not in CASES:
            problems[row] = "no end-to-end case"
            continue
        case = CASES[row]
        named = _problem(("named", row), check_named, case, (row,))
        clean = _problem(("clean", row), check_clean, case)
        problems[row] = named or clean
    pairs = {(name := "+".join(pair)): _problem(("pair", name), check_pair, pair) for pair in PAIRS}
    passed = [row for row, problem in problems.items() if problem is None]
    catalogue = [row for row in passed if row in KNOWN_ISSUES]
    tls = [row for row in passed if row not in KNOWN_ISSUES]
    figures(
        "known issues reproduced by the mock and named by the client: "
        f"{len(catalogue)}/{len(KNOWN_ISSUES)} rows (+{len(tls)}/{len(TLS_ROWS)} TLS); "
        f"{sum(p is None for p in pairs.values())}/{len(pairs)} pairs of scenarios at once"
    )
    wrong = [f"{name}: {problem}" for name, problem in {**problems, **pairs}.items() if problem]
    assert wrong == []
    assert len(KNOWN_ISSUES) >= 25
