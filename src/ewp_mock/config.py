"""What a mock partner node is: the HEIs it serves, where it listens, its keys and its checks.

Keys not given are generated when the configuration is made (RSA 2048), so a
:class:`MockConfig` is complete and immutable from then on: the catalogue and
manifests published for it never change under a client.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from ewp_client.errors import ConfigError
from ewp_client.security import MIN_CLOCK_SKEW, SigningKey, generate_private_key
from ewp_client.server.endpoints import (
    MAX_HEI_IDS,
    MAX_IIA_IDS,
    MAX_OMOBILITY_IDS,
    MAX_OUNIT_CODES,
    MAX_OUNIT_IDS,
)

from .exchange_log import DEFAULT_RING_SIZE

if TYPE_CHECKING:
    from .faults import Scenario

__all__ = [
    "DEFAULT_CNR_EXPIRY",
    "DEFAULT_HEI",
    "DEFAULT_MAX_REQUEST_BYTES",
    "MIN_CLIENT_KEY_BITS",
    "IdLimits",
    "MockConfig",
]

#: The HEI a mock serves when none is named: the first HEI of the built-in demo data
#: (:data:`ewp_mock.data.UNI_A`), which ``ewp-mock serve`` serves with its data by default.
DEFAULT_HEI: Final = "uni-a.example.org"
#: Client keys shorter than this are refused when a client is admitted.
MIN_CLIENT_KEY_BITS: Final = 2048
#: Request bodies over this many bytes are refused (413) before they are read in full.
DEFAULT_MAX_REQUEST_BYTES: Final = 4 * 1024 * 1024
#: How long the node keeps trying to deliver a change notification after the latest change.
DEFAULT_CNR_EXPIRY: Final = timedelta(hours=24)


@dataclass(frozen=True, kw_only=True)
class IdLimits:
    """The ``max-*`` numbers the node publishes in its manifests and enforces (400 above them).

    Each is the count of values one request may carry, duplicates counted.
    ``la_cnr_omobility_ids`` is the LA CNR endpoint's ``max-omobility-ids``,
    separate from the LAs ``get`` endpoint's ``omobility_ids``.
    """

    iia_ids: int = 50
    omobility_ids: int = 20
    la_cnr_omobility_ids: int = 50
    hei_ids: int = 10
    ounit_ids: int = 10
    ounit_codes: int = 10

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"max_ids.{name} must be a positive whole number, not {value!r}")

    def of(self, *elements: str) -> dict[str, int]:
        """The limits of the manifest elements named (``max-iia-ids``...) for a request."""
        known = {
            MAX_IIA_IDS: self.iia_ids,
            MAX_OMOBILITY_IDS: self.omobility_ids,
            MAX_HEI_IDS: self.hei_ids,
            MAX_OUNIT_IDS: self.ounit_ids,
            MAX_OUNIT_CODES: self.ounit_codes,
        }
        return {element: known[element] for element in elements}


def _new_key() -> SigningKey:
    return SigningKey(generate_private_key())


@dataclass(frozen=True, kw_only=True)
class MockConfig:
    """Settings of one mock partner node.

    ``base_url`` is the public address clients use (``https://host:port``
    when not given, ``http://host:port`` when ``tls`` is off); its authority
    is the ``Host`` requests must be signed for. ``tls`` says whether the node
    is served over TLS (what :mod:`ewp_mock.tls` and ``ewp-mock serve`` do by
    default): EWP manifests and catalogues require ``https://`` URLs, so a
    node announcing ``http://`` ones breaks their schemas. ``data_dir`` is the
    directory of fixture files the node's data set was loaded from, when it
    was (``None``: the built-in demo data, or no data; the data set itself is
    :func:`~ewp_mock.create_app`'s argument).
    ``server_key`` signs responses, ``client_key`` is the node's own client
    credential (published, used when the mock calls partners). ``clock_skew``
    follows the :mod:`ewp_client.security` policy (never below its floor).
    ``max_request_bytes`` bounds what one request may make the node hold;
    ``max_ids`` are the ``max-*-ids`` numbers its manifests publish.

    When it calls partners (the change notifications of its outbox), the node
    finds them in the catalogue at ``registry_url`` (its own catalogue when
    ``None``: the partners it was introduced to, see
    :meth:`~ewp_mock.node.MockNode.add_peer`), signs with ``client_key`` and
    trusts the TLS certificates the CA files in ``trusted_cas`` issued (the
    system's CAs when there are none). ``cnr_expiry`` is how long after the
    latest change an undelivered notification is still tried (business time).

    ``control`` serves the node's control API under ``/_mock/control`` (plain
    JSON, no HTTP signature: for tests and demos, never for a node others
    rely on; see :mod:`ewp_mock.control`); off by default.
    The node records its exchanges, received and sent, in a ring of the latest
    ``exchange_log_size`` (:attr:`~ewp_mock.node.MockNode.exchanges`); their
    bodies are kept with students' personal data masked unless
    ``keep_personal_data`` (a node started to keep it).
    ``scenarios`` are the fault scenarios the node plays (names of
    :mod:`ewp_mock.faults`: built-in, or declared in ``scenario_files``); an
    unknown name is a :class:`ConfigError` naming the known ones.
    """

    hei_ids: tuple[str, ...] = (DEFAULT_HEI,)
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str | None = None
    tls: bool = True
    data_dir: Path | None = None
    server_key: SigningKey = field(default_factory=_new_key)
    client_key: SigningKey = field(default_factory=_new_key)
    replay_protection: bool = True
    clock_skew: float = MIN_CLOCK_SKEW
    min_client_key_bits: int = MIN_CLIENT_KEY_BITS
    admin_email: str = "admin@mock.example.org"
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_ids: IdLimits = field(default_factory=IdLimits)
    registry_url: str | None = None
    trusted_cas: tuple[Path, ...] = ()
    cnr_expiry: timedelta = DEFAULT_CNR_EXPIRY
    control: bool = False
    keep_personal_data: bool = False
    exchange_log_size: int = DEFAULT_RING_SIZE
    scenarios: tuple[str, ...] = ()
    scenario_files: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if not self.hei_ids or any(not h.strip() for h in self.hei_ids):
            raise ConfigError("a mock node serves at least one HEI, each with a non-empty id")
        if len(set(self.hei_ids)) != len(self.hei_ids):
            raise ConfigError(f"HEI ids repeat: {self.hei_ids}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port {self.port} is not a TCP port (1-65535)")
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"base URL {self.public_url!r} is not an http(s) URL")
        if self.clock_skew < MIN_CLOCK_SKEW:
            raise ConfigError(
                f"clock_skew {self.clock_skew} s is below the EWP minimum of {MIN_CLOCK_SKEW} s"
            )
        if self.min_client_key_bits < MIN_CLIENT_KEY_BITS:
            raise ConfigError(
                f"min_client_key_bits {self.min_client_key_bits} is below {MIN_CLIENT_KEY_BITS}"
            )
        if self.max_request_bytes < 1:
            raise ConfigError(f"max_request_bytes {self.max_request_bytes} must be positive")
        size = self.exchange_log_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"exchange_log_size must be a positive whole number, not {size!r}")
        if self.cnr_expiry <= timedelta(0):
            raise ConfigError(f"cnr_expiry must be a positive time, not {self.cnr_expiry}")
        if self.registry_url is not None:
            registry = urlsplit(self.registry_url)
            if registry.scheme not in ("http", "https") or not registry.netloc:
                raise ConfigError(f"registry URL {self.registry_url!r} is not an http(s) URL")
        if self.scenarios or self.scenario_files:
            self.fault_scenarios()  # unknown names, unusable files: refused now
        for role, key in (("server", self.server_key), ("client", self.client_key)):
            if key.private_key.key_size < MIN_CLIENT_KEY_BITS:
                raise ConfigError(
                    f"the {role} key has {key.private_key.key_size} bits; "
                    f"at least {MIN_CLIENT_KEY_BITS} are needed"
                )

    @property
    def public_url(self) -> str:
        """The base URL without a trailing slash."""
        if self.base_url is not None:
            return self.base_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 literal
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def announces_https(self) -> bool:
        """Whether the URLs the node publishes are ``https://`` (as the EWP schemas require)."""
        return urlsplit(self.public_url).scheme == "https"

    @property
    def authority(self) -> str:
        """``host[:port]`` of :attr:`public_url`: the ``Host`` a request must be signed for."""
        return urlsplit(self.public_url).netloc

    @property
    def catalogue_url(self) -> str:
        """The catalogue the node reads to find partners: ``registry_url``, or its own."""
        from .routes.registry import PATH  # the routes import this module

        return self.registry_url or self.url(PATH)

    def fault_scenarios(self) -> tuple[Scenario, ...]:
        """The :attr:`scenarios`, parsed afresh (their random draws start from their seeds)."""
        from .faults import ScenarioRegistry  # the faults import the routes, which import this

        return ScenarioRegistry.load(self.scenario_files).resolve(self.scenarios)

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (which starts with ``/``) on this node."""
        return f"{self.public_url}{path}"
