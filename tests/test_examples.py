"""Every script in examples/ runs and exits 0 (the examples are part of CI).

The ``known_issue_*`` scripts each reproduce one known problem with the mock
partner: they must print the class that reports it and its ``known_issue``
id, then the same call succeeding without the scenario.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))

#: Example -> (the class it shows reporting the problem, the known_issue id).
DIAGNOSES = {
    "known_issue_cnr.py": ("CnrRejected", "cnr-rejects-valid-notification"),
    "known_issue_iia_approval.py": ("ApprovalWithoutIiaId", "iia-approval-missing-iia-id"),
    "known_issue_ola_update.py": ("EditConflict", "la-update-409-conflict"),
    "known_issue_schema.py": ("RequiredElementMissing", "schema-required-field-missing"),
    "known_issue_signatures.py": ("ClockSkewError", "httpsig-clock-skew"),
}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.stdout.strip()
    if script.name in DIAGNOSES:
        reported_by, issue = DIAGNOSES[script.name]
        assert reported_by in proc.stdout
        assert f"known_issue: {issue} " in proc.stdout
        assert "without it: the same " in proc.stdout


def test_every_known_issue_example_says_what_it_diagnoses() -> None:
    scripts = {p.name for p in EXAMPLES if p.name.startswith("known_issue_")}
    assert scripts == set(DIAGNOSES)
