"""The doctor's verdicts without a network: exchanges in, results out; the report's renderings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ewp_client.client import EwpClient
from ewp_client.doctor import (
    TLS_ISSUES,
    Check,
    CheckResult,
    Doctor,
    Exchange,
    Judge,
    Report,
    Status,
    known_issue_of,
    render_html,
    text_lines,
    with_warnings,
)
from ewp_client.doctor import judge as judge_module
from ewp_client.errors import (
    ClockSkewError,
    ConfigError,
    CorrelationHeaderNotSigned,
    DigestError,
    DigestMismatch,
    InvalidDateHeader,
    MissingSignedHeaderError,
    ResponseCorrelationError,
    StudentNameMissing,
    UnknownIdNotIgnored,
    UnknownSigningKey,
    UnsignedResponseError,
    Violation,
)
from ewp_client.known_issues import KNOWN_ISSUES
from ewp_client.known_issues import known_issue_of as client_known_issue_of
from ewp_client.namespaces import ECHO_ENTRY_NS, IIAS_V6_ENTRY_NS
from ewp_client.registry import ApiEntry, Host, RegistryClient, build_catalogue, render_catalogue
from ewp_client.security import InMemoryKeyResolver, ResponseVerifier, SentRequest
from ewp_client.security.dates import format_http_date
from ewp_client.server import RULES_BY_URL_ELEMENT
from ewp_client.xml.schema_issues import schema_error
from ewp_mock.faults.scenarios import ScenarioRegistry
from tests.mock.conformance.harness import endpoints
from tests.support.network import HTTPSIG, PARTNER, key

CHECK = Check("echo.x", "A check", "echo", "https://partner.example/echo")
JUDGE = Judge(ResponseVerifier(InMemoryKeyResolver()), our_heis=("uni-b.example.org",))
NOW = 1_800_000_000.0


def _schema_error(message: str) -> Exception:
    """The error the library's validator raises for this violation message."""
    return schema_error(
        [Violation(3, "/iias-get-response/iia[1]", message)], namespace=None, root="r"
    )


@pytest.mark.parametrize(
    ("error", "issue"),
    [
        (UnsignedResponseError("no signature"), "httpsig-response-unsigned"),
        (
            ResponseCorrelationError("wrong id", header="X-Request-Id", expected="a", got="b"),
            "httpsig-correlation-headers",
        ),
        (CorrelationHeaderNotSigned("x", header="x-request-id"), "httpsig-correlation-headers"),
        (
            UnknownSigningKey("who", key_id="ab", catalogue_refreshed=True),
            "httpsig-keyid-unknown",
        ),
        (
            DigestMismatch("digest", declared="a", computed="b", content_encoding=None),
            "httpsig-digest-mismatch",
        ),
        (ClockSkewError("late", skew=-400, limit=300), "httpsig-clock-skew"),
        (InvalidDateHeader("CEST", header="Date", value="x CEST"), "httpsig-date-bad-format"),
        (DigestError("the Digest header is missing"), None),  # no catalogued problem
        (MissingSignedHeaderError("x", header="digest"), None),
        (
            _schema_error("<iia>: a required child element is missing; expected <iia-hash>"),
            "schema-required-field-missing",
        ),
        (_schema_error("'john at uni' is not a valid Email"), "invalid-value-format"),
        (_schema_error("not expected here"), None),
        (ConfigError("nothing catalogued"), None),
    ],
)
def test_known_issues_are_the_clients(error: Exception, issue: str | None) -> None:
    """The doctor names what the client names (ewp_client.known_issues), nothing else."""
    assert known_issue_of(error) == issue
    catalogued = client_known_issue_of(error)
    assert (catalogued.id if catalogued else None) == issue


def test_an_errors_own_known_issue_wins() -> None:
    error = DigestError("gzip after signing")
    error.known_issue = "httpsig-date-rewritten-by-proxy"  # type: ignore[misc]
    assert known_issue_of(error) == "httpsig-date-rewritten-by-proxy"


def _unknown_id_warning() -> UnknownIdNotIgnored:
    return UnknownIdNotIgnored(
        "404 for an unknown id",
        api="iias",
        hei_id="uni-a.example.org",
        ids=["x"],
        status=404,
        developer_message="no IIA x",
        excerpt="<error-response>...",
    )


