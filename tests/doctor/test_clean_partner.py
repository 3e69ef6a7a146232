"""``ewp doctor`` against a mock partner that keeps every rule: all green, exit 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ewp_client.cli import main
from ewp_client.cnr.model import CnrKind
from ewp_mock.testing import Partner

from .conftest import Doctor

#: Checks the doctor makes of the mock (which declares every API in scope), by id.
EXPECTED = {
    "registry.manifest",
    "echo.signed-request",
    "echo.response-signature",
    "echo.request-id",
    "echo.clock",
    "echo.answer",
    "echo.unsigned-refused",
    "echo.post",
    "iias.get.repeated-ids",
    "omobility-las.get.repeated-ids",
    "iias.get.unknown-id",
    "iias.get.too-many-ids",
    "iias.index.answer",
    "iias.index.round-trip",
    "iias.get.iia-hash",
    "iias-approval.url.unknown-id",
    "iias-approval.url.too-many-ids",
    "omobility-las.get.unknown-id",
    "omobility-las.get.too-many-ids",
    "omobility-las.index.round-trip",
    "institutions.url.unknown-id",
    "institutions.url.too-many-ids",
    "organizational-units.url.unknown-id",
    "factsheet.url.too-many-ids",
    "iias.get.max-ids-accepted",
    "iias.get.approvable",
    "omobility-las.get.student",
    "omobility-las.get.changes-proposal-id",
    "institutions.url.own-hei",
    "factsheet.url.own-hei",
}
#: Endpoints of the mock's manifest; each gets a PUT it must refuse.
ENDPOINTS = (
    "echo.url",
    "iias.get",
    "iias.index",
    "iias.stats",
    "iias-approval.url",
    "iia-cnr.url",
    "iia-approval-cnr.url",
    "omobility-las.get",
    "omobility-las.index",
    "omobility-las.update",
    "omobility-las.stats",
    "omobility-la-cnr.url",
    "omobility-la-cnr.stats",
    "institutions.url",
    "organizational-units.url",
    "factsheet.url",
)
#: What the doctor does not do unasked (notifications) or at all (LA updates).
NOT_SENT = {
    "iia-cnr.url.notify",
    "iia-approval-cnr.url.notify",
    "omobility-la-cnr.url.notify",
    "omobility-las.update.request",
}


def test_a_clean_partner_is_all_green(doctor: Doctor, doctor_env: Partner) -> None:
    run = doctor("--json")
    assert run.status == 0, run.out
    report = run.json()
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert EXPECTED | {f"{e}.put-refused" for e in ENDPOINTS} <= set(statuses)
    assert {i for i, s in statuses.items() if s != "pass"} == NOT_SENT
    assert {statuses[i] for i in NOT_SENT} == {"skip"}
    assert report["ok"] is True
    assert report["hei_id"] == doctor_env.hei_ids[0]
    assert report["summary"] == {"pass": len(statuses) - 4, "warn": 0, "skip": 4, "fail": 0}
    assert doctor_env.node.received == ()  # nothing sent that makes the partner work


def test_the_evidence_shows_what_was_sent_and_seen(doctor: Doctor, doctor_env: Partner) -> None:
    run = doctor("--json")
    signature = run.check("echo.response-signature")["evidence"]
    assert signature["key-id"] == doctor_env.config.server_key.key_id
    assert "x-request-id" in signature["covered"]
    too_many = run.check("iias.get.too-many-ids")
    limit = too_many["evidence"]["limit"]
    assert (
        limit
        == doctor_env.catalogue.find_api(doctor_env.hei_ids[0], "iias").entry.max_ids["max-iia-ids"]
    )
    assert len(too_many["evidence"]["parameters"]) == limit + 1
    assert too_many["evidence"]["status"] == 400
    assert "iia_id" in too_many["evidence"]["developer-message"]
    hashes = run.check("iias.get.iia-hash")["evidence"]["iias"]
    assert hashes
    assert all(row["declared"] == row["computed"] for row in hashes)
    tls = run.check(f"tls.127.0.0.1:{doctor_env.config.port}")
    assert tls["status"] == "pass"
    assert tls["evidence"]["issuer"] == "ewp_mock test CA"
    assert "127.0.0.1" in tls["evidence"]["names"]


def test_text_report_has_one_line_per_check(doctor: Doctor) -> None:
    run = doctor()
    assert run.status == 0
    lines = run.out.splitlines()
    assert lines[0].startswith("ewp doctor uni-a.example.org (registry: https://127.0.0.1:")
    assert "PASS  echo.signed-request: our signed request was accepted (200)" in lines
    assert any(line.startswith("SKIP  iia-cnr.url.notify: not sent") for line in lines)
    assert lines[-1].endswith("0 failed, 0 warnings, 4 skipped")
    assert run.err == ""


def test_allow_writes_sends_each_notification_once(doctor: Doctor, doctor_env: Partner) -> None:
    run = doctor("--json", "--allow-writes")
    assert run.status == 0, run.out
    for check_id in ("iia-cnr.url.notify", "iia-approval-cnr.url.notify"):
        assert run.check(check_id)["status"] == "pass"
    assert run.check("omobility-la-cnr.url.notify")["status"] == "pass"
    assert run.check("omobility-las.update.request")["status"] == "skip"
    received = doctor_env.node.received
    assert sorted(r.kind for r in received) == sorted(CnrKind)  # one of each, once
    assert {r.object_ids for r in received} == {("ewp-doctor-unknown-1",)}
    assert run.json()["writes_allowed"] is True


def test_json_is_exactly_one_document_with_html_too(doctor: Doctor, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    run = doctor("--json", "--html", str(page))
    document = json.loads(run.out)  # one document, nothing else on stdout
    assert document["ok"] is True
    text = page.read_text("utf-8")
    for check in document["checks"]:
        assert f'data-check="{check["id"]}"' in text


def test_an_unknown_hei_is_a_failed_check(doctor: Doctor) -> None:
    run = doctor("--json", hei="nobody.example.org")
    assert run.status == 1
    assert run.check("registry.manifest")["status"] == "fail"
    assert "no host in the catalogue covers nobody.example.org" in run.out


def test_without_a_key_it_is_a_usage_error(doctor: Doctor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EWP_PRIVATE_KEY")
    run = doctor("--json")
    assert run.status == 2
    assert run.json()["error"]["kind"] == "config"
    assert "private-key" in run.err


def test_an_unreadable_registry_is_a_usage_error(doctor: Doctor, tmp_path: Path) -> None:
    missing = tmp_path / "no-catalogue.xml"
    run = doctor("--json", "--registry", str(missing))
    assert run.status == 2
    assert run.json()["error"]["kind"] in ("registry-unavailable", "registry", "unreadable")
    assert "Traceback" not in run.err


def test_an_unwritable_html_file_is_a_usage_error(doctor: Doctor, tmp_path: Path) -> None:
    run = doctor("--html", str(tmp_path / "no-such-dir" / "r.html"))
    assert run.status == 2
    assert run.err.startswith(str(tmp_path / "no-such-dir" / "r.html") + ": cannot write")


@pytest.mark.parametrize(
    "argv",
    [
        ["doctor", "--json"],
        ["doctor", "uni-a.example.org", "--json", "--timeout", "0"],
        ["doctor", "uni-a.example.org", "--json", "--timeout", "soon"],
        ["doctor", "uni-a.example.org", "--json", "--expiry-days", "-1"],
    ],
)
def test_bad_arguments_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["kind"] == "usage"
    assert captured.err.splitlines()[-1].startswith("ewp doctor: ")


def test_as_a_process_stdout_is_one_json_document(doctor_env: Partner, tmp_path: Path) -> None:
    """``ewp doctor`` as CI calls it: a process configured by its environment."""
    page = tmp_path / "report.html"
    argv = [sys.executable, "-m", "ewp_client", "doctor", doctor_env.hei_ids[0], "--json"]
    done = subprocess.run(
        [*argv, "--expiry-days", "7", "--html", str(page)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
    assert done.stderr == ""
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")
