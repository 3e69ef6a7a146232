"""A node served by ``MockServer`` (and so by ``ewp-mock serve``) runs its CNR delivery task."""

from __future__ import annotations

import time

import pytest

from ewp_mock import ExchangeLog, MockConfig, MockServer, bind_socket, create_app, node_of_app
from tests.mock.conftest import key


def _config() -> MockConfig:
    return MockConfig(tls=False, server_key=key(1), client_key=key(2))


def _until(condition: object, seconds: float = 10.0) -> bool:
    """Poll ``condition()`` until true or ``seconds`` pass (a wait, not a timing)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_the_server_runs_the_delivery_task_and_stops_it() -> None:
    app = create_app(_config())
    node = node_of_app(app)
    assert not node.outbox.running
    with MockServer(app, bind_socket()):
        assert _until(lambda: node.outbox.running)
    assert not node.outbox.running


def test_a_wrapped_node_app_runs_its_task_too() -> None:
    app = create_app(_config())
    node = node_of_app(app)
    with MockServer(ExchangeLog(app), bind_socket()):
        assert _until(lambda: node.outbox.running)
    assert not node.outbox.running


@pytest.mark.parametrize("lifespan", [False])
def test_lifespan_off_leaves_the_task_to_the_caller(lifespan: bool) -> None:
    app = create_app(_config())
    node = node_of_app(app)
    with MockServer(app, bind_socket(), lifespan=lifespan):
        time.sleep(0.2)
        assert not node.outbox.running
