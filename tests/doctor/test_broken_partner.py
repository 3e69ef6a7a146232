"""``ewp doctor`` against a partner broken in one way: that check fails, names it, shows why.

The known problems are the mock's fault scenarios (test_scenarios.py runs the
doctor against each; the tests here look closer at a few of them). The breaks
no scenario plays are made by patching a server-half function, undone after
the test: the doctor must exit 1, fail the check that guards against the break
with evidence an engineer can act on, and keep the checks the break does not
touch green.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ewp_client.security import ResponseSigner
from ewp_client.server import EndpointRules, Param
from ewp_client.server import iias as server_iias
from ewp_mock.testing import Partner, PartnerKeys

from .conftest import Doctor, Run, configure, run_doctor

Patch = Callable[[pytest.MonkeyPatch], None]
Playing = Callable[..., tuple[Run, Partner]]
#: How far behind the clock of the ``httpsig-clock-skew`` scenario runs (the specs allow < 300 s).
BEHIND = 420


def _digest_of_other_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compute the Digest over other bytes than those sent (a body changed after signing)."""
    original = ResponseSigner.sign

    def sign(self: ResponseSigner, *, body: bytes, **kw: Any) -> Any:
        return original(self, body=body + b"\n", **kw)

    monkeypatch.setattr(ResponseSigner, "sign", sign)


