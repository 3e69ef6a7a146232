from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import FakeClock, RegistryServer, serve_registry


@pytest.fixture
def registry() -> Iterator[RegistryServer]:
    """A real HTTP Registry on 127.0.0.1 (free port)."""
    with serve_registry() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
