"""The mock partner a case runs against, and what one client call showed.

Three set-ups, each playing the fault scenarios named (none: a clean partner):

* ``partner``: one node serving ``uni-a`` in process
  (:meth:`~ewp_mock.testing.Partner.in_process`); our client acts for ``uni-b``.
* ``network``: nodes ``a`` (``uni-a``) and ``b`` (``uni-b``) sharing one
  catalogue and one business clock, in process
  (:class:`~ewp_mock.testing.PartnerNetwork`); only ``a`` plays the scenarios
  (``faults_of(app).use``), ``b`` is our node: the change notifications ``a``
  sends arrive there, and our client acts as ``b``.
* ``served``: the node of ``partner`` on a real loopback port over TLS
  (:meth:`~ewp_mock.testing.Partner.served`). Our client reads the node's
  catalogue from a file, as it would read the Registry (which is not the
  partner's host), and calls the partner over TLS trusting the node's CA.

:class:`Seen` is what one call gave: its value, the error it raised, the
:class:`~ewp_client.errors.EwpWarning` s it issued and the diagnoses a check
returned (those that need history: a missing CNR, a diverging copy).
"""

from __future__ import annotations

import functools
import ssl
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from ewp_client.client import EwpClient
from ewp_client.errors import EwpError, EwpWarning
from ewp_client.registry import RegistryClient
from ewp_mock.app import faults_of
from ewp_mock.control import ControlClient
from ewp_mock.faults import ScenarioRegistry
from ewp_mock.testing import Partner, PartnerKeys, PartnerNetwork

Setup = Literal["partner", "network", "served"]


@functools.cache
def keys() -> PartnerKeys:
    """One set of RSA keys for every partner of the run (making them is the slow part)."""
    return PartnerKeys.generate()


@dataclass
class Seen:
    """What a client call gave: ``value``, ``error`` raised, ``warnings`` issued, ``found``
    (diagnoses a pure check returned), and ``facts`` the call noted for the evidence."""

    value: Any = None
    error: BaseException | None = None
    warnings: list[Warning] = field(default_factory=list)
    found: list[EwpWarning] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def problems(self) -> list[BaseException | Warning]:
        """Everything the client reported: the error, its EWP warnings, the diagnoses."""
        reported: list[BaseException | Warning] = [] if self.error is None else [self.error]
        return [
            *reported,
            *(w for w in self.warnings if isinstance(w, EwpWarning)),
            *self.found,
        ]

    def reported(self, kind: type[Any]) -> list[Any]:
        return [p for p in self.problems if isinstance(p, kind)]

    def one(self, kind: type[Any]) -> Any:
        (found,) = self.reported(kind)
        return found

    def add(self, other: Seen) -> Seen:
        """``self`` with what ``other`` showed too (a call made after the first)."""
        self.error = self.error or other.error
        self.warnings += other.warnings
        self.found += other.found
        return self


class Mock:
    """The started set-up of one case (see the module docstring)."""

    def __init__(
        self,
        setup: Setup,
        *,
        partner: Partner | None = None,
        network: PartnerNetwork | None = None,
        catalogue: Path | None = None,
        verify: bool = True,
        scenarios: tuple[str, ...] = (),
    ) -> None:
        self.setup = setup
        self.scenarios = scenarios
        self._partner = partner
        self._network = network
        self._catalogue = catalogue
        self.verify = verify
        #: The waits our clients asked for before trying a call again (none are made).
        self.sleeps: list[float] = []
        self._closing = ExitStack()

    @property
    def partner(self) -> Partner:
        assert self._partner is not None, f"a {self.setup} set-up has no single partner"
        return self._partner

    @property
    def network(self) -> PartnerNetwork:
        assert self._network is not None, f"a {self.setup} set-up is not a network"
        return self._network

    def client(self) -> EwpClient:
        """Our client (acting for uni-b); ``verify`` off: response signatures not checked."""
        options = {"verify_responses": self.verify, "sleep": self.sleeps.append}
        if self.setup == "network":
            return self.network.client("b", **options)
        if self.setup == "partner":
            return self.partner.client(**options)
        assert self._catalogue is not None
        assert self.partner.ca_file is not None
        trust = ssl.create_default_context(cafile=str(self.partner.ca_file))
        http = self._closing.enter_context(httpx.Client(verify=trust))
        return self._closing.enter_context(
            EwpClient(
                RegistryClient(self._catalogue),
                key=self.partner.key,
                http=http,
                hei_ids=self.partner.admitted,
                **options,
            )
        )

    def control(self) -> ControlClient:
        """The control API of the node playing the scenarios."""
        if self.setup == "network":
            return self.network.control("a")
        return self.partner.control

    def see(self, call: Callable[[EwpClient], Any], client: EwpClient | None = None) -> Seen:
        """``call`` made with our client (or ``client``): what it returned, raised and warned."""
        seen = Seen()
        with warnings.catch_warnings(record=True) as issued:
            warnings.simplefilter("always")
            try:
                seen.value = call(client or self.client())
            except EwpError as error:
                seen.error = error
        seen.warnings = [w.message for w in issued if isinstance(w.message, Warning)]
        return seen

    def close(self) -> None:
        self._closing.close()


@contextmanager
def started(setup: Setup, scenarios: tuple[str, ...], *, verify: bool = True) -> Iterator[Mock]:
    """The set-up ``setup`` playing ``scenarios``, closed on leaving."""
    if setup == "partner":
        with Partner.in_process(keys=keys(), scenarios=scenarios) as partner:
            mock = Mock(setup, partner=partner, verify=verify, scenarios=scenarios)
            try:
                yield mock
            finally:
                mock.close()
    elif setup == "network":
        with PartnerNetwork.start(key=keys().ours) as network:
            faults_of(network.app("a")).use(ScenarioRegistry.load().resolve(scenarios))
            mock = Mock(setup, network=network, verify=verify, scenarios=scenarios)
            try:
                yield mock
            finally:
                mock.close()
    else:
        with (
            Partner.served(keys=keys(), scenarios=scenarios, data=None) as partner,
            tempfile.TemporaryDirectory() as directory,
        ):
            catalogue = Path(directory) / "catalogue.xml"
            catalogue.write_bytes(partner.catalogue_xml)
            mock = Mock(
                setup, partner=partner, catalogue=catalogue, verify=verify, scenarios=scenarios
            )
            try:
                yield mock
            finally:
                mock.close()  # our connections first: the server then stops at once
