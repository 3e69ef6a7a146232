"""Where the client's warnings go: Python's warnings, or the collector a service opens."""

from __future__ import annotations

import asyncio

import pytest

from ewp_client.errors import EwpWarning, StaleApproval
from ewp_client.partner_warnings import collected, issue


def stale(iia_id: str) -> StaleApproval:
    return StaleApproval("older", iia_id=iia_id, approved="1" * 64, current="2" * 64)


def test_without_a_collector_a_warning_is_a_python_warning() -> None:
    with pytest.warns(StaleApproval) as warned:
        issue(stale("o-1"))
    assert [w.message.iia_id for w in warned] == ["o-1"]
    assert warned[0].filename == __file__  # stacklevel 1: where issue() was called


def test_a_collector_takes_the_warning_instead(recwarn: pytest.WarningsRecorder) -> None:
    with collected() as found:
        issue(stale("o-1"))
    assert [w.iia_id for w in found if isinstance(w, StaleApproval)] == ["o-1"]
    assert not [w for w in recwarn if issubclass(w.category, EwpWarning)]
    with pytest.warns(StaleApproval):  # closed: warnings again
        issue(stale("o-2"))


async def test_concurrent_tasks_collect_their_own() -> None:
    async def exchange(iia_id: str) -> list[EwpWarning]:
        with collected() as found:
            await asyncio.sleep(0)
            issue(stale(iia_id))
            await asyncio.sleep(0)
        return found

    first, second = await asyncio.gather(exchange("o-1"), exchange("o-2"))
    assert [[w.iia_id for w in f if isinstance(w, StaleApproval)] for f in (first, second)] == [
        ["o-1"],
        ["o-2"],
    ]
