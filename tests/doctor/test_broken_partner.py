"""``ewp doctor`` against a partner broken in one way: that check fails, names it, shows why.

Each case breaks the served mock in one way (a patched server-half function,
undone after the test), as the official validator's reference services do,
and runs the doctor: it must exit 1, fail the check that guards against the
break with the catalogued problem's id (``known-issues``) and evidence an
engineer can act on, and keep the checks the break does not touch green.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import etree

from ewp_client.errors import NotFound
from ewp_client.security import ResponseSigner, SigningKey, generate_private_key
from ewp_client.server import Answer, EndpointRules, Param, bad_request
from ewp_client.server import iias as server_iias
from ewp_mock.node import MockNode
from ewp_mock.routes import iias as iias_routes
from ewp_mock.testing import Partner

from .conftest import Doctor, Run

Patch = Callable[[pytest.MonkeyPatch], None]
#: How far behind the broken partner's clock runs (the specs allow less than 300 s).
BEHIND = 420


def _unsigned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ResponseSigner, "sign", lambda self, **kw: ())


def _clock_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ResponseSigner.sign

    def sign(self: ResponseSigner, **kw: Any) -> Any:
        return original(self, **kw, now=time.time() - BEHIND)

    monkeypatch.setattr(ResponseSigner, "sign", sign)


def _unknown_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign with a key the catalogue does not publish (a rotated key, say)."""
    original = ResponseSigner.sign
    stranger = ResponseSigner(SigningKey(generate_private_key()))

    def sign(self: ResponseSigner, **kw: Any) -> Any:
        return original(stranger, **kw)

    monkeypatch.setattr(ResponseSigner, "sign", sign)


def _digest_of_other_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compute the Digest over other bytes than those sent (a body changed after signing)."""
    original = ResponseSigner.sign

    def sign(self: ResponseSigner, *, body: bytes, **kw: Any) -> Any:
        return original(self, body=body + b"\n", **kw)

    monkeypatch.setattr(ResponseSigner, "sign", sign)


def _wrong_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declare the hash of a different text (the kit's hash with a trailing ``_``)."""
    original = server_iias.stamp_iia_hashes

    def stamp(tree: etree._ElementTree) -> Any:
        results = original(tree)
        for element in tree.getroot().iter("{*}iia-hash"):
            element.text = "0" * 64
        return results

    monkeypatch.setattr(server_iias, "stamp_iia_hashes", stamp)


def _unknown_id_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    original = iias_routes.answer_get

    def answer_get(repository: Any, *, hei_id: str, caller: Any, params: Any) -> Answer:
        for iia_id in params.unique("iia_id"):
            if repository.find(hei_id, iia_id) is None:
                raise NotFound(f"no IIA {iia_id}", status=404)
        return original(repository, hei_id=hei_id, caller=caller, params=params)

    monkeypatch.setattr(iias_routes, "answer_get", answer_get)


