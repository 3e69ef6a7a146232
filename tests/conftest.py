"""Shared fixtures: the official reference pack, and the figures tests report.

Tests that measure agreement with official artefacts record a line with the
``figures`` fixture; the lines are printed in pytest's terminal summary so CI
logs always show them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conformance import reference

_FIGURES: list[str] = []


@pytest.fixture(scope="session")
def figures() -> Callable[[str], None]:
    """Call with a line such as ``"hash agreement: 150/150"`` to report it."""
    return _FIGURES.append


@pytest.fixture(scope="session")
def reference_pack() -> Path:
    """The official EWP reference pack; skips the test when it is absent."""
    if not reference.available():
        pytest.skip(reference.MISSING_REASON)
    return reference.REFERENCE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.section("agreement figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
