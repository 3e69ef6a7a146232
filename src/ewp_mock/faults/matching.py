"""Which requests a fault behaviour acts on: API, endpoint, and a fraction of them.

Every path the node serves is named ``(api, endpoint)`` once, here, from the
routes' own path constants: ``iias``/``get``, ``iias-approval``/``get``,
``las``/``update``, ``la-cnr``/``notify``... A behaviour that names no API acts
on the partner APIs only: the catalogue and the manifests stay clean, so a
client can still find the node and its keys.

A fraction below 1 picks requests with a :class:`random.Random` seeded from the
scenario's name and the behaviour's place in it, so that a run is repeatable.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Final

from ewp_client.errors import ConfigError

from ..directory import MANIFEST_PATH, SINGLE_MANIFEST_PATH
from ..routes import cnr, echo, factsheet, iias, institutions, las
from ..routes.registry import PATH as CATALOGUE_PATH

__all__ = ["API_NAMES", "NODE_DOCUMENTS", "Endpoint", "Match", "endpoint_of"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A served path by name: ``api`` (``iias``, ``las``...), ``name`` (``get``, ``update``...)."""

    api: str
    name: str


_ROUTES: Final = (
    (iias.GET_PATH, Endpoint("iias", "get")),
    (iias.INDEX_PATH, Endpoint("iias", "index")),
    (iias.STATS_PATH, Endpoint("iias", "stats")),
    (iias.APPROVAL_PATH, Endpoint("iias-approval", "get")),
    (las.GET_PATH, Endpoint("las", "get")),
    (las.INDEX_PATH, Endpoint("las", "index")),
    (las.UPDATE_PATH, Endpoint("las", "update")),
    (las.STATS_PATH, Endpoint("las", "stats")),
    (cnr.IIA_CNR_PATH, Endpoint("iia-cnr", "notify")),
    (cnr.IIA_APPROVAL_CNR_PATH, Endpoint("iia-approval-cnr", "notify")),
    (cnr.LA_CNR_PATH, Endpoint("la-cnr", "notify")),
    (cnr.LA_CNR_STATS_PATH, Endpoint("la-cnr", "stats")),
    (institutions.INSTITUTIONS_PATH, Endpoint("institutions", "get")),
    (institutions.OUNITS_PATH, Endpoint("ounits", "get")),
    (factsheet.FACTSHEET_PATH, Endpoint("factsheet", "get")),
    (echo.PATH, Endpoint("echo", "get")),
    (CATALOGUE_PATH, Endpoint("registry", "catalogue")),
    (MANIFEST_PATH, Endpoint("discovery", "manifest")),
    (SINGLE_MANIFEST_PATH, Endpoint("discovery", "manifest")),
)
_PATTERNS: Final = tuple(
    (re.compile("^" + re.escape(path).replace(re.escape("{hei_id}"), "[^/]+") + "$"), where)
    for path, where in _ROUTES
)
#: Every API name a behaviour may match.
API_NAMES: Final = frozenset(where.api for _, where in _ROUTES)
#: The node's own documents: no behaviour acts on them unless it names them.
NODE_DOCUMENTS: Final = frozenset({"registry", "discovery"})
_ENDPOINT_NAMES: Final = frozenset(where.name for _, where in _ROUTES)
_UNKNOWN: Final = Endpoint("", "")


def endpoint_of(path: str) -> Endpoint:
    """The API and endpoint serving ``path`` (empty names for a path the node does not serve)."""
    for pattern, where in _PATTERNS:
        if pattern.match(path):
            return where
    return _UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Match:
    """The requests a behaviour acts on (``apis``/``endpoints`` empty: any partner API's)."""

    apis: frozenset[str] = frozenset()
    endpoints: frozenset[str] = frozenset()
    fraction: float = 1.0
    seed: str = ""
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = sorted(self.apis - API_NAMES)
        if unknown:
            raise ConfigError(
                f"unknown API {', '.join(unknown)}; known: {', '.join(sorted(API_NAMES))}"
            )
        unknown = sorted(self.endpoints - _ENDPOINT_NAMES)
        if unknown:
            known = ", ".join(sorted(_ENDPOINT_NAMES))
            raise ConfigError(f"unknown endpoint {', '.join(unknown)}; known: {known}")
        if not 0 < self.fraction <= 1:
            raise ConfigError(f"fraction must be in (0, 1], not {self.fraction}")
        object.__setattr__(self, "_rng", random.Random(self.seed))
        object.__setattr__(self, "_lock", threading.Lock())

    def covers(self, where: Endpoint) -> bool:
        """Whether ``where`` is one of the endpoints matched (the fraction not drawn)."""
        if self.apis:
            if where.api not in self.apis:
                return False
        elif not where.api or where.api in NODE_DOCUMENTS:
            return False
        return not self.endpoints or where.name in self.endpoints

    def draw(self) -> bool:
        """Whether this request is in the fraction acted on (always, for a fraction of 1)."""
        if self.fraction >= 1:
            return True
        with self._lock:
            return self._rng.random() < self.fraction

    def describe(self) -> str:
        apis = ", ".join(sorted(self.apis)) or "partner APIs"
        where = f"{apis} {'/'.join(sorted(self.endpoints))}".strip()
        return where if self.fraction >= 1 else f"{where}, {self.fraction:.0%} of requests"
