"""An in-process partner with its control API on (the plugin's ``ewp_partner``, made here)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from ewp_mock.testing import Partner, PartnerKeys


@functools.cache
def keys() -> PartnerKeys:
    """The keys of every partner of this package (generated once)."""
    return PartnerKeys.generate()


@pytest.fixture
def ewp_partner() -> Iterator[Partner]:
    with Partner.in_process(keys=keys()) as partner:
        yield partner
