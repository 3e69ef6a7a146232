"""The ``--html`` report in a real headless browser: loads clean, shows every check, opens.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or
``$EWP_TEST_CHROMIUM``) driven by Playwright's Python package pointed at it
(``executable_path``; no downloaded browser). Without either the tests skip
with the reason, except under ``CI=true``, where they fail: ``.ci/run``
installs both. The screenshot is kept under the test's temporary directory
and its path is reported in the terminal summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ewp_client.error_response import render_error_response
from ewp_client.server import Answer
from ewp_mock.testing import Partner, PartnerKeys
from tests.support.browser import CHROMIUM, LAUNCH_ARGS, require_browser

from .conftest import Run, configure, run_doctor

#: A developer message a hostile (or careless) partner sends: it must show as text.
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture
def browser() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(LAUNCH_ARGS)
        )
        try:
            yield launched
        finally:
            launched.close()


def _hostile_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from ewp_mock import security

    original = security.error_answer

    def answer(error: Any, status: int | None = None) -> Answer:
        plain = original(error, status)
        body = render_error_response(f"{HOSTILE} {error}")
        return Answer(plain.status, body, plain.headers)

    monkeypatch.setattr(security, "error_answer", answer)


@pytest.fixture
def report(
    partner_keys: PartnerKeys,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[Path, Run]:
    """An HTML report with a failed check (the mock serves wrong iia-hashes) and partner
    text full of markup, and its JSON."""
    _hostile_errors(monkeypatch)
    page = tmp_path / "doctor-report.html"
    with Partner.served(keys=partner_keys, scenarios=["iia-hash-invalid"]) as partner:
        configure(partner, tmp_path, monkeypatch)
        run = run_doctor(capsys, partner.hei_ids[0], "--json", "--html", str(page))
    assert run.status == 1
    return page, run


def test_the_report_loads_offline_without_errors_and_opens_each_row(
    browser: Any, report: tuple[Path, Run], tmp_path: Path, figures: Any
) -> None:
    path, run = report
    checks = run.json()["checks"]
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")

    assert errors == []
    assert requests == [path.as_uri()]  # nothing else is loaded: the page opens offline
    rows = page.locator("tr.check")
    assert rows.count() == len(checks)
    assert [rows.nth(n).get_attribute("data-check") for n in range(len(checks))] == [
        c["id"] for c in checks
    ]
    assert "1 check(s) failed" in page.inner_text("header")

    failed = page.locator('tr.check[data-check="iias.get.iia-hash"]')
    assert "known issue: iia-hash-invalid" in failed.inner_text()
    panel = page.locator(f"#{failed.get_attribute('data-evidence')}")
    assert panel.is_hidden()
    failed.click()
    assert panel.is_visible()
    assert failed.get_attribute("aria-expanded") == "true"
    assert '"text-to-hash"' in panel.inner_text()
    shot = tmp_path / "doctor-report.png"  # the report as a reader first sees it, one row open
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figures(f"ewp doctor HTML report screenshot: {shot}")
    print(f"screenshot: {shot}")
    failed.click()
    assert panel.is_hidden()

    for n in range(rows.count()):
        rows.nth(n).click()
    assert page.locator("tr.evidence:visible").count() == len(checks)
    too_many = page.locator(
        "#"
        + str(
            page.locator('tr.check[data-check="iias.get.too-many-ids"]').get_attribute(
                "data-evidence"
            )
        )
    )
    assert HOSTILE in too_many.inner_text()  # shown as text, never run
    assert page.locator("img").count() == 0
    assert dialogs == []
    assert errors == []
