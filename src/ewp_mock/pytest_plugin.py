"""pytest plugin: a mock EWP partner as a fixture (registered by the ``pytest11`` entry point).

Fixtures (see :mod:`ewp_mock.testing` for the objects they give):

``ewp_partner``
    A :class:`~ewp_mock.testing.Partner` in process (no socket): a node serving
    ``uni-a.example.org`` with the demo data, our key (``.key``) admitted for
    ``uni-b.example.org``, and ``.client()`` / ``.async_client()`` ready.
``ewp_partner_server``
    The same node on a free loopback port over TLS (uvicorn in a thread), its
    local CA trusted by the clients (``.ca_file``); stopped after the test.
``ewp_partner_server_session``
    One such server for the whole session (state carries over between tests;
    not affected by the marker).
``ewp_partner_factory``
    A function making more in-process partners (same arguments as the marker,
    plus ``served=True`` for a real port); all closed after the test.
``ewp_network``
    A :class:`~ewp_mock.testing.PartnerNetwork`: nodes ``a`` (uni-a) and ``b``
    (uni-b) sharing one catalogue, in process; ``.client()`` is ours,
    ``.client("b")`` acts as node ``b``.
``ewp_respx``
    A respx router (``respx.mock``) in which ``ewp_partner``'s host is routed
    to its app, for code that makes its own httpx clients.
``ewp_partner_keys``
    The RSA keys the fixtures reuse within a session (generating them is the
    slow part of a partner; keys carry no state).

Markers:

``@pytest.mark.ewp_partner(heis=, data=, admit=, stats_portal=, settings=, scenarios=,``
``control=, keep_personal_data=)``
    chooses the served HEIs, the data set (``"demo"``, ``None`` for bare
    institutions, a :class:`~ewp_mock.data.Dataset` or a fixture directory),
    (a relative directory is found next to the test module),
    the HEIs our key is admitted for, and MockConfig settings, for
    ``ewp_partner``, ``ewp_partner_server`` and ``ewp_respx``. ``scenarios``
    names the fault scenarios the partner plays (``ewp-mock scenarios`` lists
    them; ``settings={"scenario_files": ["faults.toml"]}`` adds a file's,
    found next to the test module when relative); an unknown name fails the
    test with the known ones. The partner's control API (``partner.control``)
    is on unless ``control=False``. ``keep_personal_data=True`` keeps students'
    personal data in the partner's recorded exchanges (``partner.exchanges``;
    masked otherwise).
``@pytest.mark.ewp_network(nodes={"a": [...]}, data=, admit=, mode=, settings=, control=,``
``scenarios={"b": [...]})``
    the same for ``ewp_network`` (``mode="loopback"``: real ports and TLS;
    ``ewp_network.control("a")``: node a's control API, on unless ``control=False``);
    ``scenarios`` names the fault scenarios each node plays (the others: none).

pytest loads this module wherever ``ewp-client`` is installed, with or
without the ``[mock]`` extra: it imports nothing beyond pytest at import
time, and a fixture that cannot be provided fails with what to install.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import pytest

if TYPE_CHECKING:
    from ewp_mock.testing import Partner, PartnerKeys, PartnerNetwork

__all__ = [
    "MOCK_INSTALL_HINT",
    "RESPX_INSTALL_HINT",
    "ewp_network",
    "ewp_partner",
    "ewp_partner_factory",
    "ewp_partner_keys",
    "ewp_partner_server",
    "ewp_partner_server_session",
    "ewp_respx",
    "pytest_configure",
]

MOCK_INSTALL_HINT: Final = "pip install 'ewp-client[mock]'"
RESPX_INSTALL_HINT: Final = "pip install respx"

_R = TypeVar("_R")

_PARTNER_OPTIONS: Final = (
    "heis",
    "data",
    "admit",
    "stats_portal",
    "settings",
    "scenarios",
    "control",
    "keep_personal_data",
)
_NETWORK_OPTIONS: Final = (
    "nodes",
    "data",
    "admit",
    "mode",
    "settings",
    "control",
    "scenarios",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ewp_partner(heis=..., data=..., admit=..., stats_portal=..., settings=..., "
        "scenarios=..., control=..., keep_personal_data=...): the mock EWP partner the "
        "ewp_partner fixtures make, playing the fault scenarios named (ewp-mock scenarios "
        "lists them)",
    )
    config.addinivalue_line(
        "markers",
        "ewp_network(nodes=..., data=..., admit=..., mode=..., settings=..., control=..., "
        "scenarios={node: [...]}): the nodes of the ewp_network fixture, each playing the "
        "fault scenarios named for it",
    )


def _testing() -> Any:
    """:mod:`ewp_mock.testing`, or the test fails saying what to install."""
    try:
        from ewp_mock import testing
    except ImportError as exc:
        pytest.fail(
            f"this fixture needs the mock partner ({exc.name or exc} is missing): "
            f"{MOCK_INSTALL_HINT}",
            pytrace=False,
        )
    return testing


def _options(request: pytest.FixtureRequest, marker: str, known: tuple[str, ...]) -> dict[str, Any]:
    mark = request.node.get_closest_marker(marker)
    if mark is None:
        return {}
    if mark.args:
        pytest.fail(
            f"@pytest.mark.{marker} takes keyword arguments only ({', '.join(known)})",
            pytrace=False,
        )
    unknown = sorted(set(mark.kwargs) - set(known))
    if unknown:
        pytest.fail(
            f"@pytest.mark.{marker} does not know {', '.join(unknown)}; "
            f"it takes {', '.join(known)}",
            pytrace=False,
        )
    options = dict(mark.kwargs)
    data = options.get("data")
    if isinstance(data, str | Path) and data != "demo" and not Path(data).is_absolute():
        options["data"] = request.path.parent / data  # next to the test module
    settings = options.get("settings")
    if isinstance(settings, dict) and settings.get("scenario_files"):
        files = [request.path.parent / f for f in settings["scenario_files"]]  # absolute stay
        options["settings"] = {**settings, "scenario_files": files}
    return options


def _make(factory: Callable[..., _R], options: dict[str, Any], keys: PartnerKeys) -> _R:
    """``factory(**options)``; a configuration error fails the test with its message."""
    from ewp_client.errors import ConfigError

    try:
        return factory(keys=keys, **options)
    except ConfigError as exc:
        pytest.fail(f"cannot make the mock partner: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def ewp_partner_keys() -> PartnerKeys:
    """The RSA keys every partner of the session uses (ours, the node's server and client keys)."""
    keys: PartnerKeys = _testing().PartnerKeys.generate()
    return keys


@pytest.fixture
def ewp_partner(request: pytest.FixtureRequest, ewp_partner_keys: PartnerKeys) -> Iterator[Partner]:
    """A mock partner in process, our key admitted, clients ready (see the module doc)."""
    testing = _testing()
    options = _options(request, "ewp_partner", _PARTNER_OPTIONS)
    partner: Partner = _make(testing.Partner.in_process, options, ewp_partner_keys)
    with partner:
        yield partner


@pytest.fixture
def ewp_partner_server(
    request: pytest.FixtureRequest, ewp_partner_keys: PartnerKeys
) -> Iterator[Partner]:
    """A mock partner on a real loopback port over TLS, stopped after the test."""
    testing = _testing()
    options = _options(request, "ewp_partner", _PARTNER_OPTIONS)
    partner: Partner = _make(testing.Partner.served, options, ewp_partner_keys)
    with partner:
        yield partner


@pytest.fixture(scope="session")
def ewp_partner_server_session(ewp_partner_keys: PartnerKeys) -> Iterator[Partner]:
    """One mock partner on a real port for the whole session (its state carries over)."""
    testing = _testing()
    partner: Partner = _make(testing.Partner.served, {}, ewp_partner_keys)
    with partner:
        yield partner


@pytest.fixture
def ewp_partner_factory(ewp_partner_keys: PartnerKeys) -> Iterator[Callable[..., Partner]]:
    """``make(**options)``: another partner (``served=True``: on a real port), closed after."""
    testing = _testing()
    made: list[Partner] = []

    def make(*, served: bool = False, **options: Any) -> Partner:
        options.setdefault("keys", ewp_partner_keys)
        factory = testing.Partner.served if served else testing.Partner.in_process
        partner: Partner = factory(**options)
        made.append(partner)
        return partner

    try:
        yield make
    finally:
        for partner in reversed(made):
            partner.close()


@pytest.fixture
def ewp_network(
    request: pytest.FixtureRequest, ewp_partner_keys: PartnerKeys
) -> Iterator[PartnerNetwork]:
    """Nodes a (uni-a) and b (uni-b) sharing one catalogue, our key admitted to both."""
    testing = _testing()
    options = _options(request, "ewp_network", _NETWORK_OPTIONS)
    nodes = options.pop("nodes", None)
    if nodes is not None:
        options["nodes"] = nodes

    def start(*, keys: PartnerKeys, **kw: Any) -> PartnerNetwork:
        network: PartnerNetwork = testing.PartnerNetwork.start(key=keys.ours, **kw)
        return network

    network = _make(start, options, ewp_partner_keys)
    with network:
        yield network


@pytest.fixture
def ewp_respx(ewp_partner: Partner) -> Iterator[Any]:
    """A started respx router sending ``ewp_partner``'s host to its app (other routes: yours)."""
    try:
        import respx
    except ImportError:
        pytest.fail(f"the ewp_respx fixture needs respx: {RESPX_INSTALL_HINT}", pytrace=False)
    testing = _testing()
    with respx.mock(assert_all_called=False) as router:
        testing.route_partner(router, ewp_partner)
        yield router
