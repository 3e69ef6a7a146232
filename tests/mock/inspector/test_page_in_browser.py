"""The inspector in a real headless browser, over two nodes served on loopback TLS sockets.

Node ``a`` (uni-a) and node ``b`` (uni-b) of a :class:`~ewp_mock.network.MockNetwork`
know each other; the page of ``a`` shows both side by side. A scripted flow
(``a`` creates an IIA, notifies ``b``, ``b`` fetches it) shows in both
columns in the order each node recorded it, the page loads with no console
error and nothing but its feeds, a click opens an exchange's body, and an
IIA created while the page is open shows up in both columns (the page
follows). Browser: see :mod:`tests.support.browser` (skips with the reason
without one, fails under ``CI=true``). The screenshot is kept under the
test's temporary directory and its path reported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ewp_client.clock import ManualClock
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.demo_flow import demo_iia
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.node import MockNode
from tests.mock.conftest import key
from tests.support.browser import CHROMIUM, LAUNCH_ARGS, require_browser

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
#: How long the page may take to show what the feeds hold (it polls every second).
SHOWN_WITHIN_MS = 15_000
#: ``b`` leaves its answers unsigned: ``a``'s client names the known issue of its CNR.
UNSIGNED = "httpsig-response-unsigned"
#: Markup a caller sends in a header: the page must show it as text.
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    require_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(LAUNCH_ARGS)
        )
        try:
            yield launched
        finally:
            await launched.close()


def specs() -> list[NodeSpec]:
    dataset = demo_dataset()
    control = {"control": True}
    return [
        NodeSpec("a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2), **control}),
        NodeSpec(
            "b",
            (UNI_B,),
            dataset,
            {"server_key": key(3), "client_key": key(4), "scenarios": (UNSIGNED,), **control},
        ),
    ]


async def shown(page: Any, column: str, node: MockNode) -> list[int]:
    """Wait until ``column`` lists every exchange ``node`` recorded so far; what it lists.

    The column must list them in the node's order, with nothing the node did
    not record (a later exchange, recorded after, may follow them).
    """
    seqs = [r.seq for r in node.exchanges.records()]
    rows = f'section.node[data-node="{column}"] li.exchange'
    await page.wait_for_function(
        "([rows, n]) => document.querySelectorAll(rows).length >= n",
        arg=[rows, len(seqs)],
        timeout=SHOWN_WITHIN_MS,
    )
    listed: list[int] = await page.eval_on_selector_all(
        rows, "items => items.map(i => Number(i.getAttribute('data-seq')))"
    )
    assert listed[: len(seqs)] == seqs
    assert listed == [r.seq for r in node.exchanges.records()][: len(listed)]
    return listed


async def test_two_nodes_side_by_side_follow_a_flow_and_open_a_body(
    browser: Any, tmp_path: Path, figures: Any
) -> None:
    async with MockNetwork.loopback(specs(), clock=ManualClock(START)) as network:
        a, b = network.node("a"), network.node("b")
        network.actions("a").create_iia(demo_iia(UNI_A, "seen-iia-1", UNI_B))
        await network.idle()
        async with httpx.AsyncClient(verify=False) as plain:  # unsigned: refused, recorded
            refused = await plain.get(f"{network['a'].url}/ewp/echo", headers={"x-note": HOSTILE})
        assert refused.status_code == 401
        context = await browser.new_context(ignore_https_errors=True)  # the network's own CA
        page = await context.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        inspector = f"{network['a'].url}/_mock/inspector"
        await page.goto(inspector)

        first_a = await shown(page, UNI_A, a)
        first_b = await shown(page, UNI_B, b)
        columns = await page.eval_on_selector_all(
            "section.node", "s => s.map(n => n.getAttribute('data-node'))"
        )
        assert columns == [UNI_A, UNI_B]
        cnr = [r for r in a.exchanges.records() if "/iia-cnr/" in r.url]
        fetch = [r for r in b.exchanges.records() if r.direction == "out" and "iia_id=" in r.url]
        assert [(r.direction, r.status) for r in cnr] == [("out", 200)]
        assert [r.status for r in fetch] == [200]
        cnr_row = page.locator(f'section.node[data-node="{UNI_A}"] li[data-seq="{cnr[0].seq}"]')
        assert f"known issue {UNSIGNED}" in await cnr_row.inner_text()
        (cnr_in,) = [r for r in b.exchanges.records() if "/iia-cnr/" in r.url]
        cnr_in_row = page.locator(f'section.node[data-node="{UNI_B}"] li[data-seq="{cnr_in.seq}"]')
        assert f"scenario {UNSIGNED}" in await cnr_in_row.inner_text()
        (echo,) = [r for r in a.exchanges.records() if r.url.endswith("/ewp/echo")]
        echo_row = page.locator(f'section.node[data-node="{UNI_A}"] li[data-seq="{echo.seq}"]')
        assert "unauthenticated" in await echo_row.inner_text()
        await echo_row.locator("button.summary").click()
        assert f"x-note: {HOSTILE}" in await echo_row.locator(".detail").inner_text()
        assert await page.locator("main img, main script").count() == 0

        row = page.locator(f'section.node[data-node="{UNI_B}"] li[data-seq="{fetch[0].seq}"]')
        assert await row.get_attribute("data-direction") == "out"
        assert "response signed" in await row.locator("button.summary").inner_text()
        body = row.locator(".detail")
        assert await body.is_hidden()
        await row.locator("button.summary").click()
        assert await body.is_visible()
        opened = await body.inner_text()
        assert "seen-iia-1" in opened
        assert "iias-get-response" in opened
        shot = tmp_path / "exchange-inspector.png"
        await page.screenshot(path=str(shot), full_page=True)

        network.actions("a").create_iia(demo_iia(UNI_A, "seen-iia-2", UNI_B))  # page open
        await network.idle()
        later_a = await shown(page, UNI_A, a)
        later_b = await shown(page, UNI_B, b)
        assert len(later_a) > len(first_a)
        assert len(later_b) > len(first_b)
        new_rows = page.locator(f'section.node[data-node="{UNI_B}"] li.exchange')
        texts = [await new_rows.nth(n).text_content() for n in range(len(first_b), len(later_b))]
        assert any("seen-iia-2" in (t or "") for t in texts)
        await context.close()

    assert errors == []
    assert dialogs == []
    feeds = {
        f"{network['a'].url}/_mock/inspector/exchanges",
        f"{network['b'].url}/_mock/inspector/exchanges",
    }
    assert {u.partition("?")[0] for u in requests} == {inspector} | feeds
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figures(f"exchange inspector screenshot: {shot}")
    print(f"screenshot: {shot}")