def _no_hash_element(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve IIAs without the (required) ``iia-hash`` element."""
    original = server_iias.render_get_response

    def render(iias: Any) -> bytes:
        root = etree.fromstring(original(iias))
        for element in list(root.iter("{*}iia-hash")):
            element.getparent().remove(element)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    monkeypatch.setattr(server_iias, "render_get_response", render)


def _html_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer every refusal with an HTML page instead of an ``error-response``."""
    from fastapi.responses import Response

    from ewp_mock import app, security

    def html(error: Any, status: int | None = None) -> Response:
        code = status or security.error_answer(error).status
        return Response(b"<html><body>Bad request</body></html>", code, media_type="text/html")

    monkeypatch.setattr(app, "error_response", html)


def _no_id_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    original = EndpointRules._check_param

    def check(self: EndpointRules, param: Param, values: list[str], limits: Any) -> None:
        original(self, param, values, {})

    monkeypatch.setattr(EndpointRules, "_check_param", check)


def _cnr_rejects(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: MockNode, kind: Any, **kw: Any) -> Any:
        raise bad_request(f"unknown id {kw['object_ids'][0]}", "iia_id")

    monkeypatch.setattr(MockNode, "record_received", refuse)


@dataclass(frozen=True)
class Broken:
    name: str
    patch: Patch
    check: str
    known_issue: str | None
    options: tuple[str, ...] = ()
    still_green: str = "echo.signed-request"


CASES = (
    Broken("unsigned responses", _unsigned, "echo.response-signature", "httpsig-response-unsigned"),
    Broken(
        "signed with an unknown key",
        _unknown_key,
        "echo.response-signature",
        "httpsig-keyid-unknown",
    ),
    Broken(
        "digest of other bytes",
        _digest_of_other_bytes,
        "echo.response-signature",
        "httpsig-digest-mismatch",
    ),
    Broken("clock 7 minutes behind", _clock_behind, "echo.clock", "httpsig-clock-skew"),
    Broken("wrong iia-hash", _wrong_hash, "iias.get.iia-hash", "iia-hash-invalid"),
    Broken(
        "unknown id answered 404",
        _unknown_id_not_found,
        "iias.get.unknown-id",
        "unknown-ids-not-ignored",
    ),
    Broken(
        "iia-hash element left out",
        _no_hash_element,
        "iias.index.round-trip",
        "schema-required-field-missing",
    ),
    Broken(
        "errors answered as HTML",
        _html_errors,
        "iias.get.too-many-ids",
        "error-response-malformed",
    ),
    Broken("max-iia-ids not enforced", _no_id_limit, "iias.get.too-many-ids", "max-ids-violation"),
    Broken(
        "CNR refuses an unknown id",
        _cnr_rejects,
        "iia-cnr.url.notify",
        "cnr-rejects-valid-notification",
        ("--allow-writes",),
    ),
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


def test_unsigned_answers_name_the_missing_signature(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unsigned(monkeypatch)
    run = doctor("--json")
    evidence = _failed(run, "echo.response-signature")["evidence"]
    assert evidence["error"] == "UnsignedResponseError"
    assert evidence["status"] == 200
    # every answer is judged: a data endpoint's 200 fails the same way
    assert _failed(run, "iias.get.unknown-id")["known_issue"] == "httpsig-response-unsigned"
    # the signature is what binds an answer to our request: the echo of our id goes with it
    assert _failed(run, "echo.request-id")["known_issue"] == "httpsig-correlation-headers"
    assert run.check("echo.answer")["status"] == "fail"
    assert run.check("echo.clock")["status"] == "pass"


def test_a_clock_behind_shows_the_offset(doctor: Doctor, monkeypatch: pytest.MonkeyPatch) -> None:
    _clock_behind(monkeypatch)
    run = doctor("--json")
    evidence = _failed(run, "echo.clock")["evidence"]
    assert evidence["header"] == "Original-Date"
    assert -BEHIND - 10 <= evidence["offset-seconds"] <= -BEHIND + 10
    assert evidence["allowed-seconds"] == 300
    signature = _failed(run, "echo.response-signature")
    assert signature["evidence"]["error"] == "ClockSkewError"


def test_a_wrong_hash_shows_declared_computed_and_the_text(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _wrong_hash(monkeypatch)
    run = doctor("--json")
    evidence = _failed(run, "iias.get.iia-hash")["evidence"]
    assert {row["declared"] for row in evidence["iias"]} == {"0" * 64}
    assert all(
        len(row["computed"]) == 64 and row["computed"] != "0" * 64 for row in evidence["iias"]
    )
    assert evidence["text-to-hash"]
    assert run.check("iias.index.round-trip")["status"] == "pass"


def test_a_missing_element_is_located(doctor: Doctor, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_hash_element(monkeypatch)
    run = doctor("--json")
    evidence = _failed(run, "iias.index.round-trip")["evidence"]
    assert evidence["error"] == "RequiredElementMissing"  # a SchemaValidationError
    assert evidence["root"] == "iias-get-response"
    assert any("iia[1]" in v["path"] and v["line"] for v in evidence["violations"])
    assert "iia-hash" in evidence["violations"][0]["message"]


def test_an_unknown_id_refused_shows_status_and_message(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unknown_id_not_found(monkeypatch)
    run = doctor("--json")
    evidence = _failed(run, "iias.get.unknown-id")["evidence"]
    assert evidence["status"] == 404
    assert evidence["developer-message"] == "no IIA ewp-doctor-unknown-1"
    assert evidence["parameters"] == ["iia_id=ewp-doctor-unknown-1"]


def test_an_html_error_body_is_withheld_not_quoted(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _html_errors(monkeypatch)
    run = doctor("--json")
    evidence = _failed(run, "iias.get.too-many-ids")["evidence"]
    assert evidence["status"] == 400
    assert evidence["content-type"] == "text/html; charset=utf-8"
    assert evidence["body"] == "<37 bytes, text/html, not XML: withheld>"


def test_the_text_report_names_the_problem(doctor: Doctor, monkeypatch: pytest.MonkeyPatch) -> None:
    _wrong_hash(monkeypatch)
    run = doctor()
    assert run.status == 1
    line = next(x for x in run.out.splitlines() if x.startswith("FAIL  iias.get.iia-hash"))
    assert line.endswith("[known issue: iia-hash-invalid]")
    assert "      text-to-hash: " in run.out
    assert run.out.splitlines()[-1].startswith(
        f"{run.out.count(chr(10) + 'PASS')} passed, 1 failed"
    )


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
