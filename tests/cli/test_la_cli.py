"""``ewp la classify`` and ``ewp la proposal-id``: JSON contract and exit statuses."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from ewp_client.cli import main
from ewp_client.codec import encode
from ewp_client.models import LasGetResponse, LearningAgreement
from ewp_client.ola import proposal_id
from tests.codec.samples import learning_agreement


def write(path: Path, la: LearningAgreement, *, bare: bool = False) -> Path:
    document = encode(LasGetResponse(las=(la,)), pretty=True)
    if bare:
        root = etree.fromstring(document)
        document = etree.tostring(root[0])
    path.write_bytes(document)
    return path


@pytest.fixture
def before(tmp_path: Path) -> Path:
    return write(tmp_path / "before.xml", learning_agreement())


def test_identical_is_none(before: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["la", "classify", str(before), str(before), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"kind": "none", "changes": []}


def test_minor_change_in_a_bare_la(
    before: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    la = dataclasses.replace(learning_agreement(), start_date=date(2026, 2, 9))
    after = write(tmp_path / "after.xml", la, bare=True)
    assert main(["la", "classify", str(before), str(after), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "kind": "minor",
        "changes": [
            {
                "table": "header",
                "path": "start-date",
                "before": "2026-02-01",
                "after": "2026-02-09",
                "requires_revalidation": False,
            }
        ],
    }


def test_major_change_names_the_component(
    before: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = learning_agreement()
    assert base.first_version is not None
    assert base.first_version.components_studied
    studied = base.first_version.components_studied
    first = dataclasses.replace(
        base.first_version,
        components_studied=dataclasses.replace(studied, components=studied.components[:1]),
    )
    after = write(tmp_path / "after.xml", dataclasses.replace(base, first_version=first))
    assert main(["la", "classify", str(before), str(after), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "major"
    [change] = out["changes"]
    assert change["table"] == "A"
    assert change["after"] is None
    assert change["path"] == 'first-version/components-studied/component[title="Topology"]'
    assert change["requires_revalidation"] is True
    assert main(["la", "classify", str(before), str(after)]) == 0
    assert capsys.readouterr().out.startswith("major\n")


@pytest.mark.parametrize("content", [b"<la", b"<x xmlns='urn:nothing'/>", b"", None])
def test_unreadable_or_invalid_input_exits_2(
    before: Path, tmp_path: Path, content: bytes | None
) -> None:
    bad = tmp_path / "bad.xml"
    if content is not None:
        bad.write_bytes(content)
    assert main(["la", "classify", str(before), str(bad), "--json"]) == 2


def test_schema_invalid_and_two_las_exit_2(before: Path, tmp_path: Path) -> None:
    invalid = tmp_path / "invalid.xml"
    invalid.write_bytes(
        before.read_bytes().replace(
            b"<eqf-level-studied-at-departure>6", b"<eqf-level-studied-at-departure>99"
        )
    )
    assert main(["la", "classify", str(before), str(invalid)]) == 2
    two = tmp_path / "two.xml"
    two.write_bytes(encode(LasGetResponse(las=(learning_agreement(), learning_agreement()))))
    assert main(["la", "classify", str(before), str(two)]) == 2


def test_other_mobility_exits_2(before: Path, tmp_path: Path) -> None:
    other = write(
        tmp_path / "o.xml", dataclasses.replace(learning_agreement(), omobility_id="om-9")
    )
    assert main(["la", "classify", str(before), str(other)]) == 2


def test_proposal_id_is_derived_and_independent_of_formatting(
    before: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal = learning_agreement().changes_proposal
    assert proposal is not None
    compact = tmp_path / "compact.xml"
    compact.write_bytes(encode(LasGetResponse(las=(learning_agreement(),))))
    assert main(["la", "proposal-id", str(before)]) == 0
    assert main(["la", "proposal-id", str(compact), "--json"]) == 0
    text, document = capsys.readouterr().out.split("\n", 1)
    assert text == proposal_id(proposal)
    assert json.loads(document) == {
        "file": str(compact),
        "declared": "proposal-1",
        "derived": proposal_id(proposal),
    }


def test_proposal_id_without_proposal_exits_1(tmp_path: Path) -> None:
    la = dataclasses.replace(learning_agreement(), changes_proposal=None)
    assert main(["la", "proposal-id", str(write(tmp_path / "n.xml", la))]) == 1


@pytest.fixture
def minor(tmp_path: Path) -> Path:
    la = dataclasses.replace(learning_agreement(), start_date=date(2026, 2, 9))
    return write(tmp_path / "minor.xml", la)


def test_human_output_quotes_values_without_python_reprs(
    before: Path, minor: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["la", "classify", str(before), str(minor)]) == 0
    assert capsys.readouterr().out == (
        'minor\n  [header] start-date: "2026-02-01" -> "2026-02-09"\n'
    )


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [(None, 0), ("minor", 1), ("major", 0)],
    ids=["default", "minor", "major"],
)
def test_fail_on_a_minor_amendment(
    before: Path,
    minor: Path,
    fail_on: str | None,
    expected: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    option = [] if fail_on is None else ["--fail-on", fail_on]
    assert main(["la", "classify", str(before), str(minor), "--json", *option]) == expected
    assert json.loads(capsys.readouterr().out)["kind"] == "minor"  # the report either way


@pytest.mark.parametrize("fail_on", ["minor", "major"])
def test_fail_on_a_major_amendment_and_never_on_none(
    before: Path, tmp_path: Path, fail_on: str
) -> None:
    base = learning_agreement()
    assert base.first_version is not None
    assert base.first_version.components_studied is not None
    studied = base.first_version.components_studied
    first = dataclasses.replace(
        base.first_version,
        components_studied=dataclasses.replace(studied, components=studied.components[:1]),
    )
    major = write(tmp_path / "major.xml", dataclasses.replace(base, first_version=first))
    assert main(["la", "classify", str(before), str(major), "--fail-on", fail_on]) == 1
    assert main(["la", "classify", str(before), str(before), "--fail-on", fail_on]) == 0


def test_fail_on_takes_only_minor_or_major(
    before: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["la", "classify", str(before), str(before), "--fail-on", "none"]) == 2
    assert "--fail-on" in capsys.readouterr().err


def test_a_different_mobility_is_named_by_the_after_file(
    before: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = write(
        tmp_path / "o.xml", dataclasses.replace(learning_agreement(), omobility_id="om-9")
    )
    assert main(["la", "classify", str(before), str(other), "--json"]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["file"] == str(other)
    assert document["error"]["kind"] == "learning-agreement"
    assert captured.err.startswith(f"{other}: ")
