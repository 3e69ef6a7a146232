"""``ewp iia diff`` and ``ewp iia compare``: JSON contract and exit statuses."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ewp_client.cli import main
from ewp_client.codec import decode, encode
from ewp_client.models.iia import IiasGetResponse, MobilitiesPerYear
from tests.iia.test_compare import mirror


@pytest.fixture
def example(reference_pack: Path) -> bytes:
    return (reference_pack / "examples" / "iias-v7" / "get-response-example.xml").read_bytes()


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_diff_json_names_the_change_and_exits_1(
    tmp_path: Path, example: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    after = example.replace(b"<eqf-level>8</eqf-level>", b"<eqf-level>6</eqf-level>", 1)
    assert after != example
    status = main(
        [
            "iia",
            "diff",
            "--json",
            _write(tmp_path, "a.xml", example),
            _write(tmp_path, "b.xml", after),
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert set(report) == {"hash_before", "hash_after", "differences"}
    assert report["hash_before"] != report["hash_after"]
    assert report["differences"] == [
        {
            "path": "cooperation-conditions/student-studies-mobility-spec[1]/eqf-level[2]",
            "before": "8",
            "after": "6",
        }
    ]


def test_diff_contact_only_change_exits_0(
    tmp_path: Path, example: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    after = example.replace(b"<c:contact-name>", b"<c:contact-name>Dr ")
    assert after != example
    before_file, after_file = _write(tmp_path, "a.xml", example), _write(tmp_path, "b.xml", after)
    assert main(["iia", "diff", "--json", before_file, after_file]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["differences"] == []
    assert report["hash_before"] == report["hash_after"]
    assert main(["iia", "diff", before_file, after_file]) == 0
    assert "iia-hash unchanged" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["diff", "compare"])
def test_unreadable_or_invalid_input_exits_2(
    tmp_path: Path, example: bytes, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path, "good.xml", example)
    for bad, kind in (
        (str(tmp_path / "missing.xml"), "unreadable"),
        (_write(tmp_path, "malformed.xml", b"<iias-get-response"), "malformed-xml"),
        (_write(tmp_path, "other.xml", b"<x xmlns='urn:nothing'/>"), "wrong-document"),
    ):
        assert main(["iia", command, "--json", good, bad]) == 2
        # --json: still exactly one JSON document on stdout, naming the file at fault
        captured = capsys.readouterr()
        report = json.loads(captured.out)
        assert report["file"] == bad
        assert report["error"]["kind"] == kind
        assert captured.err.startswith(f"{bad}:")


def test_compare_rejects_a_schema_invalid_copy(tmp_path: Path, example: bytes) -> None:
    invalid = example.replace(b"<in-effect>", b"<unexpected/><in-effect>")
    assert (
        main(
            [
                "iia",
                "compare",
                _write(tmp_path, "a.xml", example),
                _write(tmp_path, "b.xml", invalid),
            ]
        )
        == 2
    )


def test_compare_mirror_agrees_and_a_changed_condition_disagrees(
    tmp_path: Path, example: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (ours,) = decode(example, IiasGetResponse).iias
    theirs = mirror(ours)
    ours_file = _write(tmp_path, "ours.xml", example)
    mirror_file = _write(tmp_path, "theirs.xml", encode(IiasGetResponse(iias=(theirs,))))
    assert main(["iia", "compare", "--json", ours_file, mirror_file]) == 0
    assert json.loads(capsys.readouterr().out) == {"agree": True, "differences": []}

    studies = theirs.cooperation_conditions.student_studies
    changed = dataclasses.replace(studies[0], mobilities_per_year=MobilitiesPerYear(value="7"))
    conditions = dataclasses.replace(
        theirs.cooperation_conditions, student_studies=(changed, *studies[1:])
    )
    changed_file = _write(
        tmp_path,
        "changed.xml",
        encode(
            IiasGetResponse(iias=(dataclasses.replace(theirs, cooperation_conditions=conditions),))
        ),
    )
    assert main(["iia", "compare", "--json", ours_file, changed_file]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["agree"] is False
    assert report["differences"] == [
        {
            "path": "cooperation-conditions/student-studies-mobility-spec"
            "[sending-hei-id='uw.edu.pl'][sending-ounit-id='140'][receiving-hei-id='hibo.no']"
            "/mobilities-per-year",
            "ours": ours.cooperation_conditions.student_studies[0].mobilities_per_year.value,
            "theirs": "7",
        }
    ]
    assert main(["iia", "compare", ours_file, changed_file]) == 1
    assert '/mobilities-per-year: ours "2", theirs "7"' in capsys.readouterr().out
