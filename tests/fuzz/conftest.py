"""The fuzz targets, built once per session from the reference pack (skipped when it is absent)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .seeds import ReferenceMissing, corpus, keys
from .targets import Target, build_targets


@pytest.fixture(scope="session")
def fuzz_targets() -> Iterator[dict[str, Target]]:
    try:
        targets = build_targets(corpus(), keys())
    except ReferenceMissing as exc:
        pytest.skip(f"no seeds for the fuzzer: {exc}")
    yield targets
    for target in targets.values():
        target.close()
