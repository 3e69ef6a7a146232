"""Discovery API v6: the manifest a host publishes about itself.

A manifest describes at most one host: its administrators, the APIs it
implements (:mod:`.manifest_entries`), the HEI it covers and the keys its
clients and servers use. The Registry builds its catalogue from these
manifests; :mod:`ewp_client.registry` reads the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import COMMON_NS, DISCOVERY_NS, REGISTRY_NS
from ._meta import element
from .common import AnyElement
from .manifest_entries import ManifestEntry
from .registry_types import RegistryHei


@dataclass(frozen=True, kw_only=True, slots=True)
class ApisImplemented:
    """One entry per implemented API; entries of APIs not modelled here stay ``AnyElement``."""

    entries: tuple[ManifestEntry | AnyElement, ...] = field(default=(), metadata=element())

    class Meta:
        name = "apis-implemented"
        namespace = REGISTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class InstitutionsCovered:
    """The HEI a host covers (a manifest covers at most one)."""

    hei: RegistryHei | None = field(default=None, metadata=element())

    class Meta:
        namespace = DISCOVERY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientCredentials:
    """Keys the host's clients sign requests with, in base64 exactly as published."""

    certificates: tuple[str, ...] = field(default=(), metadata=element("certificate"))
    rsa_public_keys: tuple[str, ...] = field(default=(), metadata=element("rsa-public-key"))

    class Meta:
        namespace = DISCOVERY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerCredentials:
    """Keys the host's servers sign responses with, in base64 exactly as published."""

    rsa_public_keys: tuple[str, ...] = field(default=(), metadata=element("rsa-public-key"))

    class Meta:
        namespace = DISCOVERY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ManifestHost:
    """One host: who runs it, what it implements, whom it covers, which keys it uses."""

    admin_emails: tuple[str, ...] = field(metadata=element("admin-email", namespace=COMMON_NS))
    admin_provider: str = field(metadata=element("admin-provider", namespace=COMMON_NS))
    admin_notes: str | None = field(
        default=None, metadata=element("admin-notes", namespace=COMMON_NS)
    )
    apis_implemented: ApisImplemented | None = field(default=None, metadata=element())
    institutions_covered: InstitutionsCovered | None = field(
        default=None, metadata=element("institutions-covered")
    )
    client_credentials_in_use: ClientCredentials | None = field(
        default=None, metadata=element("client-credentials-in-use")
    )
    server_credentials_in_use: ServerCredentials | None = field(
        default=None, metadata=element("server-credentials-in-use")
    )

    class Meta:
        name = "host"
        namespace = DISCOVERY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class Manifest:
    """A Discovery v6 manifest document."""

    host: ManifestHost | None = field(default=None, metadata=element())

    class Meta:
        name = "manifest"
        namespace = DISCOVERY_NS
