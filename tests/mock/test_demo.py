"""The one test with a real server: the demo flow on uvicorn, 127.0.0.1, a free port."""

from __future__ import annotations

import io
import threading

import pytest

from ewp_mock.cli import main, run_demo


def test_the_demo_calls_echo_signed_both_ways_and_stops_the_server() -> None:
    out = io.StringIO()
    assert run_demo(out) is True
    text = out.getvalue()
    print(text)
    assert text.count("[ok]") == 10
    assert "FAILED" not in text
    assert "echo values: ['hello', 'zażółć gęślą jaźń', '']" in text
    assert not [t for t in threading.enumerate() if t.name == "ewp-mock-server"]


@pytest.mark.parametrize(
    "argv", [["serve", "--port", "70000"], ["bogus"], []], ids=["bad-port", "unknown", "none"]
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    assert main(argv) == 2
