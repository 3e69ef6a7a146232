"""The Discovery v6 manifest a server publishes: one HEI, its APIs and its keys.

Discovery v6 lets a manifest cover at most one HEI, so a server hosting
several HEIs publishes one manifest per HEI (each at its own URL, each
announcing itself). The manifest lists the HEI's API entries (models from
:mod:`ewp_client.models.manifest_entries`), the client keys the server signs
its requests with and the server keys it signs its responses with, as
base64 DER, the way the Registry reads them.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Final

from cryptography.hazmat.primitives.asymmetric import rsa

from ..models import (
    ApisImplemented,
    ClientAuthHttpSig,
    ClientCredentials,
    DiscoveryEntry,
    HttpSecurityOptions,
    InstitutionsCovered,
    Manifest,
    ManifestHost,
    RegistryHei,
    SecurityMethods,
    ServerAuthHttpSig,
    ServerCredentials,
    StringWithOptionalLang,
)
from ..models.manifest_entries import ManifestEntry
from ..namespaces import DISCOVERY_API
from ..security import public_key_der

__all__ = ["HTTPSIG_ONLY", "build_manifest", "manifest_key"]

#: Client and server authentication by HTTP Signatures only.
HTTPSIG_ONLY: Final = HttpSecurityOptions(
    client_auth_methods=SecurityMethods(methods=(ClientAuthHttpSig(),)),
    server_auth_methods=SecurityMethods(methods=(ServerAuthHttpSig(),)),
)


def build_manifest(
    *,
    hei_id: str,
    manifest_url: str,
    entries: Sequence[ManifestEntry],
    admin_emails: Sequence[str],
    admin_provider: str,
    client_keys: Sequence[rsa.RSAPublicKey],
    server_keys: Sequence[rsa.RSAPublicKey],
    hei_names: Sequence[StringWithOptionalLang] = (),
) -> Manifest:
    """The manifest of the host serving ``hei_id``, announcing itself at ``manifest_url``.

    ``entries`` are the partner APIs served (the Discovery entry is added
    first); ``hei_names`` default to the id itself, in English.
    """
    discovery = DiscoveryEntry(version=DISCOVERY_API.version, url=manifest_url)
    names = tuple(hei_names) or (StringWithOptionalLang(value=hei_id, lang="en"),)
    return Manifest(
        host=ManifestHost(
            admin_emails=tuple(admin_emails),
            admin_provider=admin_provider,
            apis_implemented=ApisImplemented(entries=(discovery, *entries)),
            institutions_covered=InstitutionsCovered(hei=RegistryHei(id=hei_id, names=names)),
            client_credentials_in_use=ClientCredentials(
                rsa_public_keys=tuple(manifest_key(k) for k in client_keys)
            ),
            server_credentials_in_use=ServerCredentials(
                rsa_public_keys=tuple(manifest_key(k) for k in server_keys)
            ),
        )
    )


def manifest_key(key: rsa.RSAPublicKey) -> str:
    """A public key as manifests publish it: base64 of the DER SubjectPublicKeyInfo."""
    return base64.b64encode(public_key_der(key)).decode("ascii")
