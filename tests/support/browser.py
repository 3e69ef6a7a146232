"""A real headless browser for the tests of HTML pages (the doctor's report, the inspector).

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or
``$EWP_TEST_CHROMIUM``) driven by Playwright's Python package pointed at it
(``executable_path``; no downloaded browser). Without either a test skips
with the reason, except under ``CI=true``, where it fails: ``.ci/run``
installs both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import pytest

CHROMIUM: Final = Path(os.environ.get("EWP_TEST_CHROMIUM", "/usr/bin/chromium"))
#: What Chromium is started with: CI runs as root, where its sandbox refuses to start.
LAUNCH_ARGS: Final = ("--no-sandbox",)


def browser_missing() -> str | None:
    """Why no browser test can run here (``None``: they can)."""
    reasons = []
    if not CHROMIUM.exists():
        reasons.append(f"no browser at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reasons.append("the playwright package is not installed (pip install -e '.[test]')")
    return "; ".join(reasons) or None


def require_browser() -> None:
    """Skip the test with the reason when no browser test can run (fail under ``CI=true``)."""
    missing = browser_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true runs the browser tests, but {missing}", pytrace=False)
        pytest.skip(missing)
