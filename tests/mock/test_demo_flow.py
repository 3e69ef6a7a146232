"""The two-node demo: every step passes in process and on loopback TLS; a dead partner fails it."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ewp_client.clock import ManualClock
from ewp_client.ola import VersionStatus
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.demo_flow import DEMO_IIA_A, DEMO_LA, play_demo, play_demo_to, run_demo
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.store import SqliteState
from tests.mock.test_actions import specs, two_nodes

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
STEPS = [f"{n}." for n in range(1, 11)]


def assert_passed(lines: list[str]) -> None:
    assert [line.split()[0] for line in lines if re.match(r"\d+\. ", line)] == STEPS
    assert not [line for line in lines if "FAIL" in line]
    assert sum(1 for line in lines if line.strip().startswith("ok ")) >= 20
    assert lines[-1] == "demo passed: every check is ok"
    text = "\n".join(lines)
    for personal in ("Flow Student", "2005-05-05", "demo.flow.student"):
        assert personal not in text


async def test_the_demo_passes_every_step_in_process() -> None:
    lines: list[str] = []
    async with two_nodes() as network:
        assert await run_demo(network, lines.append) is True
    assert_passed(lines)
    assert lines[0].startswith(f"Two nodes: A = {UNI_A} at https://a.test")


async def test_the_demo_passes_every_step_over_loopback_tls() -> None:
    lines: list[str] = []
    async with MockNetwork.loopback(specs(), clock=ManualClock(START)) as network:
        assert await run_demo(network, lines.append) is True
    assert_passed(lines)
    assert "at https://127.0.0.1:" in lines[0]


async def test_play_demo_builds_its_two_nodes_and_plays() -> None:
    lines: list[str] = []
    assert await play_demo(lines.append, clock=ManualClock(START)) is True
    assert_passed(lines)


async def test_a_partner_that_does_not_answer_fails_the_demo_at_that_step() -> None:
    lines: list[str] = []
    async with two_nodes() as network:
        network.intercept("b", lambda request: httpx.Response(503))
        assert await run_demo(network, lines.append) is False
    assert "    ok    A queues an IIA CNR for B" in lines
    assert "    FAIL  B receives the IIA CNR" in lines
    assert lines[-1] == "demo FAILED"


async def test_the_demo_needs_two_nodes() -> None:
    lines: list[str] = []
    async with MockNetwork([NodeSpec("a", (UNI_A,))], clock=ManualClock(START)) as network:
        assert await run_demo(network, lines.append) is False
    assert lines == ["FAIL  the demo needs a network of two nodes"]


async def test_the_demo_passes_on_nodes_kept_in_sqlite(tmp_path: Path) -> None:
    lines: list[str] = []
    with SqliteState.open(tmp_path / "a.db") as a_db, SqliteState.open(tmp_path / "b.db") as b_db:
        a, b = specs()
        nodes = [dataclasses.replace(a, state=a_db), dataclasses.replace(b, state=b_db)]
        async with MockNetwork(nodes, clock=ManualClock(START)) as network:
            assert await run_demo(network, lines.append) is True
        served = a_db.iias.book(UNI_A).get(DEMO_IIA_A)
    assert_passed(lines)
    assert served is not None
    assert served.approved_as_served  # the lifecycle record is in A's database
    with SqliteState.open(tmp_path / "b.db") as b_db:
        (copy,) = [r for r in b_db.incoming_las.of(UNI_B) if r.la.omobility_id == DEMO_LA]
    assert copy.status is VersionStatus.APPROVED  # B's copy of the LA survives a restart


def test_play_demo_to_writes_the_transcript_of_two_tls_nodes() -> None:
    out = io.StringIO()
    assert play_demo_to(out) is True
    lines = out.getvalue().splitlines()
    assert_passed(lines)
    assert "at https://127.0.0.1:" in lines[0]