def test_a_client_warning_makes_a_passed_check_a_warning_with_its_evidence() -> None:
    result = with_warnings(CHECK.passed("fine", {"request": "GET x"}), [_unknown_id_warning()])
    assert result.status is Status.WARN
    assert result.known_issue == "unknown-ids-not-ignored"
    assert result.summary == "404 for an unknown id"
    assert result.evidence == {
        "request": "GET x",
        "warning": "UnknownIdNotIgnored",
        "message": "404 for an unknown id",
        "developer-message": "no IIA x",
        "hei-id": "uni-a.example.org",
        "api": "iias",
        "ids": ["x"],
        "status": 404,
    }


def test_a_failed_check_keeps_its_verdict_and_lists_the_warnings() -> None:
    failed = CHECK.failed("bad", {"a": 1}, "iia-hash-invalid")
    second = StudentNameMissing("no name", omobility_id="la-1", field="family-name", path="p")
    result = with_warnings(failed, [_unknown_id_warning(), second])
    assert result.status is Status.FAIL
    assert result.known_issue == "iia-hash-invalid"
    warned = result.evidence["client-warnings"]
    assert [w["warning"] for w in warned] == ["UnknownIdNotIgnored", "StudentNameMissing"]
    assert warned[1]["field"] == "family-name"
    assert with_warnings(failed, []) is failed


def _answer(status: int, headers: tuple[tuple[str, str], ...] = (), body: bytes = b"") -> Exchange:
    return Exchange(
        method="GET",
        url=CHECK.url or "",
        sent=SentRequest(request_id="8a0e7a5c-0000-4000-8000-000000000000"),
        status=status,
        headers=headers,
        body=body,
        raw_body=body,
        received_at=NOW,
    )


@pytest.mark.parametrize(
    ("offset", "status", "issue"),
    [
        (-2, Status.PASS, None),
        (90, Status.WARN, "httpsig-clock-skew"),
        (-420, Status.FAIL, "httpsig-clock-skew"),
    ],
)
def test_clock_offsets(offset: int, status: Status, issue: str | None) -> None:
    result = JUDGE.clock(CHECK, _answer(200, (("Date", format_http_date(NOW + offset)),)))
    assert result.status is status
    assert result.known_issue == issue
    assert result.evidence["offset-seconds"] == offset


def test_a_date_in_another_zone_is_named() -> None:
    result = JUDGE.clock(CHECK, _answer(200, (("Date", "Sat, 03 Jun 2023 04:08:54 CEST"),)))
    assert result.status is Status.FAIL
    assert result.known_issue == "httpsig-date-bad-format"
    assert result.evidence["value"] == "Sat, 03 Jun 2023 04:08:54 CEST"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [(401, Status.PASS), (403, Status.WARN), (200, Status.FAIL), (500, Status.FAIL)],
)
def test_an_unsigned_request_must_be_refused_with_401(status: int, verdict: Status) -> None:
    assert JUDGE.unsigned_refused(CHECK, _answer(status)).status is verdict


def test_a_put_answered_200_fails_showing_the_status() -> None:
    result = JUDGE.method_refused(CHECK, _answer(200))
    assert result.status is Status.FAIL
    assert result.summary == "answered GET with 200, expected 405"


def test_the_request_id_must_be_ours() -> None:
    result = JUDGE.request_id_echoed(CHECK, _answer(200, (("X-Request-Id", "another"),)))
    assert result.status is Status.FAIL
    assert result.evidence["x-request-id-received"] == "another"
    assert result.known_issue == "httpsig-correlation-headers"


def _report(*checks: CheckResult) -> Report:
    return Report(
        hei_id="uni-a.example.org",
        registry="file.xml",
        started="2026-12-03T00:00:00+00:00",
        checks=checks,
    )


HOSTILE = '</pre><script>alert("x")</script><img src=x onerror=alert(1)>'


