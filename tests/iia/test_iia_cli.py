"""``ewp iia hash`` and ``ewp iia verify``: output, JSON contract and exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ewp_client.cli import main
from ewp_client.iia.hash import compute_iia_hashes
from tests.iia.iia_xml import PARTNERS, YEARS, iia, mobility, response, simple

BODY = f"<sending-hei-id>a.example</sending-hei-id>{YEARS}"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    two = response(
        iia(mobility(BODY)),
        iia(
            mobility(BODY + '<blended not-yet-defined="true">x</blended>'),
            partners=PARTNERS.replace(">A<", ">A2<"),
        ),
    )
    good_hash = compute_iia_hashes(simple())[0].sha256
    documents = {
        "two": two,
        "one": simple("<blended>true</blended>"),
        "good": simple(iia_hash=good_hash),
        "bad": simple(iia_hash="f" * 64),
        "v6": response(iia(mobility("<sending-hei-id>a</sending-hei-id>")), version=6),
        "malformed": b"<iias-get-response",
        "unknown": b"<x xmlns='urn:nothing'/>",
        "undefined": simple(partners="<partner><iia-id>A</iia-id><iia-id>B</iia-id></partner>"),
    }
    out = {}
    for name, data in documents.items():
        out[name] = tmp_path / f"{name}.xml"
        out[name].write_bytes(data)
    return out


def test_hash_json_is_one_list_in_file_and_document_order(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["iia", "hash", "--json", str(files["two"]), str(files["one"])]) == 0
    report = json.loads(capsys.readouterr().out)
    expected = [
        *compute_iia_hashes(files["two"].read_bytes()),
        *compute_iia_hashes(files["one"].read_bytes()),
    ]
    assert report == [
        {
            "file": str(path),
            "iia_id": r.iia_id,
            "sha256": r.sha256,
            "valid_for_approval": r.valid_for_approval,
        }
        for path, r in zip([files["two"], files["two"], files["one"]], expected, strict=True)
    ]
    assert [r["iia_id"] for r in report] == ["A", "A2", "A"]
    assert [r["valid_for_approval"] for r in report] == [False, False, True]


def test_hash_text_adds_the_hashed_text(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["iia", "hash", "--json", "--text", str(files["one"])]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["text_to_hash"] == compute_iia_hashes(files["one"].read_bytes())[0].text_to_hash
    assert set(report) == {"file", "iia_id", "sha256", "valid_for_approval", "text_to_hash"}


def test_hash_human_output(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iia", "hash", "--text", str(files["two"])]) == 0
    out = capsys.readouterr().out
    first, second = compute_iia_hashes(files["two"].read_bytes())
    assert f"{files['two']}: A  {first.sha256}  (not valid for approval)" in out
    assert f"  {second.text_to_hash}" in out


def test_hash_v6_file_gives_the_migration_hash(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["iia", "hash", "--json", str(files["v6"])]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["sha256"] == compute_iia_hashes(files["v6"].read_bytes())[0].sha256


@pytest.mark.parametrize("which", ["malformed", "unknown", "undefined", "missing"])
def test_hash_unusable_input_exits_2_and_still_reports_the_others(
    files: dict[str, Path], which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = files.get(which, files["one"].parent / "does-not-exist.xml")
    assert main(["iia", "hash", "--json", str(files["one"]), str(path)]) == 2
    captured = capsys.readouterr()
    good, failed = json.loads(captured.out)
    assert good["file"] == str(files["one"])
    assert failed["file"] == str(path)
    assert set(failed["error"]) == {"kind", "message", "line"}
    assert captured.err.startswith(str(path))


def test_verify_match_exits_0(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iia", "verify", str(files["good"])]) == 0
    assert "iia-hash matches" in capsys.readouterr().out


def test_verify_mismatch_exits_1_showing_both_hashes_and_the_text(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["iia", "verify", str(files["bad"])]) == 1
    out = capsys.readouterr().out
    (result,) = compute_iia_hashes(files["bad"].read_bytes())
    assert f"declared: {'f' * 64}" in out
    assert f"computed: {result.sha256}" in out
    assert f"text-to-hash: {result.text_to_hash}" in out


def test_verify_json(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iia", "verify", "--json", str(files["bad"])]) == 1
    report = json.loads(capsys.readouterr().out)
    (result,) = compute_iia_hashes(files["bad"].read_bytes())
    assert report["ok"] is False
    (entry,) = report["iias"]
    assert entry["verdict"] == "mismatch"
    assert (entry["declared"], entry["computed"]) == ("f" * 64, result.sha256)
    assert entry["text_to_hash"] == result.text_to_hash


def test_verify_missing_iia_hash_is_a_negative_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "no-hash.xml"
    path.write_bytes(simple().replace(b"<iia-hash>" + b"0" * 64 + b"</iia-hash>", b""))
    assert main(["iia", "verify", str(path)]) == 1
    assert "no iia-hash declared" in capsys.readouterr().out


@pytest.mark.parametrize("which", ["malformed", "unknown", "v6", "missing"])
def test_verify_unusable_input_exits_2(
    files: dict[str, Path], which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = files.get(which, files["one"].parent / "does-not-exist.xml")
    assert main(["iia", "verify", "--json", str(path)]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # --json: still one JSON document
    assert document["file"] == str(path)
    assert document["error"]["kind"] in {"malformed-xml", "wrong-document", "unreadable"}
    assert str(path) in captured.err
