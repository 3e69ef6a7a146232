"""``ewp-mock demo``: two nodes finish the IIA and OLA flows, over loopback TLS or in process.

The command's transcript, its exit status and its ``--json`` document; the
steps themselves are tested in ``test_demo_flow.py``.
"""

from __future__ import annotations

import json
import re
import threading

import httpx
import pytest

from ewp_client.errors import TransportError
from ewp_mock import demo_flow
from ewp_mock.cli import main
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.network import MockNetwork

#: The ten steps, in order, as the transcript numbers them.
STEPS = [str(n) for n in range(1, 11)]


def step_numbers(text: str) -> list[str]:
    return re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)


def test_the_demo_runs_two_tls_nodes_on_loopback_and_passes_every_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert re.fullmatch(
        rf"Two nodes: A = {UNI_A} at https://127\.0\.0\.1:\d+, "
        rf"B = {UNI_B} at https://127\.0\.0\.1:\d+",
        lines[0],
    )
    assert step_numbers(out) == STEPS
    assert "FAIL" not in out
    assert "    ok    B receives the IIA CNR" in lines
    assert "    ok    A's LA is approved" in lines
    assert lines[-1] == "demo passed: every check is ok"
    assert not [t for t in threading.enumerate() if t.name == "ewp-mock-server"]


def test_in_process_the_demo_plays_the_same_steps_without_sockets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--in-process"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"Two nodes: A = {UNI_A} at https://a.test, B = {UNI_B} at https://b.test"
    )
    assert step_numbers(out) == STEPS
    assert out.endswith("demo passed: every check is ok\n")


def test_json_prints_one_document_with_every_step_and_its_checks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--json", "--in-process"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is True
    assert document["failed"] is None
    assert document["nodes"] == {
        "A": {"hei_id": UNI_A, "url": "https://a.test"},
        "B": {"hei_id": UNI_B, "url": "https://b.test"},
    }
    steps = document["steps"]
    assert [s["number"] for s in steps] == list(range(1, 11))
    assert all(s["ok"] and s["checks"] for s in steps)
    assert steps[0]["checks"][1] == {"label": "B receives the IIA CNR", "ok": True, "detail": ""}
    assert sum(len(s["checks"]) for s in steps) >= 20


def partner_b_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every network the demo builds has node b answering 503 to everything."""
    build = MockNetwork._build

    def build_with_b_down(network: MockNetwork, *args: object, **kwargs: object) -> None:
        build(network, *args, **kwargs)  # type: ignore[arg-type]
        network.intercept("b", lambda request: httpx.Response(503))

    monkeypatch.setattr(MockNetwork, "_build", build_with_b_down)


def test_a_failed_check_exits_1_and_names_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    partner_b_down(monkeypatch)
    assert main(["demo", "--in-process"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "    ok    A queues an IIA CNR for B" in lines
    assert "    FAIL  B receives the IIA CNR" in lines
    assert lines[-1] == "demo FAILED"


def test_a_failed_check_in_json_is_the_failed_field_and_a_step_not_ok(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    partner_b_down(monkeypatch)
    assert main(["demo", "--in-process", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is False
    assert document["failed"] == "B receives the IIA CNR"
    (step,) = document["steps"]
    assert step["ok"] is False
    assert [c["ok"] for c in step["checks"]] == [True, False]


def test_an_error_during_a_step_is_a_failed_check_of_that_step(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(*args: object, **kwargs: object) -> None:
        raise TransportError("the sending HEI did not answer")

    monkeypatch.setattr(demo_flow.NodeActions, "approve_received_la", unreachable)
    assert main(["demo", "--in-process", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["failed"] == "TransportError: the sending HEI did not answer"
    assert [s["ok"] for s in document["steps"]] == [True] * 6 + [False]


@pytest.mark.parametrize(
    "argv",
    [["serve", "--port", "70000"], ["bogus"], [], ["demo", "--loud"]],
    ids=["bad-port", "unknown", "none", "demo-unknown-option"],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    assert main(argv) == 2
