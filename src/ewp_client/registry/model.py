"""The Registry catalogue as plain, immutable data.

The catalogue lists EWP hosts; each host implements APIs (manifest entries with
a version, endpoint URLs, parameters such as ``max-*-ids`` and the security
methods it accepts), covers HEIs and uses credentials: client keys that may
speak for its HEIs, server keys that may sign its responses. Public keys are
published once, in ``binaries``, under their SHA-256 fingerprint, which is also
the ``keyId`` of HTTP Signatures.

These classes hold no XML logic (:mod:`.parse` reads them, :mod:`.builder`
writes them) and answer no question that needs more than one host
(:mod:`.catalogue` does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ..errors import CatalogueKeyError, KeyFormatError
from ..security.keys import load_der_public_key

#: When a host does not publish ``max-*-ids``, clients assume it takes one id per request.
DEFAULT_MAX_IDS: Final = 1

_VERSION_PART = re.compile(r"\d+")
#: ``.../ewp-specs-sec-cliauth-httpsig/tree/stable-v1`` -> ``sec-cliauth-httpsig``
_SPEC_REPO = re.compile(r"/ewp-specs-([a-z][a-z0-9-]*)/")


def version_key(version: str) -> tuple[int, ...]:
    """``"7.10.1"`` -> ``(7, 10, 1)``, for ordering versions numerically.

    Parts that do not start with digits count as 0, so ``"2.0.0-rc1"`` sorts as 2.0.0.
    """
    parts = []
    for piece in version.strip().split("."):
        m = _VERSION_PART.match(piece)
        parts.append(int(m.group()) if m else 0)
    return tuple(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthMethod:
    """One security method of an ``http-security`` list, named by its element's namespace."""

    namespace: str
    name: str
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """A short name for people: the spec it comes from (``sec-cliauth-httpsig``)."""
        m = _SPEC_REPO.search(self.namespace)
        return m.group(1) if m else f"sec-{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpSecurity:
    """An API's ``http-security`` element.

    A list left out by the host is ``None``: the spec's defaults then apply
    (TLS client certificates and TLS server authentication only), so a ``None``
    list never matches HTTP Signatures.
    """

    client_auth: tuple[AuthMethod, ...] | None = None
    server_auth: tuple[AuthMethod, ...] | None = None
    request_encryption: tuple[AuthMethod, ...] | None = None
    response_encryption: tuple[AuthMethod, ...] | None = None

    def accepts_client_auth(self, namespace: str) -> bool:
        return any(m.namespace == namespace for m in self.client_auth or ())

    def offers_server_auth(self, namespace: str) -> bool:
        return any(m.namespace == namespace for m in self.server_auth or ())


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiEntry:
    """One child of a host's ``apis-implemented``: an API in one version.

    ``properties`` keeps every simple child element (``url``, ``get-url``,
    ``max-iia-ids``...) in document order, so that a catalogue we build lists
    them in the order the API's ``manifest-entry.xsd`` wants.
    """

    name: str
    namespace: str
    version: str
    properties: tuple[tuple[str, str], ...] = ()
    http_security: HttpSecurity | None = None
    admin_emails: tuple[str, ...] = ()
    admin_notes: str | None = None

    @property
    def version_key(self) -> tuple[int, ...]:
        return version_key(self.version)

    @property
    def major(self) -> int:
        return self.version_key[0]

    def get(self, name: str) -> str | None:
        """The text of the first property called ``name``."""
        return next((value for key, value in self.properties if key == name), None)

    @property
    def url(self) -> str | None:
        """The API's ``url`` (single-endpoint APIs such as echo, institutions, CNR)."""
        return self.get("url")

    @property
    def urls(self) -> Mapping[str, str]:
        """Every endpoint URL, by element name (``url``, ``get-url``, ``index-url``...)."""
        return {k: v for k, v in self.properties if k == "url" or k.endswith("-url")}

    @property
    def max_ids(self) -> Mapping[str, int]:
        """Every well-formed ``max-*`` limit (``max-iia-ids``, ``max-ounit-codes``...)."""
        limits: dict[str, int] = {}
        for key, value in self.properties:
            if key.startswith("max-") and value.strip().isdigit() and int(value) > 0:
                limits.setdefault(key, int(value))
        return limits

    def max_ids_of(self, name: str, default: int = DEFAULT_MAX_IDS) -> int:
        """The ``name`` limit, or ``default`` (1) when absent or unparsable, as clients assume."""
        return self.max_ids.get(name, default)

    def accepts_client_auth(self, namespace: str) -> bool:
        return self.http_security is not None and self.http_security.accepts_client_auth(namespace)

    def offers_server_auth(self, namespace: str) -> bool:
        return self.http_security is not None and self.http_security.offers_server_auth(namespace)


@dataclass(frozen=True, slots=True, kw_only=True)
class Host:
    """One EWP host: what it implements, whom it covers, which credentials it uses.

    Key fields hold fingerprints (``keyId`` values); the key material itself is
    in :attr:`Catalogue.binaries`.
    """

    apis: tuple[ApiEntry, ...] = ()
    hei_ids: tuple[str, ...] = ()
    client_keys: tuple[str, ...] = ()
    server_keys: tuple[str, ...] = ()
    client_certificates: tuple[str, ...] = ()
    admin_emails: tuple[str, ...] = ()
    admin_provider: str | None = None
    admin_notes: str | None = None

    def covers(self, hei_id: str) -> bool:
        wanted = hei_id.lower()
        return any(h.lower() == wanted for h in self.hei_ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherHeiId:
    """A HEI identifier besides its SCHAC id (``erasmus``, ``pic``, ``erasmus-charter``...)."""

    type: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalizedName:
    text: str
    lang: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Hei:
    """A HEI of the catalogue's ``institutions`` list."""

    id: str
    names: tuple[LocalizedName, ...]
    other_ids: tuple[OtherHeiId, ...] = ()

    def other_ids_of(self, type_: str) -> tuple[str, ...]:
        """Values of one id type; ``euc`` and ``erasmus-charter`` are aliases as the schema says."""
        types = {"euc", "erasmus-charter"} if type_ in ("euc", "erasmus-charter") else {type_}
        return tuple(o.value for o in self.other_ids if o.type in types)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientKey:
    """A client key the catalogue lists, with the HEIs a request signed by it may speak for."""

    key_id: str
    der: bytes
    hei_ids: frozenset[str]
    hosts: tuple[Host, ...] = field(repr=False)

    def public_key(self) -> RSAPublicKey:
        return load_rsa_public_key(self.der, self.key_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class HostedApi:
    """An API entry together with the host that serves it (and so the keys that may sign for it)."""

    host: Host
    entry: ApiEntry

    @property
    def server_keys(self) -> tuple[str, ...]:
        return self.host.server_keys


def load_rsa_public_key(der: bytes, key_id: str) -> RSAPublicKey:
    """Decode a catalogue binary; :class:`CatalogueKeyError` when it is not an RSA public key.

    Whatever the bytes are (not DER, a DSA or Ed448 key, an algorithm the
    cryptography library does not know), the error is that one.
    """
    try:
        return load_der_public_key(der, source=f"catalogue key {key_id}")
    except KeyFormatError as exc:
        raise CatalogueKeyError(str(exc), key_id=key_id, algorithm=exc.algorithm) from exc
