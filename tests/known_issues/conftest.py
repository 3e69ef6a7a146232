from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.network import Network, make_network


@pytest.fixture
def net(tmp_path: Path) -> Network:
    return make_network(tmp_path, max_ids=3)
