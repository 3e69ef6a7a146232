"""The Registry catalogue as the ``KeyResolver`` of HTTP Signature verification.

Signature verification asks three questions: is this ``keyId`` a client key
(and for which HEIs), what is the key, and may it sign responses from this
endpoint URL (:meth:`Catalogue.is_server_key_for`, the one place that answers
it). :class:`CatalogueKeyResolver` answers them from a catalogue held in
memory, as the protocol requires.

The EWP clients refresh the catalogue themselves when a response's key is
unknown, inside their auth flow (:class:`~ewp_client.security.EwpAuth`). A
sync server may instead build the resolver over a :class:`RegistryClient`
with ``refresh_unknown=True``: it then refreshes the catalogue once (rate
limited, see :class:`CachePolicy`) before answering "unknown" -- blocking I/O,
so only where blocking is fine (a sync server, a worker thread).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ..errors import RegistryError, RegistryUnavailableError
from ..security.resolver import KeyInfo
from .catalogue import Catalogue
from .client import AsyncRegistryClient, RegistryClient
from .model import load_rsa_public_key


class CatalogueKeyResolver:
    """A ``KeyResolver`` over a :class:`Catalogue` or a caching Registry client."""

    def __init__(
        self,
        source: Catalogue | RegistryClient | AsyncRegistryClient,
        *,
        refresh_unknown: bool = False,
    ) -> None:
        self._source = source
        self._refresh_unknown = refresh_unknown and isinstance(source, RegistryClient)

    def _catalogue(self) -> Catalogue:
        source = self._source
        if isinstance(source, Catalogue):
            return source
        if isinstance(source, RegistryClient):
            return source.catalogue()
        cached = source.cached
        if cached is None:
            raise RegistryUnavailableError(
                "the async Registry client holds no catalogue yet; await its catalogue() first"
            )
        return cached.catalogue

    def _refreshed(self) -> Catalogue | None:
        if self._refresh_unknown and isinstance(self._source, RegistryClient):
            return self._source.refresh_for_unknown()
        return None

    def client_key(self, key_id: str) -> KeyInfo | None:
        key = self._catalogue().client_key(key_id)
        if key is None and (fresh := self._refreshed()) is not None:
            key = fresh.client_key(key_id)
        if key is None:
            return None
        try:
            public_key = key.public_key()
        except RegistryError:  # published, but not an RSA key we can verify with
            return None
        return KeyInfo(key_id=key_id, public_key=public_key, heis=key.hei_ids)

    def public_key(self, key_id: str) -> RSAPublicKey | None:
        der = self._catalogue().public_key(key_id)
        if der is None and (fresh := self._refreshed()) is not None:
            der = fresh.public_key(key_id)
        if der is None:
            return None
        try:
            return load_rsa_public_key(der, key_id)
        except RegistryError:
            return None

    def is_server_key_for(self, key_id: str, endpoint: str) -> bool:
        """See :meth:`Catalogue.is_server_key_for`."""
        if self._catalogue().is_server_key_for(key_id, endpoint):
            return True
        fresh = self._refreshed()
        return fresh is not None and fresh.is_server_key_for(key_id, endpoint)