def test_the_html_page_escapes_partner_text_and_loads_nothing() -> None:
    bad = CHECK.failed(HOSTILE, {"developer-message": HOSTILE}, "iia-hash-invalid")
    page = render_html(_report(CHECK.passed("fine"), bad))
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(" in page
    assert re.search(r"<(?:img|link|iframe|object|embed)\b", page) is None
    assert re.search(r"<[^>]*\b(?:src|href)\s*=", page) is None
    assert "Content-Security-Policy" in page
    assert page.count('<tr class="check ') == 2
    assert "1 check(s) failed" in page


def test_report_json_text_and_counts() -> None:
    report = _report(
        CHECK.passed("ok"),
        CHECK.warned("hm", {"a": 1}),
        CHECK.skipped("not run"),
        CHECK.failed("bad", {"why": ["x"]}, "iia-hash-invalid"),
    )
    assert report.ok is False
    assert report.count() == {"pass": 1, "warn": 1, "skip": 1, "fail": 1}
    document = json.loads(json.dumps(report.to_json()))
    assert document["checks"][3]["known_issue"] == "iia-hash-invalid"
    lines = list(text_lines(report))
    assert "FAIL  echo.x: bad [known issue: iia-hash-invalid]" in lines
    assert '      why: ["x"]' in lines
    assert lines[-1] == "1 passed, 1 failed, 1 warnings, 1 skipped"
    assert _report(CHECK.passed("ok"), CHECK.skipped("no")).ok is True


def test_the_rules_by_url_element_are_the_ones_the_mock_applies() -> None:
    """The doctor holds partners to the rules our own server half applies, endpoint by endpoint."""
    announced = endpoints()
    assert announced
    for endpoint in announced:
        assert RULES_BY_URL_ELEMENT[(endpoint.api, endpoint.element)] is endpoint.rules, endpoint
    assert {(e.api, e.element) for e in announced} == set(RULES_BY_URL_ELEMENT)


def test_an_api_only_in_a_version_we_do_not_speak_is_skipped_saying_so(tmp_path: Path) -> None:
    entries = (
        ApiEntry(
            name="echo",
            namespace=ECHO_ENTRY_NS,
            version="2.0.0",
            properties=(("url", "https://b.example.org/echo"),),
            http_security=HTTPSIG,
        ),
        ApiEntry(
            name="iias",
            namespace=IIAS_V6_ENTRY_NS,
            version="6.1.0",
            properties=(("get-url", "https://b.example.org/iias"), ("max-iia-ids", "5")),
            http_security=HTTPSIG,
        ),
    )
    catalogue = build_catalogue([Host(apis=entries, hei_ids=(PARTNER,))])
    path = tmp_path / "catalogue.xml"
    path.write_bytes(render_catalogue(catalogue))
    with EwpClient(RegistryClient(path), key=key(1)) as client:
        found, results = Doctor(client)._entries(client.registry.catalogue(), PARTNER)
    assert [h.entry.name for h in found] == ["echo"]
    assert [r.id for r in results] == ["registry.manifest", "iias.version"]
    skipped = results[1]
    assert skipped.status is Status.SKIP
    assert "6.1.0" in skipped.summary
    assert skipped.evidence == {"declared": ["iias 6.1.0"]}
    assert results[0].evidence["declared"] == ["echo 2.0.0", "iias 6.1.0"]


#: The ids the doctor's own judgements name (those read from an error or warning are the
#: client's, see test_known_issues_are_the_clients).
DOCTOR_ISSUES = frozenset(
    {
        "cnr-rejects-valid-notification",
        "error-response-malformed",
        "httpsig-clock-skew",
        "httpsig-correlation-headers",
        "httpsig-date-bad-format",
        "iia-hash-invalid",
        "max-ids-violation",
        "unknown-ids-not-ignored",
    }
)


def test_every_issue_the_doctor_names_is_the_clients() -> None:
    source = Path(judge_module.__file__).read_text(encoding="utf-8")
    named = set(
        re.findall(r'"((?:cnr|error|httpsig|iia|la|max|unknown)-[a-z0-9]+-[a-z0-9-]+)"', source)
    )
    assert named == DOCTOR_ISSUES
    assert set(KNOWN_ISSUES) >= DOCTOR_ISSUES


def test_every_issue_the_client_names_is_in_the_catalogue(reference_pack: Path) -> None:
    text = (reference_pack / "known-issues.md").read_text(encoding="utf-8")
    catalogued = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.MULTILINE))
    assert not set(KNOWN_ISSUES) - catalogued


def test_tls_defects_are_named_as_the_mock_reproduces_them() -> None:
    scenarios = {n for n in ScenarioRegistry.load().names if n.startswith("tls-")}
    assert scenarios == TLS_ISSUES
    assert not scenarios & set(KNOWN_ISSUES)
