"""``ewp validate``: exit statuses, the FILE:LINE: PATH: message lines and the JSON report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ewp_client.cli import main
from ewp_client.errors import SchemaValidationError, Violation
from ewp_client.namespaces import ECHO_NS
from tests.conformance import reference

VALID = f"<response xmlns='{ECHO_NS}'><hei-id>uni.example.org</hei-id></response>"
INVALID = f"<response xmlns='{ECHO_NS}'>\n<echo>x</echo>\n<hei-id>u.org</hei-id></response>"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {
        "valid": VALID,
        "invalid": INVALID,
        "malformed": "<response",
        "unknown": "<x xmlns='urn:nothing'/>",
    }.items():
        out[name] = tmp_path / f"{name}.xml"
        out[name].write_text(text)
    return out


def test_all_valid_exits_0(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["valid"])]) == 0
    assert "valid" in capsys.readouterr().out


def test_invalid_exits_1_with_file_line_path_message(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(files["valid"]), str(files["invalid"])]) == 1
    out = capsys.readouterr().out
    assert f"{files['invalid']}:3: /response" in out


def test_malformed_is_invalid(files: dict[str, Path]) -> None:
    assert main(["validate", str(files["malformed"])]) == 1


@pytest.mark.parametrize("which", ["unknown", "missing"])
def test_unreadable_or_unknown_exits_2(files: dict[str, Path], which: str) -> None:
    path = files.get(which, files["valid"].parent / "does-not-exist.xml")
    assert main(["validate", str(files["invalid"]), str(path)]) == 2


def test_json_is_one_document_with_one_object_per_file(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", "--json", str(files["valid"]), str(files["invalid"])])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in report] == [str(files["valid"]), str(files["invalid"])]
    assert report[0] == {
        "file": str(files["valid"]),
        "valid": True,
        "namespace": ECHO_NS,
        "errors": [],
        "more_errors": 0,
        "more_errors_exact": True,
    }
    assert report[1]["valid"] is False
    assert report[1]["errors"][0]["line"] == 3
    assert set(report[1]["errors"][0]) == {"line", "path", "message"}


def test_no_arguments_is_a_usage_error() -> None:
    assert main(["validate"]) == 2


def test_console_script_runs_as_a_process(files: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ewp_client.cli", "validate", "--json", str(files["invalid"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)[0]["valid"] is False


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
def test_every_official_full_example_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(p) for p in reference.full_examples()]
    assert main(["validate", "--json", *paths]) == 0
    assert all(r["valid"] for r in json.loads(capsys.readouterr().out))


MANY = (
    f"<response xmlns='{ECHO_NS}'>\n<hei-id>a.org</hei-id>\n<bogus/>\n"
    "<echo>1</echo>\n<other/>\n</response>"
)


def test_violations_are_listed_by_line_as_file_line_path_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "many.xml"
    path.write_text(MANY)
    assert main(["validate", "--json", str(path)]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    lines = [e["line"] for e in report["errors"]]
    assert lines == sorted(lines)
    assert lines[0] == 3
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{path}:3: /response")
    assert all(line.startswith(f"{path}:") for line in out)
    assert not any("<class " in line for line in out)


class _Capped(SchemaValidationError):
    """What a validator capping its list reports: 2 violations listed, at least 40 more."""

    more = 40  # a property in the library: here a fixed count


def test_violations_not_listed_are_counted(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = [Violation(9, "/response/b", "late"), Violation(4, "/response/a", "early")]

    def capped(tree: object) -> None:
        error = _Capped(listed, namespace=ECHO_NS, root="response")
        error.total_is_exact = False
        raise error

    monkeypatch.setattr("ewp_client.cli.validate.validate", capped)
    assert main(["validate", str(files["valid"])]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{files['valid']}:4: /response/a: early",
        f"{files['valid']}:9: /response/b: late",
        f"{files['valid']}: ... and at least 40 more",
    ]
    assert main(["validate", "--json", str(files["valid"])]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    assert (report["more_errors"], report["more_errors_exact"]) == (40, False)
    assert [e["line"] for e in report["errors"]] == [4, 9]


def test_unreadable_and_unknown_files_get_the_error_shape(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(files["valid"].parent / "missing.xml")
    assert main(["validate", "--json", str(files["valid"]), missing, str(files["unknown"])]) == 2
    captured = capsys.readouterr()
    valid, unreadable, unknown = json.loads(captured.out)
    assert valid["valid"] is True
    assert unreadable["file"] == missing
    assert unreadable["error"]["kind"] == "unreadable"
    assert unknown["error"]["kind"] == "wrong-document"
    assert captured.err.splitlines()[0] == f"{missing}: cannot read: No such file or directory"
