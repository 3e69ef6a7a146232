"""What the mock node publishes about itself: Discovery manifests and a Registry catalogue.

The manifests are the source: one Discovery v6 manifest per served HEI (a v6
manifest covers at most one HEI), built by :mod:`ewp_client.server.manifest`. The
catalogue is derived from them the way the Registry derives its catalogue from
manifests (one catalogue host per manifest), plus one host per admitted client
key, so that a client can use the mock as its Registry. Pure functions: the
caller (:class:`~ewp_mock.node.MockNode`) decides when to rebuild.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence

from ewp_client.codec import encode_element
from ewp_client.models import ApisImplemented, ClientCredentials, Manifest, ServerCredentials
from ewp_client.models.manifest_entries import ManifestEntry
from ewp_client.registry import (
    Catalogue,
    Hei,
    Host,
    LocalizedName,
    build_catalogue,
    key_fingerprint,
)
from ewp_client.registry.parse import api_entry as catalogue_api_entry
from ewp_client.security import public_key_der
from ewp_client.security.resolver import KeyInfo
from ewp_client.server.manifest import HTTPSIG_ONLY, build_manifest

from .config import MockConfig

__all__ = [
    "ADMIN_PROVIDER",
    "HTTPSIG_ONLY",
    "MANIFEST_PATH",
    "SINGLE_MANIFEST_PATH",
    "build_node_catalogue",
    "catalogue_host",
    "manifest_for",
    "manifest_url",
]

ADMIN_PROVIDER = "ewp_mock"
#: Where a HEI's manifest is served; ``{hei_id}`` is the HEI.
MANIFEST_PATH = "/manifests/{hei_id}.xml"
#: Where a node serving one HEI serves its manifest (also at :data:`MANIFEST_PATH`).
SINGLE_MANIFEST_PATH = "/manifest.xml"


def manifest_url(config: MockConfig, hei_id: str) -> str:
    """Where ``hei_id``'s manifest is announced: ``/manifest.xml`` on a one-HEI node.

    Discovery v6 allows one HEI per manifest, so a node serving several has
    one manifest per HEI, each at its own ``/manifests/{hei_id}.xml``.
    """
    if config.hei_ids == (hei_id,):
        return config.url(SINGLE_MANIFEST_PATH)
    return config.url(MANIFEST_PATH.format(hei_id=hei_id))


def manifest_for(config: MockConfig, hei_id: str, entries: Sequence[ManifestEntry]) -> Manifest:
    """The Discovery manifest of the host serving ``hei_id``: its APIs, HEI and keys."""
    return build_manifest(
        hei_id=hei_id,
        manifest_url=manifest_url(config, hei_id),
        entries=entries,
        admin_emails=(config.admin_email,),
        admin_provider=ADMIN_PROVIDER,
        client_keys=(config.client_key.public_key,),
        server_keys=(config.server_key.public_key,),
    )


def catalogue_host(manifest: Manifest) -> tuple[Host, tuple[Hei, ...], tuple[bytes, ...]]:
    """The catalogue host the Registry makes of ``manifest``, its HEI and its DER keys."""
    host = manifest.host
    if host is None:
        return Host(), (), ()
    apis = host.apis_implemented or ApisImplemented()
    element = encode_element(apis)
    hei = host.institutions_covered.hei if host.institutions_covered else None
    clients = host.client_credentials_in_use or ClientCredentials()
    servers = host.server_credentials_in_use or ServerCredentials()
    client_ders = tuple(_der(k) for k in clients.rsa_public_keys)
    server_ders = tuple(_der(k) for k in servers.rsa_public_keys)
    result = Host(
        apis=tuple(catalogue_api_entry(child) for child in element.iterchildren("{*}*")),
        hei_ids=(hei.id,) if hei is not None else (),
        client_keys=tuple(key_fingerprint(d) for d in client_ders),
        server_keys=tuple(key_fingerprint(d) for d in server_ders),
        admin_emails=host.admin_emails,
        admin_provider=host.admin_provider,
    )
    heis = (
        ()
        if hei is None
        else (
            Hei(
                id=hei.id, names=tuple(LocalizedName(text=n.value, lang=n.lang) for n in hei.names)
            ),
        )
    )
    return result, heis, client_ders + server_ders


def build_node_catalogue(
    config: MockConfig, manifests: Iterable[Manifest], clients: Iterable[KeyInfo]
) -> Catalogue:
    """The catalogue the mock serves: its manifests' hosts and one host per admitted client."""
    hosts: list[Host] = []
    heis: dict[str, Hei] = {}
    keys: list[bytes] = []
    for manifest in manifests:
        host, host_heis, ders = catalogue_host(manifest)
        hosts.append(host)
        heis.update((h.id, h) for h in host_heis)
        keys.extend(ders)
    for client in clients:
        served = tuple(sorted(client.heis))
        hosts.append(
            Host(
                hei_ids=served,
                client_keys=(client.key_id,),
                admin_emails=(config.admin_email,),
                admin_notes="a client admitted by the mock partner",
            )
        )
        for hei_id in served:
            heis.setdefault(hei_id, Hei(id=hei_id, names=(LocalizedName(text=hei_id),)))
        keys.append(public_key_der(client.public_key))
    return build_catalogue(hosts, heis=heis.values(), public_keys=keys)


def _der(b64: str) -> bytes:
    return base64.b64decode("".join(b64.split()))
