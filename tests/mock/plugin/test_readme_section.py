"""The README's "Use the mock in your test suite" section shows the example CI runs, and names
every fixture the plugin defines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ewp_mock import pytest_plugin

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
EXAMPLE = ROOT / "examples" / "pytest_partner.py"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Use the mock in your test suite\n")
    return text[start : text.index("\n## ", start + 1)]


def test_the_readme_example_is_the_example_file() -> None:
    match = re.search(r"```python\n(.*?)```", _section(), flags=re.DOTALL)
    assert match is not None
    assert match.group(1) in EXAMPLE.read_text(encoding="utf-8")
    assert "def test_" in match.group(1)


def test_every_fixture_is_documented() -> None:
    fixtures = [name for name in pytest_plugin.__all__ if name.startswith("ewp_")]
    rows = re.findall(r"^\| `(ewp_[a-z_]+)` \|", _section(), flags=re.MULTILINE)
    assert sorted(rows) == sorted(fixtures)
    for name in fixtures:
        assert isinstance(getattr(pytest_plugin, name), type(pytest.fixture(lambda: None)))