def _no_hash_element(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve IIAs without the (required) ``iia-hash`` element."""
    original = server_iias.render_get_response

    def render(iias: Any) -> bytes:
        root = etree.fromstring(original(iias))
        for element in list(root.iter("{*}iia-hash")):
            element.getparent().remove(element)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    monkeypatch.setattr(server_iias, "render_get_response", render)


@pytest.fixture
def playing(
    partner_keys: PartnerKeys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Playing:
    """``playing(scenario, json=True)``: the doctor's run against the mock playing ``scenario``."""

    def run(scenario: str, *, json: bool = True) -> tuple[Run, Partner]:
        with Partner.served(keys=partner_keys, scenarios=[scenario]) as partner:
            configure(partner, tmp_path, monkeypatch)
            return run_doctor(capsys, partner.hei_ids[0], *(["--json"] if json else [])), partner

    return run


def _no_id_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    original = EndpointRules._check_param

    def check(self: EndpointRules, param: Param, values: list[str], limits: Any) -> None:
        original(self, param, values, {})

    monkeypatch.setattr(EndpointRules, "_check_param", check)


@dataclass(frozen=True)
class Broken:
    name: str
    patch: Patch
    check: str
    known_issue: str | None
    options: tuple[str, ...] = ()
    still_green: str = "echo.signed-request"


CASES = (
    Broken(
        "digest of other bytes",
        _digest_of_other_bytes,
        "echo.response-signature",
        "httpsig-digest-mismatch",
    ),
    Broken(
        "iia-hash element left out",
        _no_hash_element,
        "iias.index.round-trip",
        "schema-required-field-missing",
    ),
    Broken("max-iia-ids not enforced", _no_id_limit, "iias.get.too-many-ids", "max-ids-violation"),
)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_broken_partner_fails_the_check_that_guards_it(
    case: Broken, doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    case.patch(monkeypatch)
    run = doctor("--json", *case.options)
    assert run.status == 1, run.out
    found = run.check(case.check)
    assert found["status"] == "fail", found
    assert found["known_issue"] == case.known_issue
    assert found["evidence"], "a failure comes with its evidence"
    assert run.check(case.still_green)["status"] == "pass"
    assert run.json()["ok"] is False


def _failed(run: Run, check_id: str) -> dict[str, Any]:
    found = run.check(check_id)
    assert found["status"] == "fail", found
    return found


def test_unsigned_answers_name_the_missing_signature(playing: Playing) -> None:
    run, _partner = playing("httpsig-response-unsigned")
    evidence = _failed(run, "echo.response-signature")["evidence"]
    assert evidence["error"] == "UnsignedResponseError"
    assert evidence["status"] == 200
    # every answer is judged: a data endpoint's 200 fails the same way
    assert _failed(run, "iias.get.unknown-id")["known_issue"] == "httpsig-response-unsigned"
    assert run.check("echo.answer")["status"] == "fail"
    assert run.check("echo.clock")["status"] == "pass"


def test_a_clock_behind_shows_the_offset(playing: Playing) -> None:
    run, _partner = playing("httpsig-clock-skew")
    evidence = _failed(run, "echo.clock")["evidence"]
    assert evidence["header"] == "Original-Date"
    assert -BEHIND - 10 <= evidence["offset-seconds"] <= -BEHIND + 10
    assert evidence["allowed-seconds"] == 300
    signature = _failed(run, "echo.response-signature")
    assert signature["evidence"]["error"] == "ClockSkewError"


def test_a_missing_element_is_located(doctor: Doctor, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_hash_element(monkeypatch)
    run = doctor("--json")
    evidence = _failed(run, "iias.index.round-trip")["evidence"]
    assert evidence["error"] == "RequiredElementMissing"
    assert "iia-hash" in evidence["missing"]
    assert evidence["root"] == "iias-get-response"
    assert any("iia[1]" in v["path"] and v["line"] for v in evidence["violations"])
    assert "iia-hash" in evidence["violations"][0]["message"]


def test_an_html_error_body_is_withheld_not_quoted(playing: Playing) -> None:
    run, _partner = playing("error-response-malformed")
    evidence = _failed(run, "iias.get.too-many-ids")["evidence"]
    assert evidence["status"] == 400
    assert evidence["content-type"].startswith("text/html")
    assert re.fullmatch(r"<\d+ bytes, text/html, not XML: withheld>", evidence["body"])


def test_the_text_report_names_the_problem(playing: Playing) -> None:
    run, _partner = playing("iia-hash-invalid", json=False)
    assert run.status == 1
    line = next(x for x in run.out.splitlines() if x.startswith("FAIL  iias.get.iia-hash"))
    assert line.endswith("[known issue: iia-hash-invalid]")
    assert "      text-to-hash: " in run.out
    assert run.out.splitlines()[-1].startswith(
        f"{run.out.count(chr(10) + 'PASS')} passed, 1 failed"
    )


def test_a_client_warning_is_reported_with_its_evidence(playing: Playing) -> None:
    run, _partner = playing("la-student-family-name-missing", json=False)
    assert run.status == 0  # the LA is usable: a warning, not a failure
    line = next(x for x in run.out.splitlines() if x.startswith("WARN  omobility-las.get.student"))
    assert line.endswith("[known issue: la-student-family-name-missing]")
    assert "      warning: StudentNameMissing" in run.out
    assert "      field: family-name" in run.out


def test_an_untrusted_certificate_is_named(
    doctor: Doctor, doctor_env: Partner, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    catalogue = tmp_path / "catalogue.xml"
    catalogue.write_bytes(doctor_env.catalogue_xml)
    monkeypatch.delenv("EWP_CA_BUNDLE")
    run = doctor("--json", "--registry", str(catalogue))
    assert run.status == 1
    tls = _failed(run, f"tls.127.0.0.1:{doctor_env.config.port}")
    assert "certificate verify failed" in tls["summary"] or "unable to get" in tls["summary"]
    assert tls["evidence"]["issuer"] == "ewp_mock test CA"
    assert tls["evidence"]["verify-error"]
    assert _failed(run, "echo.signed-request")["evidence"]["error"] == "TransportError"


def test_a_certificate_expiring_soon_is_a_warning(doctor: Doctor, doctor_env: Partner) -> None:
    run = doctor("--json", "--expiry-days", "30")
    assert run.status == 0  # a warning does not fail the report
    tls = run.check(f"tls.127.0.0.1:{doctor_env.config.port}")
    assert tls["status"] == "warn"
    assert tls["summary"] == f"certificate expires in {tls['evidence']['days-left']} day(s)"
    assert tls["evidence"]["days-left"] < 30


def test_repeats_dropped_before_the_limit_is_a_warning(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = EndpointRules._check_param

    def check(self: EndpointRules, param: Param, values: list[str], limits: Any) -> None:
        original(self, param, list(dict.fromkeys(values)), limits)

    monkeypatch.setattr(EndpointRules, "_check_param", check)
    run = doctor("--json")
    assert run.status == 0  # the spec does not say repeats count; the official validator does
    repeated = run.check("iias.get.repeated-ids")
    assert repeated["status"] == "warn"
    assert repeated["known_issue"] == "max-ids-violation"
    assert repeated["evidence"]["copies-sent"] == repeated["evidence"]["limit"] + 1
    assert run.check("iias.get.too-many-ids")["status"] == "pass"
