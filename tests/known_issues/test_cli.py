"""``ewp validate`` names the known issue its violations are, and the business hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ewp_client.cli import main
from ewp_client.namespaces import IIAS_APPROVAL_V2_NS

WITHOUT_IIA_ID = (
    f'<iias-approval-response xmlns="{IIAS_APPROVAL_V2_NS}">\n'
    f"  <approval><iia-hash>{'a' * 64}</iia-hash></approval>\n"
    "</iias-approval-response>\n"
)


def test_validate_prints_the_known_issue_and_its_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "approval.xml"
    path.write_text(WITHOUT_IIA_ID)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        f"{path}: known issue iia-approval-missing-iia-id: unapproved IIAs must be omitted"
    )
    assert main(["validate", "--json", str(path)]) == 1
    (verdict,) = json.loads(capsys.readouterr().out)
    assert (verdict["known_issue"], verdict["hint"]) == (
        "iia-approval-missing-iia-id",
        "unapproved IIAs must be omitted",
    )
    assert verdict["errors"][0]["path"] == "/iias-approval-response/approval[1]/iia-hash[1]"


def test_a_valid_file_names_no_known_issue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "approval.xml"
    path.write_text(WITHOUT_IIA_ID.replace("<approval>", "<approval><iia-id>o-1</iia-id>"))
    assert main(["validate", str(path)]) == 0
    assert "known issue" not in capsys.readouterr().out
