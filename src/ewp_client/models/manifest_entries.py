"""Manifest entries: how a host announces, in its Discovery manifest, each API it implements.

Every entry has a ``version``, optional admin e-mails and notes, and (except
Discovery's own) an optional ``http-security`` element listing the
authentication methods the endpoints accept; an absent list means the spec's
defaults. Entries of APIs this library does not model are kept verbatim as
:class:`~ewp_client.models.AnyElement` by :class:`~.manifest.ApisImplemented`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import (
    CLIAUTH_HTTPSIG_NS,
    CLIAUTH_NONE_NS,
    COMMON_NS,
    DISCOVERY_ENTRY_NS,
    ECHO_ENTRY_NS,
    FACTSHEET_ENTRY_NS,
    IIA_APPROVAL_CNR_ENTRY_NS,
    IIA_CNR_ENTRY_NS,
    IIAS_APPROVAL_V2_ENTRY_NS,
    IIAS_V7_ENTRY_NS,
    INSTITUTIONS_ENTRY_NS,
    LA_CNR_ENTRY_NS,
    LAS_ENTRY_NS,
    OUNITS_ENTRY_NS,
    SEC_INTRO_NS,
    SRVAUTH_HTTPSIG_NS,
    SRVAUTH_TLSCERT_NS,
)
from ._meta import attribute, element
from .common import AnyElement


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientAuthHttpSig:
    """Client authentication method: HTTP Signatures."""

    class Meta:
        name = "httpsig"
        namespace = CLIAUTH_HTTPSIG_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientAuthNone:
    """Client authentication method: anonymous clients are accepted."""

    class Meta:
        name = "anonymous"
        namespace = CLIAUTH_NONE_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerAuthHttpSig:
    """Server authentication method: HTTP Signatures on responses."""

    class Meta:
        name = "httpsig"
        namespace = SRVAUTH_HTTPSIG_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerAuthTlsCert:
    """Server authentication method: the TLS server certificate."""

    class Meta:
        name = "tlscert"
        namespace = SRVAUTH_TLSCERT_NS


SecurityMethod = (
    ClientAuthHttpSig | ClientAuthNone | ServerAuthHttpSig | ServerAuthTlsCert | AnyElement
)


@dataclass(frozen=True, kw_only=True, slots=True)
class SecurityMethods:
    """One list of methods; methods this library does not model are kept as ``AnyElement``."""

    methods: tuple[SecurityMethod, ...] = field(metadata=element())

    class Meta:
        namespace = SEC_INTRO_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class HttpSecurityOptions:
    """The security methods an API's endpoints accept; ``None`` lists mean the defaults."""

    client_auth_methods: SecurityMethods | None = field(
        default=None, metadata=element("client-auth-methods")
    )
    server_auth_methods: SecurityMethods | None = field(
        default=None, metadata=element("server-auth-methods")
    )
    request_encryption_methods: SecurityMethods | None = field(
        default=None, metadata=element("request-encryption-methods")
    )
    response_encryption_methods: SecurityMethods | None = field(
        default=None, metadata=element("response-encryption-methods")
    )

    class Meta:
        namespace = SEC_INTRO_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ManifestApiEntry:
    """What every entry has (``ewp:ManifestApiEntryBase``): the version and admin details."""

    admin_emails: tuple[str, ...] = field(
        default=(), metadata=element("admin-email", namespace=COMMON_NS)
    )
    admin_notes: str | None = field(
        default=None, metadata=element("admin-notes", namespace=COMMON_NS)
    )
    version: str = field(metadata=attribute("version"))


@dataclass(frozen=True, kw_only=True, slots=True)
class SecuredApiEntry(ManifestApiEntry):
    """An entry with an optional ``http-security`` element."""

    http_security: HttpSecurityOptions | None = field(
        default=None, metadata=element("http-security")
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class DiscoveryEntry(ManifestApiEntry):
    """Discovery API: where the host's manifest is published."""

    url: str = field(metadata=element("url"))

    class Meta:
        name = "discovery"
        namespace = DISCOVERY_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class EchoEntry(SecuredApiEntry):
    """Echo API."""

    url: str = field(metadata=element("url"))

    class Meta:
        name = "echo"
        namespace = ECHO_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasEntry(SecuredApiEntry):
    """IIAs API v7: ``get``, ``index`` and optional ``stats`` endpoints."""

    get_url: str = field(metadata=element("get-url"))
    max_iia_ids: int = field(metadata=element("max-iia-ids"))
    index_url: str = field(metadata=element("index-url"))
    stats_url: str | None = field(default=None, metadata=element("stats-url"))

    class Meta:
        name = "iias"
        namespace = IIAS_V7_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasApprovalEntry(SecuredApiEntry):
    """IIA Approval API v2."""

    url: str = field(metadata=element("url"))
    max_iia_ids: int = field(metadata=element("max-iia-ids"))

    class Meta:
        name = "iias-approval"
        namespace = IIAS_APPROVAL_V2_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaCnrEntry(SecuredApiEntry):
    """IIA CNR API v3."""

    url: str = field(metadata=element("url"))

    class Meta:
        name = "iia-cnr"
        namespace = IIA_CNR_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaApprovalCnrEntry(SecuredApiEntry):
    """IIA Approval CNR API v2."""

    url: str = field(metadata=element("url"))

    class Meta:
        name = "iia-approval-cnr"
        namespace = IIA_APPROVAL_CNR_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LasEntry(SecuredApiEntry):
    """Outgoing Mobility Learning Agreements API v1."""

    get_url: str = field(metadata=element("get-url"))
    index_url: str = field(metadata=element("index-url"))
    update_url: str | None = field(default=None, metadata=element("update-url"))
    stats_url: str | None = field(default=None, metadata=element("stats-url"))
    max_omobility_ids: int = field(metadata=element("max-omobility-ids"))

    class Meta:
        name = "omobility-las"
        namespace = LAS_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LaCnrEntry(SecuredApiEntry):
    """Outgoing Mobility LA CNR API v1."""

    url: str = field(metadata=element("url"))
    stats_url: str | None = field(default=None, metadata=element("stats-url"))
    max_omobility_ids: int = field(metadata=element("max-omobility-ids"))

    class Meta:
        name = "omobility-la-cnr"
        namespace = LA_CNR_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class InstitutionsEntry(SecuredApiEntry):
    """Institutions API v2."""

    url: str = field(metadata=element("url"))
    max_hei_ids: int = field(metadata=element("max-hei-ids"))

    class Meta:
        name = "institutions"
        namespace = INSTITUTIONS_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class OunitsEntry(SecuredApiEntry):
    """Organizational Units API v2."""

    url: str = field(metadata=element("url"))
    max_ounit_ids: int = field(metadata=element("max-ounit-ids"))
    max_ounit_codes: int = field(metadata=element("max-ounit-codes"))

    class Meta:
        name = "organizational-units"
        namespace = OUNITS_ENTRY_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class FactsheetEntry(SecuredApiEntry):
    """Mobility Factsheet API v1."""

    url: str = field(metadata=element("url"))
    max_hei_ids: int = field(metadata=element("max-hei-ids"))

    class Meta:
        name = "factsheet"
        namespace = FACTSHEET_ENTRY_NS


ManifestEntry = (
    DiscoveryEntry
    | EchoEntry
    | IiasEntry
    | IiasApprovalEntry
    | IiaCnrEntry
    | IiaApprovalCnrEntry
    | LasEntry
    | LaCnrEntry
    | InstitutionsEntry
    | OunitsEntry
    | FactsheetEntry
)
