"""Project-wide checks: public API, typing, lint, catalog, and the schemas inside a wheel."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

import ewp_client
from ewp_client.namespaces import SCHEMAS
from ewp_client.xml import schema_dir
from ewp_client.xml.catalog import render_catalog, resolve
from tests.conformance import reference

ROOT = Path(__file__).resolve().parents[1]


def test_public_api_is_sorted_and_complete() -> None:
    names = ewp_client.__all__
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))
    public = {n for n in dir(ewp_client) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(ewp_client, n)).__name__ == "module"}
    assert set(names) == public - modules


def test_every_error_derives_from_ewp_error() -> None:
    for name in ewp_client.__all__:
        obj = getattr(ewp_client, name)
        if isinstance(obj, type) and issubclass(obj, Warning):
            assert issubclass(obj, ewp_client.EwpWarning), name
        elif isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, ewp_client.EwpError), name


def test_mypy_strict_passes_on_src() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_is_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "examples", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_is_clean() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--check",
            "src",
            "tests",
            "examples",
            "benchmarks",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_ruff_is_the_pinned_version() -> None:
    """``ruff format`` output changes between releases: the check means something only pinned."""
    (pin,) = [
        d for d in _pyproject()["project"]["optional-dependencies"]["test"] if d.startswith("ruff")
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True, check=True
    )
    assert pin == "ruff==" + proc.stdout.split()[1]


def _hatchling_metadata() -> dict[str, Any]:
    """The core metadata hatchling writes into the wheel, computed without building it."""
    proc = subprocess.run(
        [sys.executable, "-m", "hatchling", "metadata"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 and "No module named hatchling" in proc.stderr:
        pytest.skip("hatchling is not installed (it is in the test extra)")
    assert proc.returncode == 0, proc.stderr
    metadata: dict[str, Any] = json.loads(proc.stdout)
    return metadata


def test_wheel_metadata_version_is_the_package_version() -> None:
    assert _hatchling_metadata()["version"] == ewp_client.__version__


def test_the_version_is_written_once() -> None:
    """``src/ewp_client/_version.py`` holds it; the metadata and the package read it from there."""
    project = _pyproject()
    assert "version" not in project["project"]
    assert "version" in project["project"].get("dynamic", [])
    assert project["tool"]["hatch"]["version"] == {"path": "src/ewp_client/_version.py"}
    written = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "src").rglob("*.py")
        if re.search(r"^__version__\s*[:=]", path.read_text(), flags=re.MULTILINE)
    )
    assert written == ["src/ewp_client/_version.py"]


def test_catalog_file_matches_the_namespace_table() -> None:
    assert (schema_dir() / "catalog.xml").read_bytes() == render_catalog()
    for info in SCHEMAS:
        assert (schema_dir() / info.file).is_file(), info.file
        assert resolve(info.namespace) == info.file


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
def test_catalog_resolves_every_url_the_official_schemas_import_by() -> None:
    import re

    urls = set()
    for xsd in reference.OFFICIAL_SCHEMAS.rglob("*.xsd"):
        urls.update(re.findall(r'schemaLocation="(https?://[^"]+)"', xsd.read_text()))
    assert urls
    unresolved = sorted(u for u in urls if resolve(u) is None)
    assert unresolved == []


def test_no_bundled_schema_carries_official_annotation_text() -> None:
    for xsd in (ROOT / "schemas").rglob("*.xsd"):
        text = xsd.read_text()
        assert "This schema is a part of the Erasmus Without Paper project" not in text, xsd


@pytest.mark.slow
def test_schemas_are_found_from_an_installed_wheel(tmp_path: Path) -> None:
    """Build the wheel, unpack it, and validate with the schemas it carries."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to build from a clean tree")
    dist = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 and "hatchling" in proc.stderr:
        pytest.skip(f"hatchling is not installed for --no-isolation: {proc.stderr[-300:]}")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheel = next(dist.glob("*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "ewp_client/_schemas/catalog.xml" in names
        assert "ewp_client/py.typed" in names
        (metadata_file,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        headers = zf.read(metadata_file).decode().partition("\n\n")[0].splitlines()
        assert f"Version: {ewp_client.__version__}" in headers
        zf.extractall(site)
    example = ROOT / "examples" / "data" / "echo-response.xml"
    code = (
        "import ewp_client, sys; from ewp_client.xml import schema_dir;"
        f"assert str(schema_dir()).startswith({str(site)!r}), schema_dir();"
        f"ewp_client.validate(open({str(example)!r}, 'rb').read()); print('ok')"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    import re

    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^(python3 -m venv .*pytest)$", readme, flags=re.MULTILINE)
    assert len(commands) == 1, commands
    assert commands[0] in (ROOT / ".ci" / "run").read_text().splitlines()


def figure_problems(source: str) -> list[str]:
    """Agreement figures in ``source`` that cannot show a failure.

    Looks at the f-strings of every test function that takes the ``figures``
    fixture: a count divided by itself (``{len(seen)}/{len(seen)}``) or by a
    literal (``{replayed}/12``) reads the same whatever happened.
    """
    found: list[tuple[int, str]] = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if "figures" not in {a.arg for a in function.args.args}:
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.JoinedStr):
                continue
            for count, slash, after in zip(
                node.values, node.values[1:], [*node.values[2:], None], strict=False
            ):
                if not (
                    isinstance(count, ast.FormattedValue)
                    and isinstance(slash, ast.Constant)
                    and isinstance(slash.value, str)
                ):
                    continue
                shown = "{" + ast.unparse(count.value) + "}"
                literal = re.match(r"/\d+", slash.value)
                if literal:
                    found.append((node.lineno, shown + literal[0]))
                elif (
                    slash.value == "/"
                    and isinstance(after, ast.FormattedValue)
                    and ast.dump(after.value) == ast.dump(count.value)
                ):
                    found.append((node.lineno, f"{shown}/{shown}"))
    return [text for _line, text in sorted(found)]


def test_figure_scanner_finds_counts_that_cannot_fail() -> None:
    source = (
        "def test_a(figures):\n"
        "    figures(f'x: {len(seen)}/{len(seen)}')\n"
        "    line = f'y: {replayed}/12 steps'\n"
        "    figures(f'z: {passed}/{len(tried)}, {path}/{name}')\n"
        "def helper(x):\n"
        "    return f'{n}/{n}'\n"
    )
    assert figure_problems(source) == ["{len(seen)}/{len(seen)}", "{replayed}/12"]


#: Figures in files this change does not own; issue #10's report gives each fix.
#: Remove an entry when its file is fixed: the list must stay exact.
KNOWN_FIGURES_THAT_CANNOT_FAIL: list[str] = []


def test_every_agreement_figure_can_show_a_failure() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for problem in figure_problems(path.read_text())
    ]
    assert found == KNOWN_FIGURES_THAT_CANNOT_FAIL
